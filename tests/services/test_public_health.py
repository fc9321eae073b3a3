"""Public health through the services on the synthetic tiny county (generated, ingested, built):
the registers agree with the catalog's indicators, rates are realistic and differ between
townships, overdue lists and the subsidy hold together, and the CLI prints them."""

from __future__ import annotations

from decimal import Decimal

import pytest
from typer.testing import CliRunner

from yigong.cli.main import app
from yigong.indicators.evaluate import Status
from yigong.schema.money import Money
from yigong.services import public_health as ph
from yigong.services.data import ingest_files
from yigong.services.indicators import compute
from yigong.synth import generate

YEAR = 2024


@pytest.fixture(scope="module")
def db(tmp_path_factory, monkeypatch_module):
    root = tmp_path_factory.mktemp("ph")
    monkeypatch_module.setenv("YIGONG_PSEUDONYM_KEY", "public-health-test-key-0123456789")
    generate("tiny", root / "files", seed=2024)
    path = root / "w.duckdb"
    ingest_files(path, [root / "files"])
    counts = ph.build(path)
    assert counts["ph_register"] > 0 and counts["ph_workload"] > 0
    return path


@pytest.fixture(scope="module")
def monkeypatch_module():
    mp = pytest.MonkeyPatch()
    yield mp
    mp.undo()


def test_catalog_agrees_with_the_register(db):
    summary = ph.county_summary(db, YEAR)["total"]
    ev = compute(db, "division:130423", str(YEAR), catalog_name="public-health", compare=False)
    got = {r.indicator: r for r in ev.results}
    htn, dm = summary["hypertension"], summary["diabetes"]
    assert (got["PH02"].numerator, got["PH02"].denominator) == (htn["standard"], htn["managed"])
    assert (got["PH03"].numerator, got["PH03"].denominator) == (htn["controlled"], htn["managed"])
    assert (got["PH06"].numerator, got["PH06"].denominator) == (dm["controlled"], dm["managed"])
    assert all(r.status is Status.OK for r in ev.results), [r.note for r in ev.results]


def test_realistic_rates_that_differ_between_townships(db):
    s = ph.county_summary(db, YEAR)
    ev = compute(db, "division:130423", str(YEAR), catalog_name="public-health", compare=False)
    v = {r.indicator: r.value for r in ev.results}
    # documented ranges (docs/public-health.md): management 25–65 %, standardised 50–85 %,
    # control 40–75 %, found 50–100 % of expected
    assert 25 <= v["PH01"] <= 65 and 25 <= v["PH04"] <= 65
    assert 50 <= v["PH02"] <= 85 and 50 <= v["PH05"] <= 85
    assert 40 <= v["PH03"] <= 75 and 35 <= v["PH06"] <= 75
    assert 50 <= v["PH09"] <= 100
    rates = [float(t["hypertension"]["standard_rate"]) for t in s["townships"]]
    assert len(rates) >= 2 and max(rates) - min(rates) > 3  # townships differ


def test_village_not_institution(db):
    village = "division:130423101001"
    ev = compute(db, village, str(YEAR), ids=["PH03", "PH13", "P13"], compare=False)
    got = {r.indicator: r for r in ev.results}
    assert got["PH03"].status is Status.OK
    assert got["PH13"].status is Status.NOT_APPLICABLE  # a village is too small for the rate
    assert got["P13"].status is Status.NOT_APPLICABLE
    inst = compute(db, "inst:H13042301000", str(YEAR), ids=["PH03"], compare=False).results[0]
    assert inst.status is Status.NOT_APPLICABLE and inst.note_zh


def test_overdue_and_top_villages(db):
    top = ph.top_overdue_villages(db, YEAR, 5)
    assert len(top) == 5 and top == sorted(top, key=lambda r: -r["overdue"])
    first = ph.overdue(db, YEAR, area=top[0]["division_code"])
    assert first["count"] == top[0]["overdue"]
    days = [r["days_overdue"] for r in first["patients"]]
    assert days == sorted(days, reverse=True) and min(days) > 0


def test_p13_and_subsidy(db):
    a = ph.assessments(db, YEAR)
    ev = compute(db, "division:130423", str(YEAR), ids=["P13"], compare=False).results[0]
    assert ev.value == pytest.approx(float(a["village_share"]), abs=0.01)
    run = ph.subsidy(db, YEAR)
    assert run.paid + run.unallocated == run.fund and run.fund > Money.zero()
    assert all(ln.score >= Decimal(0) for ln in run.lines)


def test_cli(db):
    r = CliRunner().invoke(app, ["health", "rates", "--db", str(db), "--year", str(YEAR)])
    assert r.exit_code == 0 and "慢病管理 2024" in r.output and "%" in r.output
    r = CliRunner().invoke(app, ["health", "overdue", "--db", str(db), "--limit", "3", "--json"])
    assert r.exit_code == 0 and '"patients"' in r.output
    r = CliRunner().invoke(app, ["health", "subsidy", "--db", str(db), "--fund", "1000.00"])
    assert r.exit_code == 0 and "1000.00" in r.output
    r = CliRunner().invoke(app, ["health", "rates", "--db", "/nonexistent.duckdb"])
    assert r.exit_code == 2 and "error: no warehouse" in r.output
