"""What an ingest tells its user: rows read, accepted, rejected, and why, per file."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from yigong.ingest.privacy import mask


class IngestError(RuntimeError):
    """A whole file cannot be ingested (unreadable, unknown table, wrong key…). Nothing is written."""

    def __init__(self, file: str, reason: str) -> None:
        reason = mask(reason) or ""  # a reader's message may quote a line of the file
        super().__init__(f"{file}: {reason}")
        self.file = file
        self.reason = reason


@dataclass(frozen=True)
class RowError:
    """One broken rule in one row: the row is quarantined, not loaded."""

    file: str
    row_no: int  # 1-based data row (the header is row 0)
    field: str
    rule: str
    reason: str
    value: str | None = None

    def __post_init__(self) -> None:  # a reader's message may quote the value: masked
        object.__setattr__(self, "reason", mask(self.reason))
        object.__setattr__(self, "value", mask(self.value))


@dataclass
class IngestReport:
    """The outcome of ingesting one file into one table. Invariant: accepted + rejected = read."""

    run_id: str
    table: str
    file: str
    file_sha256: str
    rows_read: int
    rows_accepted: int
    rows_rejected: int
    rows_replaced: int
    errors_by_rule: dict[str, int] = field(default_factory=dict)
    samples: list[RowError] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    seconds: float = 0.0
    profile: str | None = None  # the layout profile the file was read with (None: canonical)

    def __post_init__(self) -> None:
        if self.rows_accepted + self.rows_rejected != self.rows_read:
            raise AssertionError(
                f"{self.file}: accepted {self.rows_accepted} + rejected {self.rows_rejected} "
                f"!= read {self.rows_read}"
            )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
