"""Numbers, money, percentages, dates, periods and codes as each language writes them.

One `Formatter` per language, handed to every template as ``f``: ``f.num(1234.5)`` →
``1,234.5``; ``f.yuan("228461709.79")`` → ``228,461,709.79 元`` / ``228,461,709.79 yuan``;
``f.wan(…)`` → ``22,846.17 万元`` / ``228.46 million yuan`` (the unit a budget is read in);
``f.date("2024-03-01")`` → ``2024年3月1日`` / ``1 Mar 2024``; ``f.period("2024Q1")`` →
``2024年第1季度`` / ``Q1 2024``; ``f.code("rs", "arrived")`` → the message of
``rs_arrived``. Money stays exact: `Decimal` from its text, never a float. A code without a
message is written ``⟦code⟧`` so the language test finds it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

__all__ = ["MONTHS_EN", "Formatter", "UNTRANSLATED"]

MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
UNTRANSLATED = "⟦{}⟧"
_QUARTER = re.compile(r"^(\d{4})Q([1-4])$")
_MONTH = re.compile(r"^(\d{4})-?(0[1-9]|1[0-2])$")
_YEAR_END = re.compile(r"^(\d{4})-YE$")


def _decimal(v: Any) -> Decimal | None:
    if v is None or v == "":
        return None
    try:
        return v if isinstance(v, Decimal) else Decimal(str(v))
    except (InvalidOperation, ValueError):
        return None


def _group(d: Decimal, places: int) -> str:
    q = d.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP) if places >= 0 else d
    return f"{q:,.{places}f}" if places >= 0 else f"{q:,}"


@dataclass(frozen=True)
class Formatter:
    """Formatting for one language; ``t`` is the language's message catalog."""

    lang: str
    t: dict[str, str]

    @property
    def zh(self) -> bool:
        return self.lang == "zh"

    # -- numbers ---------------------------------------------------------------------------------

    def num(self, v: Any, places: int | None = None) -> str:
        """A count or measure with thousands separators ('—' when none)."""
        d = _decimal(v)
        if d is None:
            return "—"
        if places is None:
            places = 0 if d == d.to_integral_value() else min(4, max(1, -d.as_tuple().exponent))  # type: ignore[operator]
        return _group(d, places)

    def pct(self, v: Any, places: int = 1) -> str:
        d = _decimal(v)
        return "—" if d is None else f"{_group(d, places)}%"

    def share(self, part: Any, whole: Any, places: int = 1) -> str:
        """``part / whole`` as a percentage."""
        a, b = _decimal(part), _decimal(whole)
        if a is None or not b:
            return "—"
        return self.pct(a / b * 100, places)

    def fraction(self, text: Any) -> str:
        """``"749/897"`` as ``749 / 897 (83.5%)`` ('—' when the whole is 0)."""
        part, _, whole = str(text or "").partition("/")
        if not whole:
            return str(text or "—")
        if not _decimal(whole):
            return "—"
        return f"{self.num(part)} / {self.num(whole)} ({self.share(part, whole)})"

    # -- money -----------------------------------------------------------------------------------

    def yuan(self, v: Any) -> str:
        """Exact to the fen, with separators: ``1,234.50 元``."""
        d = _decimal(v)
        if d is None:
            return "—"
        return f"{_group(d, 2)} {'元' if self.zh else 'yuan'}"

    def wan(self, v: Any) -> str:
        """A large amount as read in a budget: 万元 in Chinese, million yuan in English."""
        d = _decimal(v)
        if d is None:
            return "—"
        if self.zh:
            return f"{_group(d / 10_000, 2)} 万元"
        return f"{_group(d / 1_000_000, 2)} million yuan"

    def wan_unit(self) -> str:
        return "万元" if self.zh else "million yuan"

    def wan_value(self, v: Any) -> str:
        """The number of `wan` without its unit (table cells under a unit header)."""
        d = _decimal(v)
        if d is None:
            return "—"
        return _group(d / (10_000 if self.zh else 1_000_000), 2)

    # -- dates and periods -----------------------------------------------------------------------

    def date(self, v: Any) -> str:
        if v is None or v == "":
            return "—"
        if isinstance(v, str):
            try:
                v = datetime.fromisoformat(v) if "T" in v or " " in v else date.fromisoformat(v)
            except ValueError:
                return v
        d = v.date() if isinstance(v, datetime) else v
        text = (
            f"{d.year}年{d.month}月{d.day}日"
            if self.zh
            else f"{d.day} {MONTHS_EN[d.month - 1]} {d.year}"
        )
        if isinstance(v, datetime):
            text += f" {v:%H:%M}"
        return text

    @staticmethod
    def beijing(moment: datetime) -> datetime:
        """A UTC moment in Beijing time (UTC+8, no daylight saving), as the pages show it."""
        return (moment.astimezone(UTC) + timedelta(hours=8)).replace(tzinfo=None)

    def col(self, name: str) -> str:
        """A record column: ``discharge_date``, or ``persons__birth_date`` (a joined table's
        column) as the table's and the column's names."""
        table, sep, column = str(name).partition("__")
        if not sep:
            return self.code("col", name)
        return f"{self.code('tbl', table)} · {self.code('col', column)}"

    def period(self, code: Any) -> str:
        """``2024`` / ``2024Q1`` / ``202403`` / ``2024-03`` / ``2024-YE`` in words."""
        text = str(code or "")
        if m := _QUARTER.match(text):
            y, q = m.groups()
            return f"{y}年第{q}季度" if self.zh else f"Q{q} {y}"
        if m := _MONTH.match(text):
            y, mo = m.groups()
            return f"{y}年{int(mo)}月" if self.zh else f"{MONTHS_EN[int(mo) - 1]} {y}"
        if m := _YEAR_END.match(text):
            return f"{m.group(1)}年终清算" if self.zh else f"{m.group(1)} year-end"
        if re.fullmatch(r"\d{4}", text):
            return f"{text}年" if self.zh else text
        return text

    # -- codes -----------------------------------------------------------------------------------

    def code(self, kind: str, value: Any) -> str:
        """The message of an enumerated value (``kind_value``); ``⟦…⟧`` when none exists."""
        if value is None or value == "":
            return "—"
        key = f"{kind}_{value}"
        return self.t.get(key) or UNTRANSLATED.format(key)

    def unit(self, unit: str) -> str:
        """An indicator's unit in this language (``张/千人`` → ``beds per 1,000``)."""
        if not unit or unit == "%":
            return unit
        return self.t.get(f"unit:{unit}") or UNTRANSLATED.format(unit)

    def yesno(self, v: Any) -> str:
        if v is None:
            return "—"
        return self.t["yes"] if v else self.t["no"]

    def value(self, r: dict[str, Any]) -> str:
        """An indicator result's value as people read it, its unit in this language."""
        v = r.get("value")
        if v is None:
            status = r.get("status") or "no_value"
            return self.t.get(f"status_{status}", "—") if status != "ok" else "—"
        places = int(r.get("decimals", 2))
        if r.get("display") == "one_to_x":
            return f"1 : {self.num(v, places)}"
        u = self.unit(str(r.get("unit") or ""))
        if u == "%":
            return f"{self.num(v, places)}%"
        return f"{self.num(v, places)} {u}".rstrip()

    def number_of(self, r: dict[str, Any], v: Any) -> str:
        """Another figure of the same indicator (a target, a projection) in its unit."""
        if v is None:
            return "—"
        return self.value({**r, "value": v, "status": "ok"})
