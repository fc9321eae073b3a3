"""Mutual recognition of examination results (检查检验结果互认): windows, decisions, savings.

A repeat is *flagged* when the same service is ordered for the same patient while an earlier
reported result is at most ``recognition_window_days`` old (elapsed time ≤ window × 24 h, the
most recent earlier report is used). The ordering institution then decides:

- *recognised* (已互认): the earlier result is used, the new examination is not done, and its
  price is the avoided-duplicate saving;
- *not recognised* (未互认): the examination is repeated (a reason is required, e.g. a change in
  the patient's condition); no saving.

Recognition rate = recognised ÷ decided flags; savings = Σ price of recognised repeats.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from yigong.schema.rounding import FEN


class RecognitionStatus(StrEnum):
    PENDING = "pending"
    RECOGNISED = "recognised"
    NOT_RECOGNISED = "not_recognised"

    @property
    def name_zh(self) -> str:
        return {
            "pending": "待判定",
            "recognised": "已互认",
            "not_recognised": "未互认（重复检查）",
        }[self.value]


@dataclass(frozen=True)
class PriorResult:
    """An earlier reported result of the same service for the same patient."""

    request_id: str
    reported_at: datetime


@dataclass(frozen=True)
class RepeatFlag:
    """Why a new order was flagged: which earlier result, how old, against which window."""

    prior: PriorResult
    days_between: int
    window_days: int


def find_repeat(
    priors: Iterable[PriorResult], ordered_at: datetime, window_days: int | None
) -> RepeatFlag | None:
    """The most recent earlier result inside the window, or None (never for a null window)."""
    if window_days is None:
        return None
    window = timedelta(days=window_days)
    inside = [
        p for p in priors if p.reported_at <= ordered_at and ordered_at - p.reported_at <= window
    ]
    if not inside:
        return None
    latest = max(inside, key=lambda p: (p.reported_at, p.request_id))
    return RepeatFlag(latest, (ordered_at - latest.reported_at).days, window_days)


@dataclass(frozen=True)
class RecognitionSummary:
    """Recognition rate with its numerator and denominator, and the avoided-duplicate savings."""

    flagged: int
    pending: int
    recognised: int
    not_recognised: int
    savings: Decimal

    @property
    def decided(self) -> int:
        return self.recognised + self.not_recognised

    @property
    def rate(self) -> Decimal | None:
        """recognised ÷ decided, 4 decimals; None when nothing was decided."""
        if self.decided == 0:
            return None
        return (Decimal(self.recognised) / Decimal(self.decided)).quantize(Decimal("0.0001"))

    def explain(self) -> str:
        rate = "n/a" if self.rate is None else f"{self.rate * 100:.2f}%"
        return (
            f"recognition rate = recognised {self.recognised} / decided {self.decided} = "
            f"{rate}; flagged {self.flagged} ({self.pending} pending); avoided-duplicate "
            f"savings = {self.savings.quantize(FEN)} yuan"
        )
