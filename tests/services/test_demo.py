"""The demo pipeline on the tiny preset: generate, plant extract errors, ingest, summarise."""

from __future__ import annotations

from yigong.access.demo import cockpit_login
from yigong.services.demo import run_demo


def test_demo_pipeline_on_the_tiny_preset(tmp_path):
    result = run_demo(
        tmp_path / "demo",
        preset="tiny",
        seed=11,
        dirty_share=0.01,
        say=lambda _: None,
        cockpit_login=cockpit_login,
    )
    read = sum(r.rows_read for r in result.reports)
    accepted = sum(r.rows_accepted for r in result.reports)
    rejected = sum(r.rows_rejected for r in result.reports)
    assert read == accepted + rejected
    assert read == sum(result.generated.values())  # every generated row was read
    rules = {row["rule"] for row in result.status["quarantine_by_rule"]}
    # the planted extract errors are what was rejected, each for its own rule
    assert rules == {"code", "required", "date_order", "minimum", "raw_id_number", "reference"}
    tables = {t["table"]: t["rows"] for t in result.status["tables"]}
    # the status was taken before the engines ran; now the warehouse lists their tables too
    from yigong.services.data import warehouse_status

    derived = {d["table"]: d["rows"] for d in warehouse_status(result.db)["derived_tables"]}
    assert derived["drg_results"] > 0 and derived["wf_referrals"] > 0
    assert tables["discharges"] > 0 and tables["discharge_diagnoses"] > tables["discharges"]
    assert {i["type"] for i in result.status["institutions_by_type"]} >= {
        "county_general",
        "township_centre",
    }
    sections = dict(result.sections)
    (graded,) = [v for k, v in sections.items() if k.startswith("graded care")]
    assert (
        graded["referrals"] > 0 and graded["warehouse_feed"]["wf_referrals"] == graded["referrals"]
    )
    (drg,) = [v for k, v in sections.items() if k.startswith("DRG")]
    statuses = drg["chs-drg-1.1-handan-2022 statuses"]
    assert statuses["grouped"] > 0.9 * sum(statuses.values())
    assert drg["reference"].startswith("handan-city-synthetic-2023-2024:")  # never own cases
    (budget,) = [v for k, v in sections.items() if k.startswith("global budget")]
    assert "not run" in budget and "history" in budget  # tiny has two years, the policy wants three
    user, password, users = result.login
    assert users.exists() and password in (tmp_path / "demo" / "demo-login.txt").read_text()
    scored = {r.indicator: r for r in result.scorecard}
    assert scored and all(r.target is not None for r in scored.values())
    assert scored["C01"].numerator > 0 and scored["C01"].denominator >= scored["C01"].numerator
    assert "C02" not in scored  # the 90 % target binds C01 (县域内住院人次占比)
    (screen,) = [v for k, v in sections.items() if k.startswith("fund-supervision")]
    assert screen["flags"] > 0 and screen["examples"]  # the generator plants anomalies
    (tasks,) = [v for k, v in sections.items() if k.startswith("reform tasks")]
    from pathlib import Path

    assert Path(tasks["xlsx"]).stat().st_size > 0
    assert Path(tasks["pdf"]).read_bytes().startswith(b"%PDF")
    (ops,) = [v for k, v in sections.items() if k.startswith("operations: DRG profit and loss")]
    assert "the payment engine's total" in ops["reconciliation"]  # reconciled to the fen
    worst = {k: v for k, v in ops.items() if k not in ("hospital", "reconciliation")}
    assert 1 <= len(worst) <= 5 and all("loss -" in v for v in worst.values())
    (interop,) = [v for k, v in sections.items() if k.startswith("interoperability")]
    graded_referrals = graded["referrals"]
    valid = interop["referrals exported as valid FHIR R4 (fhir.resources R4B)"]
    assert valid.startswith(f"{graded_referrals} of {graded_referrals} ")
    dhis2 = interop["DHIS2 (idScheme=CODE)"]
    assert dhis2["problems"] == [] and dhis2["data values"] > 0
    assert dhis2["read back (JSON / CSV / ADX)"] == " / ".join([str(dhis2["data values"])] * 3)
