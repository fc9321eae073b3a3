"""National benchmark values (全国中位数、平均值): the values of "≤ national median" targets.

Some policy targets are not numbers but a national statistic of the year ([H]: energy per
10,000 yuan "reduced to the national median value of the year", the personnel share "reach
the national median", the service-revenue share "reach the national average"). Those targets
carry ``benchmark: national median of the year`` and no value. The table
``packs/operations-2024/national-benchmarks.csv`` gives the values: one row per indicator,
statistic (median, average), year and population, with its ``status`` (``official``: a
published figure with its source; ``placeholder``: a value yigong ships so the target can be
evaluated, NOT an official figure) and its source.

`with_benchmark` fills a benchmark target's value for a period: the row of the target's
indicator and statistic for the period's year, else the latest year before it (said so in the
target's benchmark text); without a row the target keeps no value (no verdict).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path

from yigong.indicators.spec import Target
from yigong.rulepacks import Issue, Level

__all__ = [
    "BENCHMARK_FILE",
    "Benchmark",
    "benchmark_issues",
    "benchmark_value",
    "load_benchmarks",
    "with_benchmark",
]

BENCHMARK_FILE = Path(__file__).parent / "packs" / "operations-2024" / "national-benchmarks.csv"
COLUMNS = ("indicator", "statistic", "year", "population", "value", "unit", "status", "source",
           "note")  # fmt: skip
STATISTICS = ("median", "average")
STATUSES = ("official", "placeholder")


@dataclass(frozen=True)
class Benchmark:
    indicator: str
    statistic: str
    year: int
    population: str
    value: Decimal
    unit: str
    status: str
    source: str
    note: str = ""

    def describe(self) -> str:
        label = "PLACEHOLDER, not official" if self.status == "placeholder" else "official"
        return f"national {self.statistic} {self.year} ({self.population}) = {self.value} " \
               f"{self.unit} [{label}: {self.source}]"  # fmt: skip


def _rows(path: Path) -> list[tuple[int, dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as fh:
        lines = [(i, line) for i, line in enumerate(fh, start=1) if not line.startswith("#")]
    reader = csv.DictReader(line for _, line in lines)
    return [(lines[k + 1][0], row) for k, row in enumerate(reader)]


def benchmark_issues(
    path: Path = BENCHMARK_FILE, indicators: set[str] | None = None
) -> list[Issue]:
    """Every problem of the table: columns, numbers, statistics, statuses, a source per row,
    duplicates, and (given the catalog's ids) unknown indicators."""
    out: list[Issue] = []
    name = path.name
    try:
        rows = _rows(path)
    except OSError as exc:
        return [Issue(Level.ERROR, "benchmarks.file", str(exc), name)]
    seen: set[tuple[str, str, str, str]] = set()
    for line, r in rows:
        if list(r) != list(COLUMNS):
            out.append(Issue(Level.ERROR, "benchmarks.columns",
                             f"columns must be {', '.join(COLUMNS)}", name, line))  # fmt: skip
            break
        try:
            Decimal(r["value"])
            int(r["year"])
        except (InvalidOperation, ValueError):
            out.append(Issue(Level.ERROR, "benchmarks.number", "value and year must be numbers",
                             name, line, "value"))  # fmt: skip
        if r["statistic"] not in STATISTICS:
            out.append(Issue(Level.ERROR, "benchmarks.statistic",
                             f"statistic must be one of {STATISTICS}", name, line, "statistic"))  # fmt: skip
        if r["status"] not in STATUSES:
            out.append(Issue(Level.ERROR, "benchmarks.status",
                             f"status must be one of {STATUSES}", name, line, "status"))  # fmt: skip
        if not r["source"].strip():
            out.append(Issue(Level.ERROR, "benchmarks.source", "every value names its source",
                             name, line, "source"))  # fmt: skip
        key = (r["indicator"], r["statistic"], r["year"], r["population"])
        if key in seen:
            out.append(Issue(Level.ERROR, "benchmarks.duplicate", f"{key} given twice", name, line))
        seen.add(key)
        if indicators is not None and r["indicator"] not in indicators:
            out.append(Issue(Level.ERROR, "benchmarks.indicator",
                             f"unknown indicator {r['indicator']!r}", name, line, "indicator"))  # fmt: skip
    return out


@cache
def load_benchmarks(path: Path = BENCHMARK_FILE) -> tuple[Benchmark, ...]:
    """Every row of the table (rows with problems are left out: `benchmark_issues` lists them)."""
    out = []
    for _, r in _rows(path):
        try:
            out.append(Benchmark(r["indicator"], r["statistic"], int(r["year"]), r["population"],
                                 Decimal(r["value"]), r["unit"], r["status"], r["source"],
                                 r.get("note") or ""))  # fmt: skip
        except (InvalidOperation, ValueError, KeyError):
            continue
    return tuple(out)


def benchmark_value(indicator: str, statistic: str, year: int) -> Benchmark | None:
    """The row of ``indicator`` and ``statistic`` for ``year``, else the latest year before."""
    rows = [b for b in load_benchmarks() if b.indicator == indicator and b.statistic == statistic
            and b.year <= year]  # fmt: skip
    return max(rows, key=lambda b: b.year) if rows else None


def _statistic(text: str) -> str | None:
    lowered = text.lower()
    if "median" in lowered or "中位" in text:
        return "median"
    if "average" in lowered or "平均" in text:
        return "average"
    return None


def with_benchmark(target: Target | None, year: int) -> Target | None:
    """``target`` with its benchmark's value for ``year`` filled in (unchanged when it has a
    value already, names no national statistic, or the table has no row)."""
    if target is None or target.value is not None or not target.benchmark:
        return target
    statistic = _statistic(target.benchmark)
    if statistic is None:
        return target
    found = benchmark_value(target.indicator, statistic, year)
    if found is None:
        return target
    return replace_target(target, float(found.value), found.describe())


def replace_target(target: Target, value: float, benchmark: str) -> Target:
    """A copy of a target with a value and benchmark text (keeping its file and line)."""
    copy = target.model_copy(update={"value": value, "benchmark": benchmark})
    copy._origin = target._origin  # noqa: SLF001 - the copy points at the same file and line
    return copy
