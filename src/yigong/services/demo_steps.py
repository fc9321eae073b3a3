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
            wh.to_arrow("institutions"),
            wh.to_arrow("community_memberships"),
            wh.to_arrow("persons"),
            county,
            dt.date(year, 12, 31),
        )
    path = workdir / "workflow.sqlite"
    path.unlink(missing_ok=True)
    store = open_store(path)
    generate_graded_care(
        store, institutions, residents, [year], np.random.default_rng(seed), county_code=county
    )
    feed = export_tables(store)
    with Warehouse(db) as wh:
        wh.replace_feed(feed)
    summary = graded_care_summary(store, year)
    summary["store"] = str(path)
    summary["warehouse_feed"] = {name: t.num_rows for name, t in feed.items()}
    return summary


def casemix(db: Path, year: int, scheme: str) -> dict[str, Any]:
    """Group every discharge under the national scheme and `scheme`; case mix per institution."""
    from yigong.services.casemix import casemix_metrics, group_discharges, store_case_facts

    out: dict[str, Any] = {}
    with Warehouse(db) as wh:
        for name in dict.fromkeys(("chs-drg-1.1", scheme)):
            summary = group_discharges(wh.ibis, name)
            out[f"{name} statuses"] = summary.statuses
        # weights, reference means and low-risk DRGs of the scheme's shipped reference (a
        # wider population), never fitted on this county's own cases
        facts = store_case_facts(wh.ibis, scheme, period="year")
        ref = facts.extra["reference"]
        out["reference"] = f"{ref}: {facts.extra['reference_provenance'][0]}"
        metrics = casemix_metrics(
            wh.ibis, scheme, level="institution", period="year", reference=ref
        )
        names = dict(wh.duck.execute("SELECT institution_id, name_zh FROM institutions").fetchall())
    rows = [r for r in metrics.to_pylist() if r["period"] == str(year)]
    rows.sort(key=lambda r: -r["cases"])
    out[f"{scheme} {year}, largest institutions"] = {
        f"{r['institution_id']} {names.get(r['institution_id'], '')}": f"cases {r['cases']:,}  DRGs {r['groups_covered']}  CMI {r['cmi']:.3f}  "
        f"cost index {r['cost_index']:.3f}  time index {r['time_index']:.3f}"
        for r in rows[:8]
    }
    return out


def settlement(db: Path, county: str, year: int) -> dict[str, Any]:
    """The medical community global budget of `county` in `year`, per community (yuan)."""
    from yigong.services.settlement import settlement_section

    return {
        row.pop("community"): "  ".join(f"{k} {v}" for k, v in row.items())
        for row in settlement_section(db, county, year)
    }


def screening(db: Path, year: int) -> dict[str, Any]:
    """Fund-supervision screening: every rule over `year`; flags per rule and three examples
    chosen by deviation (what a reviewer would open first)."""
    from yigong.services.screening import demo_summary

    return demo_summary(db, year)


def reform_tasks(db: Path, workdir: Path, county: str, year: int) -> dict[str, Any]:
    """The county's reform-task report (XLSX and PDF in `workdir`). One hand entry is recorded
    first, as a county office would for a task no indicator measures, so the report shows both
    kinds of progress."""
    from yigong.services.tasks import demo_report, record
    from yigong.store import open_store

    store = open_store(workdir / "workflow.sqlite")
    record(
        store,
        "K22-03",
        f"division:{county}",
        year,
        "on_track",
        by="demo county office",
        percent=60,
        note="demo entry: village clinics under the ten unifications",
        evidence="demo: 乡村一体化管理台账 (not a real document)",
    )
    return demo_report(db, workdir, year, node=f"division:{county}", store=store)


def interop(db: Path, workdir: Path, county: str, year: int) -> dict[str, Any]:
    """Every referral of the workflow store as a FHIR R4 bundle checked with the official
    models, and the county's and communities' indicators of `year` as DHIS2 metadata and data
    values (JSON, CSV, ADX) checked against DHIS2's documented shapes and read back."""
    from yigong.interop.fhir.validate import FhirModelsMissing
    from yigong.services.dhis2 import export_dhis2
    from yigong.services.fhir import export_referrals
    from yigong.store import open_store

    out: dict[str, Any] = {}
    store = open_store(workdir / "workflow.sqlite")
    try:
        fhir = export_referrals(store, workdir / "interop" / "referrals.ndjson", db)
        out["referrals exported as valid FHIR R4 (fhir.resources R4B)"] = (
            f"{fhir.valid} of {fhir.referrals} ({fhir.path})"
        )
        if fhir.errors:
            out["FHIR problems"] = "; ".join(fhir.errors[:3])
    except FhirModelsMissing as exc:
        out["FHIR R4 bundles"] = f"not checked: {exc}"
    finally:
        store.dispose()
    with Warehouse(db) as wh:
        communities = [
            r[0]
            for r in wh.duck.execute(
                "SELECT community_id FROM communities WHERE county_code = ? ORDER BY 1", [county]
            ).fetchall()
        ]
    nodes = [f"division:{county}", *(f"community:{c}" for c in communities)]
    dhis2 = export_dhis2(db, workdir / "interop" / "dhis2", str(year), nodes)
    out["DHIS2 (idScheme=CODE)"] = dhis2.as_dict()
    return out
