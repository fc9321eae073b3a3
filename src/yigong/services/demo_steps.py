"""The demo's engine steps, each a thin call into a service, each optional on failure-free data.

Every step takes the warehouse path and returns (title, renderable) for the CLI to print.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np

from yigong.warehouse import Warehouse


def county_and_year(db: Path) -> tuple[str, int]:
    """The demo county (of the first community) and the last year with discharges."""
    with Warehouse(db) as wh:
        county = wh.duck.execute("SELECT min(county_code) FROM communities").fetchone()[0]
        year = wh.duck.execute("SELECT max(year(discharge_date)) FROM discharges").fetchone()[0]
    return str(county), int(year)


def graded_care(db: Path, workdir: Path, county: str, year: int, seed: int) -> dict[str, Any]:
    """Run a year of referral, shared-centre and contract workflow in a fresh workflow store
    (SQLite in `workdir`), and feed its `wf_*` tables to the warehouse."""
    from yigong.services.referral import graded_care_summary
    from yigong.store import open_store
    from yigong.store.feed import export_tables
    from yigong.synth.graded_care import generate_graded_care, inputs_from_canonical

    with Warehouse(db) as wh:
        institutions, residents = inputs_from_canonical(
            wh.to_arrow("institutions"), wh.to_arrow("community_memberships"),
            wh.to_arrow("persons"), county, dt.date(year, 12, 31))
    path = workdir / "workflow.sqlite"
    path.unlink(missing_ok=True)
    store = open_store(path)
    generate_graded_care(store, institutions, residents, [year], np.random.default_rng(seed),
                         county_code=county)
    feed = export_tables(store)
    with Warehouse(db) as wh:
        wh.replace_feed(feed)
    summary = graded_care_summary(store, year)
    summary["store"] = str(path)
    summary["warehouse_feed"] = {name: t.num_rows for name, t in feed.items()}
    return summary

