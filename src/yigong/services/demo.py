"""The demo: a synthetic county from nothing to the engines' results, in one call.

`make demo` runs `yigong demo`, which calls `run_demo`. Each step is a plain service call a
user could make by hand; the demo only strings them together and reports.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from yigong.ingest import IngestReport
from yigong.ingest.pseudonym import ENV_VAR
from yigong.payment import PaymentInputError
from yigong.services import data as data_svc
from yigong.services import demo_steps
from yigong.services import indicators as indicators_svc

DEMO_KEY = "yigong-demo-key-not-secret-synthetic-data-only"
#: the demo county lies in Handan (邯郸), whose insurance bureau uses its own CHS-DRG refinement
REGIONAL_SCHEME = "chs-drg-1.1-handan-2022"


@dataclass
class DemoResult:
    """What the demo did, step by step, for the CLI to print."""

    workdir: Path
    db: Path
    generated: dict[str, int] = field(default_factory=dict)
    reports: list[IngestReport] = field(default_factory=list)
    status: dict[str, Any] = field(default_factory=dict)
    sections: list[tuple[str, Any]] = field(default_factory=list)
    scorecard: list[Any] = field(default_factory=list)  # indicator results with a target
    scorecard_node: str = ""
    scorecard_period: str = ""
    login: tuple[str, str, Path] | None = None  # cockpit user, password, user store


def run_demo(
    workdir: Path,
    *,
    preset: str = "county",
    seed: int = 2024,
    dirty_share: float = 0.002,
    say: Callable[[str], None] = print,
    cockpit_login: Callable[[Path, str], tuple[str, str, Path]] | None = None,
) -> DemoResult:
    """Generate `preset`, make a realistic share of rows dirty, ingest, summarise.

    ``cockpit_login(db, county)``, when given (the CLI gives `yigong.access.demo.cockpit_login`),
    creates the cockpit's demo user at the end: users are the access layer's, not a service's.
    """
    from yigong.synth import generate
    from yigong.synth.dirt import dirty_files

    workdir.mkdir(parents=True, exist_ok=True)
    files = workdir / "files"
    db = workdir / "yigong.duckdb"
    result = DemoResult(workdir, db)
    if ENV_VAR not in os.environ:
        os.environ[ENV_VAR] = DEMO_KEY
        say(f"pseudonymisation key: demo key (set {ENV_VAR} for real data)")
    say(f"1/9 generating the synthetic {preset} (seed {seed}) into {files}")
    result.generated = generate(preset, files, seed=seed)
    planted = dirty_files(files, share=dirty_share, seed=seed)
    say(
        f"    planted {sum(planted.values()):,} realistic extract errors to show quarantine at work"
    )
    for stale in (db, db.with_name(db.name + ".wal")):  # a fresh warehouse each run
        stale.unlink(missing_ok=True)
    say(f"2/9 ingesting into {db}")
    result.reports = data_svc.ingest_files(db, [files])
    say("3/9 summarising the warehouse")
    result.status = data_svc.warehouse_status(db)
    county, year = demo_steps.county_and_year(db)
    say(f"4/9 DRG: grouping every discharge (CHS-DRG 1.1 and {REGIONAL_SCHEME}), case mix")
    result.sections.append(
        (f"DRG and case mix ({REGIONAL_SCHEME})", demo_steps.casemix(db, year, REGIONAL_SCHEME))
    )
    say(
        f"5/9 graded care: a year ({year}) of referrals, shared centres and contracts for "
        f"county {county} in the workflow store"
    )
    summary = demo_steps.graded_care(db, workdir, county, year, seed)
    result.sections.append((f"graded care {year} (workflow store {summary['store']})", summary))
    say(f"6/9 insurance: the medical communities' global budget for {year}")
    try:
        result.sections.append(
            (
                f"global budget {county} {year} (henan-default policy, yuan)",
                demo_steps.settlement(db, county, year),
            )
        )
    except PaymentInputError as exc:  # e.g. the tiny preset has no three years of history
        result.sections.append((f"global budget {county} {year}", f"not run: {exc}"))
    say(f"7/9 fund supervision: screening every {year} case against the rules")
    result.sections.append(
        (
            f"fund-supervision screening {year} (yigong screen list / explain FLAG)",
            demo_steps.screening(db, year),
        )
    )
    say(f"8/9 public health: chronic-disease registers, control rates, overdue follow-ups ({year})")
    result.sections.append(
        (
            f"public health {year} (yigong health rates / overdue / subsidy)",
            demo_steps.public_health(db, year),
        )
    )
    say(f"9/9 reform tasks: progress report of county {county}; then the targets")
    result.sections.append(
        (
            f"reform tasks {county} {year} (yigong tasks report)",
            demo_steps.reform_tasks(db, workdir, county, year),
        )
    )
    if cockpit_login is not None:
        result.login = cockpit_login(db, county)
    result.scorecard_node, result.scorecard_period = f"division:{county}", str(year)
    result.scorecard = indicators_svc.scorecard(db, result.scorecard_node, result.scorecard_period)
    return result
