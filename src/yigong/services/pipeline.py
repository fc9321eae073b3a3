"""The whole flow of yigong on one screen: files in, the engines' results out.

    ingest → group (DRG) → workflow feed → settle → screen → public health → report
           → operations → exchange → indicators (scorecard)

Each step is one service call a user could make by hand (the command is named beside it); the
pipeline only strings them together in the order the data flows. `yigong demo` runs it on a
synthetic county (`services.demo`); a county runs the same steps on its own extracts.

A step whose inputs the county does not have (the tiny preset has no three years of history
for the global budget) is reported as "not run" with the engine's reason; every other error
stops the pipeline.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from yigong.payment import PaymentInputError
from yigong.services import demo_steps

__all__ = ["PIPELINE", "REGIONAL_SCHEME", "Run", "Step", "run_steps"]

#: the demo county lies in Handan (邯郸), whose insurance bureau uses its own CHS-DRG refinement
REGIONAL_SCHEME = "chs-drg-1.1-handan-2022"


@dataclass(frozen=True)
class Run:
    """What every step may read: the warehouse, the working folder, the county and year."""

    db: Path
    workdir: Path
    county: str
    year: int
    seed: int


@dataclass(frozen=True)
class Step:
    """One step: what it says while running, the heading of its result, the service call."""

    says: Callable[[Run], str]
    heading: Callable[[Run], str]
    call: Callable[[Run], Any]
    not_run_on: tuple[type[Exception], ...] = ()


PIPELINE: tuple[Step, ...] = (
    Step(  # yigong drg group; yigong casemix
        lambda r: f"DRG: grouping every discharge (CHS-DRG 1.1 and {REGIONAL_SCHEME}), case mix",
        lambda r: f"DRG and case mix ({REGIONAL_SCHEME})",
        lambda r: demo_steps.casemix(r.db, r.year, REGIONAL_SCHEME),
    ),
    Step(  # yigong referral …; the wf_* feed to the warehouse
        lambda r: (
            f"graded care: a year ({r.year}) of referrals, shared centres and contracts "
            f"for county {r.county} in the workflow store"
        ),
        lambda r: f"graded care {r.year} (workflow store {r.workdir / 'workflow.sqlite'})",
        lambda r: demo_steps.graded_care(r.db, r.workdir, r.county, r.year, r.seed),
    ),
    Step(  # yigong settle budget --db
        lambda r: f"insurance: the medical communities' global budget for {r.year}",
        lambda r: f"global budget {r.county} {r.year} (henan-default policy, yuan)",
        lambda r: demo_steps.settlement(r.db, r.county, r.year),
        (PaymentInputError,),  # e.g. the tiny preset has no three years of history
    ),
    Step(  # yigong screen run / list / explain
        lambda r: f"fund supervision: screening every {r.year} case against the rules",
        lambda r: f"fund-supervision screening {r.year} (yigong screen list / explain FLAG)",
        lambda r: demo_steps.screening(r.db, r.year),
    ),
    Step(  # yigong health build / rates / overdue / subsidy
        lambda r: (
            "public health: chronic-disease registers, control rates, overdue follow-ups "
            f"({r.year})"
        ),
        lambda r: f"public health {r.year} (yigong health rates / overdue / subsidy)",
        lambda r: demo_steps.public_health(r.db, r.year),
    ),
    Step(  # yigong tasks report
        lambda r: f"reform tasks: progress report of county {r.county}; then the targets",
        lambda r: f"reform tasks {r.county} {r.year} (yigong tasks report)",
        lambda r: demo_steps.reform_tasks(r.db, r.workdir, r.county, r.year),
    ),
    Step(  # yigong ops drg-pnl
        lambda r: (
            f"operations: costs, DRG profit and loss of the county hospital ({REGIONAL_SCHEME})"
        ),
        lambda r: (
            f"operations: DRG profit and loss {r.county} {r.year}, the county hospital's "
            "five worst-losing DRGs (yigong ops drg-pnl, yuan)"
        ),
        lambda r: demo_steps.operations(r.db, r.county, r.year, REGIONAL_SCHEME),
        (PaymentInputError, ValueError),
    ),
    Step(  # yigong interop fhir / dhis2
        lambda r: "interoperability: referrals as FHIR R4 bundles, indicators as DHIS2 data values",
        lambda r: f"interoperability (FHIR R4, DHIS2) in {r.workdir / 'interop'} (docs/interop.md)",
        lambda r: demo_steps.interop(r.db, r.workdir, r.county, r.year),
    ),
)


def run_steps(
    run: Run,
    say: Callable[[str], None],
    *,
    first: int = 1,
    total: int | None = None,
    steps: tuple[Step, ...] = PIPELINE,
) -> list[tuple[str, Any]]:
    """Run ``steps`` in order, saying "n/total …" before each; each step's (heading, result),
    or (heading, "not run: reason") when its inputs are missing."""
    total = total if total is not None else first - 1 + len(steps)
    out: list[tuple[str, Any]] = []
    for n, step in enumerate(steps, start=first):
        say(f"{n}/{total} {step.says(run)}")
        try:
            out.append((step.heading(run), step.call(run)))
        except step.not_run_on as exc:
            out.append((step.heading(run), f"not run: {exc}"))
    return out
