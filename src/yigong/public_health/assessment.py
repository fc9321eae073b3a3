"""Programme completion, the village assessment score and the standardised workload.

Each programme counts its tasks in its own unit (persons managed, records, doses, sessions …).
Completion is done ÷ assigned within the programme, never across programmes. The assessment
score of an institution is Σ weight × min(completion, cap) over the programmes it was assigned,
rescaled so that full completion gives ``max_score``. To compare work across programmes (the
village share of tasks, P13, and the subsidy) each task is converted to standardised workload
(标化工作当量): units × the programme's equivalent.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pyarrow as pa

from yigong.public_health.spec import PublicHealthRules

__all__ = [
    "Assessment",
    "ProgrammeLine",
    "WORKLOAD_SCHEMA",
    "assess",
    "village_share",
    "workload_table",
]

CENT = Decimal("0.01")


@dataclass(frozen=True)
class ProgrammeLine:
    """One programme at one institution in one year."""

    institution_id: str
    year: int
    program: str
    unit: str
    assigned: int
    done: int
    weight: Decimal
    equivalent: Decimal
    problem: str = ""  # why the line is left out (unknown programme, other unit)

    @property
    def completion(self) -> Decimal | None:
        return Decimal(self.done) / Decimal(self.assigned) if self.assigned else None

    @property
    def workload_assigned(self) -> Decimal:
        return self.equivalent * self.assigned

    @property
    def workload_done(self) -> Decimal:
        return self.equivalent * self.done


@dataclass
class Assessment:
    """The assessment of one institution in one year."""

    institution_id: str
    year: int
    lines: list[ProgrammeLine] = field(default_factory=list)
    score: Decimal = Decimal(0)
    workload_assigned: Decimal = Decimal(0)
    workload_done: Decimal = Decimal(0)

    def as_dict(self) -> dict[str, Any]:
        return {
            "institution_id": self.institution_id,
            "year": self.year,
            "score": str(self.score),
            "workload_assigned": str(self.workload_assigned),
            "workload_done": str(self.workload_done),
            "programmes": [
                {
                    "program": ln.program,
                    "unit": ln.unit,
                    "assigned": ln.assigned,
                    "done": ln.done,
                    "completion": None
                    if ln.completion is None
                    else str((ln.completion * 100).quantize(CENT)),
                    "weight": str(ln.weight),
                    "problem": ln.problem,
                }
                for ln in self.lines
            ],
        }


def lines_from_tasks(
    rules: PublicHealthRules, rows: Iterable[dict[str, Any]]
) -> list[ProgrammeLine]:
    """Programme lines from ``public_health_tasks`` rows; a row in a unit other than the
    programme's (or of a programme the rules do not know) is kept with its problem named."""
    out = []
    for r in rows:
        prog = rules.programmes.get(r["program"])
        unit = r.get("unit") or (prog.unit if prog else "")
        problem = ""
        if prog is None:
            problem = f"programme {r['program']} is not in the rules"
        elif unit != prog.unit:
            problem = f"counted in {unit}, the rules count {r['program']} in {prog.unit}"
        out.append(
            ProgrammeLine(
                r["institution_id"],
                int(r["year"]),
                r["program"],
                unit,
                int(r["tasks_assigned"] or 0),
                int(r["tasks_done"] or 0),
                prog.weight if prog and not problem else Decimal(0),
                prog.equivalent if prog and not problem else Decimal(0),
                problem,
            )
        )
    return out


def assess(
    rules: PublicHealthRules, lines: list[ProgrammeLine]
) -> dict[tuple[str, int], Assessment]:
    """Score and workload of every institution and year in ``lines``."""
    out: dict[tuple[str, int], Assessment] = {}
    cap, top = rules.assessment.completion_cap, rules.assessment.max_score
    for ln in lines:
        a = out.setdefault((ln.institution_id, ln.year), Assessment(ln.institution_id, ln.year))
        a.lines.append(ln)
    for a in out.values():
        counted = [ln for ln in a.lines if ln.assigned > 0 and ln.weight > 0 and not ln.problem]
        weights = sum((ln.weight for ln in counted), Decimal(0))
        got = sum((ln.weight * min(ln.completion or Decimal(0), cap) for ln in counted), Decimal(0))
        a.score = (got / (weights * cap) * top).quantize(CENT) if weights else Decimal(0)
        ok = [ln for ln in a.lines if not ln.problem]
        a.workload_assigned = sum((ln.workload_assigned for ln in ok), Decimal(0))
        a.workload_done = sum((ln.workload_done for ln in ok), Decimal(0))
    return out


def village_share(lines: list[ProgrammeLine], villages: set[str]) -> tuple[Decimal, Decimal]:
    """(village clinics' standardised workload done, everyone's): P13's numerator and
    denominator for the institutions in ``lines``."""
    ok = [ln for ln in lines if not ln.problem]
    total = sum((ln.workload_done for ln in ok), Decimal(0))
    village = sum((ln.workload_done for ln in ok if ln.institution_id in villages), Decimal(0))
    return village, total


WORKLOAD_SCHEMA = pa.schema(
    [
        ("year", pa.int64()),
        ("institution_id", pa.string()),
        ("program", pa.string()),
        ("unit", pa.string()),
        ("tasks_assigned", pa.int64()),
        ("tasks_done", pa.int64()),
        ("equivalent", pa.float64()),
        ("workload_assigned", pa.float64()),
        ("workload_done", pa.float64()),
        ("weight", pa.float64()),
        ("problem", pa.string()),
    ]
)


def workload_table(lines: list[ProgrammeLine]) -> pa.Table:
    """The lines as the ``ph_workload`` table the catalog's P13 sums over (workload as float:
    the catalog sums it; the exact Decimal figures stay with the engine)."""
    cols: dict[str, list[Any]] = defaultdict(list)
    for ln in lines:
        cols["year"].append(ln.year)
        cols["institution_id"].append(ln.institution_id)
        cols["program"].append(ln.program)
        cols["unit"].append(ln.unit)
        cols["tasks_assigned"].append(ln.assigned)
        cols["tasks_done"].append(ln.done)
        cols["equivalent"].append(float(ln.equivalent))
        cols["workload_assigned"].append(float(ln.workload_assigned))
        cols["workload_done"].append(float(ln.workload_done))
        cols["weight"].append(float(ln.weight))
        cols["problem"].append(ln.problem or None)
    return pa.table(
        {n: pa.array(cols[n], WORKLOAD_SCHEMA.field(n).type) for n in WORKLOAD_SCHEMA.names}
    )
