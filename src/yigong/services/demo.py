"""The demo: a synthetic county from nothing to the engines' results, in one call.

`make demo` runs `yigong demo`, which calls `run_demo`: it generates a synthetic county, plants
realistic extract errors, ingests and summarises, then runs the pipeline
(`services.pipeline`: every engine in the order the data flows) and reads the scorecard.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from yigong.ingest import IngestReport
from yigong.ingest.pseudonym import ENV_VAR
from yigong.services import data as data_svc
from yigong.services import demo_steps
from yigong.services import indicators as indicators_svc
from yigong.services.pipeline import PIPELINE, REGIONAL_SCHEME, Run, run_steps

__all__ = ["DEMO_KEY", "REGIONAL_SCHEME", "DemoResult", "run_demo"]

DEMO_KEY = "yigong-demo-key-not-secret-synthetic-data-only"


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
    from yigong.synth import generate  # lazy: start-up
    from yigong.synth.dirt import dirty_files

    workdir.mkdir(parents=True, exist_ok=True)
    files = workdir / "files"
    db = workdir / "yigong.duckdb"
    result = DemoResult(workdir, db)
    if ENV_VAR not in os.environ:
        os.environ[ENV_VAR] = DEMO_KEY
        say(f"pseudonymisation key: demo key (set {ENV_VAR} for real data)")
    say(f"1/{3 + len(PIPELINE)} generating the synthetic {preset} (seed {seed}) into {files}")
    result.generated = generate(preset, files, seed=seed)
    planted = dirty_files(files, share=dirty_share, seed=seed)
    say(
        f"    planted {sum(planted.values()):,} realistic extract errors to show quarantine at work"
    )
    for stale in (db, db.with_name(db.name + ".wal")):  # a fresh warehouse each run
        stale.unlink(missing_ok=True)
    say(f"2/{3 + len(PIPELINE)} ingesting into {db}")
    result.reports = data_svc.ingest_files(db, [files])
    say(f"3/{3 + len(PIPELINE)} summarising the warehouse")
    result.status = data_svc.warehouse_status(db)
    county, year = demo_steps.county_and_year(db)
    run = Run(db, workdir, county, year, seed)
    result.sections += run_steps(run, say, first=4, total=3 + len(PIPELINE))
    if cockpit_login is not None:
        result.login = cockpit_login(db, county)
    result.scorecard_node, result.scorecard_period = f"division:{county}", str(year)
    result.scorecard = indicators_svc.scorecard(db, result.scorecard_node, result.scorecard_period)
    return result
