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


def drugs(db: Path, county: str, year: int) -> dict[str, Any]:
    """Volume-based procurement of the county's itemised year: agreed-volume completion per
    institution, the savings and the insurance fund the county's institutions retain (split
    60–70 % to staff pay), the platform share of the hospitals, and the items reconciled."""
    from yigong.services.charges import reconciliation
    from yigong.services.drugs import procurement

    r = procurement(db, f"division:{county}", year)
    t = r["totals"]
    out: dict[str, Any] = {
        "VBP agreements completed": f"{t['completed']} of {t['agreements']}",
        "savings against pre-VBP prices (yuan)": f"{float(t['savings']):,.2f}",
        "insurance fund saved (yuan)": f"{float(t['fund_savings']):,.2f}",
        "retained by the county's institutions (yuan)": (
            f"{float(t['retained']):,.2f} = staff pay {float(t['staff']):,.2f} + development "
            f"{float(t['development']):,.2f}"
        ),
    }
    for f in sorted(r["retained_funds"], key=lambda f: -float(f["retained"]))[:5]:
        out[f"{f['institution_id']} {f['institution']}"] = (
            f"completed {f['completed']}/{f['agreements']}, retained "
            f"{float(f['retained']):,.2f} (staff {float(f['staff']):,.2f})"
        )
    for p in r["platform"]:
        if p["bound"]:
            ok = "met" if p["ok"] else "NOT met"
            out[f"platform share {p['institution']}"] = f"{p['share']:.1%} (≥ 80 %: {ok})"
    rec = reconciliation(db, year, limit=0)
    lines = sum(s["lines"] for s in rec["by_setting"])
    out["itemised charges"] = (
        f"{lines:,} lines; {rec['front_page_mismatches']} stays differ from their front page, "
        f"{rec['settlement_mismatches']} from their settlement; "
        f"{rec['quarantined']['encounters']} encounters quarantined"
    )
    return out


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
