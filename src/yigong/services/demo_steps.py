"""The demo's engine steps, each a thin call into a service, each optional on failure-free data.

Every step takes the warehouse path and returns (title, renderable) for the CLI to print.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np

from yigong.operations import ELEMENTS
from yigong.services import public_health as ph
from yigong.services.casemix import casemix_metrics, group_discharges, store_case_facts
from yigong.services.charges import reconciliation
from yigong.services.drugs import procurement
from yigong.services.referral import graded_care_summary
from yigong.services.screening import demo_summary
from yigong.services.settlement import settlement_section
from yigong.services.tasks import demo_report, record
from yigong.services.warehouse import opened, write_feed
from yigong.store import open_store


def county_and_year(db: Path) -> tuple[str, int]:
    """The demo county (of the first community) and the last year with discharges."""
    with opened(db) as wh:
        county = wh.table("communities").county_code.min().to_pyarrow().as_py()
        year = wh.table("discharges").discharge_date.year().max().to_pyarrow().as_py()
    return str(county), int(year)


def graded_care(db: Path, workdir: Path, county: str, year: int, seed: int) -> dict[str, Any]:
    """Run a year of referral, shared-centre and contract workflow in a fresh workflow store
    (SQLite in `workdir`), and feed its `wf_*` tables to the warehouse."""
    from yigong.store.feed import export_tables  # lazy: start-up
    from yigong.synth.graded_care import generate_graded_care, inputs_from_canonical

    with opened(db) as wh:
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
    with opened(db) as wh:
        write_feed(wh, feed)
    summary = graded_care_summary(store, year)
    summary["store"] = str(path)
    summary["warehouse_feed"] = {name: t.num_rows for name, t in feed.items()}
    return summary


def casemix(db: Path, year: int, scheme: str) -> dict[str, Any]:
    """Group every discharge under the national scheme and `scheme`; case mix per institution."""

    out: dict[str, Any] = {}
    with opened(db) as wh:
        for name in dict.fromkeys(("chs-drg-1.1", scheme)):
            summary = group_discharges(wh, name)
            out[f"{name} statuses"] = summary.statuses
        # weights, reference means and low-risk DRGs of the scheme's shipped reference (a
        # wider population), never fitted on this county's own cases
        facts = store_case_facts(wh, scheme, period="year")
        ref = facts.extra["reference"]
        out["reference"] = f"{ref}: {facts.extra['reference_provenance'][0]}"
        metrics = casemix_metrics(wh, scheme, level="institution", period="year", reference=ref)
        inst = wh.to_arrow(wh.table("institutions").select("institution_id", "name_zh"))
        names = dict(zip(*inst.to_pydict().values(), strict=True))
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

    return {
        row.pop("community"): "  ".join(f"{k} {v}" for k, v in row.items())
        for row in settlement_section(db, county, year)
    }


def drugs(db: Path, county: str, year: int) -> dict[str, Any]:
    """Volume-based procurement of the county's itemised year: agreed-volume completion per
    institution, the savings and the insurance fund the county's institutions retain (split
    60–70 % to staff pay), the platform share of the hospitals, and the items reconciled."""

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

    return demo_summary(db, year)


def public_health(db: Path, year: int) -> dict[str, Any]:
    """Build the chronic-disease registers; the county's control and standardised management
    rates (range over townships) and the five villages with the most overdue follow-ups."""

    ph.build(db)
    s = ph.county_summary(db, year)
    out: dict[str, Any] = {}
    for disease, label in (("hypertension", "hypertension"), ("diabetes", "type-2 diabetes")):
        t = s["total"][disease]
        rates = [float(x[disease]["control_rate"]) for x in s["townships"]
                 if x[disease]["control_rate"] is not None]  # fmt: skip
        span = f" (townships {min(rates):.1f}–{max(rates):.1f} %)" if rates else ""
        out[f"{label}: control rate"] = f"{t['control_rate']} % of {t['managed']:,} managed{span}"
        out[f"{label}: standardised management"] = f"{t['standard_rate']} %"
    for k, v in enumerate(ph.top_overdue_villages(db, year, 5), 1):
        out[f"overdue #{k}"] = (
            f"{v['village']} ({v['division_code']}, {v['clinic'] or '—'}): {v['overdue']:,} "
            f"overdue of {v['on_register']:,} on the register"
        )
    return out


def reform_tasks(db: Path, workdir: Path, county: str, year: int) -> dict[str, Any]:
    """The county's reform-task report (XLSX and PDF in `workdir`). One hand entry is recorded
    first, as a county office would for a task no indicator measures, so the report shows both
    kinds of progress."""

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


def operations(db: Path, county: str, year: int, scheme: str) -> dict[str, Any]:
    """The county hospital's DRG profit and loss: its five worst-losing DRGs (case cost by the
    step-down and top-down methods against the payment engine's DRG payment), reconciled."""
    from yigong.services.operations import drg_profit_and_loss  # lazy: start-up

    report = drg_profit_and_loss(db, county, year, scheme=scheme)
    with opened(db) as wh:
        t = wh.table("institutions")
        first = t.filter(
            (t.institution_type == "county_general") & t.division_code.startswith(county)
        ).institution_id.min()
        hospital = first.to_pyarrow().as_py()
    worst = report.worst(hospital, 5, min_cases=5) or report.worst(hospital, 5, min_cases=1)
    ok = not report.reconciliation
    out: dict[str, Any] = {
        "hospital": f"{hospital} {report.institution_names.get(hospital, '')}",
        "reconciliation": (
            f"payment {report.payment_total} = the payment engine's total {report.engine_total}; "
            f"cost {report.case_cost_total} = Σ case costs" if ok
            else "; ".join(i.message for i in report.reconciliation)
        ),
    }  # fmt: skip
    for r in worst:
        shares = sorted(((r.structure[e].fen / max(r.cost.fen, 1), e) for e in ELEMENTS),
                        reverse=True)[:3]  # fmt: skip
        peers = f" vs peers {r.peer_los}" if r.peer_los is not None else ""
        ref = f", reference {r.reference_los}" if r.reference_los is not None else ""
        out[r.key] = (
            f"cases {r.cases}  payment {r.payment}  cost {r.cost}  loss {r.profit}  "
            f"per case {r.profit_per_case}  LOS {r.mean_los}{peers}{ref}  cost: "
            + ", ".join(f"{e} {s:.0%}" for s, e in shares)
        )
    return out


def interop(db: Path, workdir: Path, county: str, year: int) -> dict[str, Any]:
    """Every referral of the workflow store as a FHIR R4 bundle checked with the official
    models, and the county's and communities' indicators of `year` as DHIS2 metadata and data
    values (JSON, CSV, ADX) checked against DHIS2's documented shapes and read back."""
    from yigong.interop.fhir.validate import FhirModelsMissing  # lazy: start-up
    from yigong.services.dhis2 import export_dhis2
    from yigong.services.fhir import export_referrals

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
    with opened(db) as wh:
        c = wh.table("communities")
        chosen = c.filter(c.county_code == county).select("community_id").distinct()
        communities = sorted(str(r) for r in chosen.to_pyarrow().column(0).to_pylist())
    nodes = [f"division:{county}", *(f"community:{c}" for c in communities)]
    dhis2 = export_dhis2(db, workdir / "interop" / "dhis2", str(year), nodes)
    out["DHIS2 (idScheme=CODE)"] = dhis2.as_dict()
    return out
