"""The global budget's inputs built from the warehouse, checked against plain DuckDB SQL over the
synthetic files themselves (not the warehouse), on a `tiny` county split into two communities.

The split: after ingest, 赵湾乡卫生院 (township 130423201) and its village clinics move to a second
community C1304239 (from their 2023-07-01 memberships on), and the residents of 130423201 born in
1950 move to the county seat code 130423 (no health centre there), so they fall to the lead
community. The independent SQL states the same facts directly: township 130423201 → C1304239
except those born in 1950; everyone else → C1304231.
"""

from __future__ import annotations

import json
from collections import Counter
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from yigong.cli.settle import app
from yigong.ingest import ingest_paths
from yigong.ingest.pseudonym import PseudonymKey
from yigong.payment import budget_violations, load_policy
from yigong.payment.assessment import attainment
from yigong.payment.bundle import budget_parts
from yigong.payment.errors import PaymentInputError
from yigong.payment.hashing import input_digests
from yigong.payment.policy import Policy
from yigong.payment.records import ClaimSetting, ReferralStatus
from yigong.schema.money import Money
from yigong.services import settlement_data as sd
from yigong.services.settlement import run_budget, settle_budget_from_warehouse
from yigong.synth import generate
from yigong.warehouse.backends.duckdb import DuckDBWarehouse

from ._support import copied_pack

COUNTY, YEAR = "130423", 2024
LEVELS = load_policy("henan-default").institution_levels
C1, C2 = "C1304231", "C1304239"
MOVED_TOWNSHIP = "130423201"
MOVED_CENTRE = "H13042300101"


def one_year_policy() -> Policy:
    """henan-default looking back one year only (tiny holds 2023–2024)."""
    policy = load_policy("henan-default")
    quota = policy.quota.model_copy(update={"history_weights": {1: Decimal(1)}})
    return policy.model_copy(update={"quota": quota})


def one_year_policy_file(tmp: Path) -> Path:
    """A user copy of the shipped policy pack whose quota looks back one year only."""
    return copied_pack(tmp, "quota.yaml", "    1: 7\n    2: 2\n    3: 1\n", "    1: 1\n")


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("warehouse_inputs")
    files = root / "files"
    generate("tiny", files, seed=11)
    db = root / "w.duckdb"
    with DuckDBWarehouse(db) as wh:
        ingest_paths(
            wh, [files], key=PseudonymKey(b"payment-glue-test-key-0123456789abcdefghijklmnopqrstuv")
        )
        con = wh.duck
        con.execute(
            "INSERT INTO communities VALUES (?, '赵湾乡医共体', NULL, ?, DATE '2020-01-01', NULL)",
            [C2, COUNTY],
        )
        con.execute(
            "UPDATE community_memberships SET community_id = ?, "
            "role = CASE WHEN institution_id = ? THEN 'lead' ELSE role END "
            "WHERE valid_from = DATE '2023-07-01'",
            [C2, MOVED_CENTRE],
        )
        con.execute(
            "UPDATE persons SET division_code = ? "
            "WHERE division_code LIKE ? AND year(birth_date) = 1950",
            [COUNTY, MOVED_TOWNSHIP + "%"],
        )
    return files, db


@pytest.fixture(scope="session")
def built(world: tuple[Path, Path]) -> sd.WarehouseBudget:
    with DuckDBWarehouse(world[1]) as wh:
        return sd.budget_inputs_from_warehouse(wh, COUNTY, YEAR, one_year_policy())


def _files_sql(files: Path, sql: str) -> list[tuple[object, ...]]:
    """Plain DuckDB SQL over the generated CSV files, with the split written out by hand."""
    con = duckdb.connect()
    for name in ("persons", "settlements"):
        con.execute(
            f"CREATE VIEW {name} AS SELECT * FROM read_csv('{files / (name + '.csv')}', "
            "header = true, all_varchar = true)"
        )
    con.execute(f"""
        CREATE VIEW who AS SELECT id_number, scheme, insured_area, birth_date,
          CASE WHEN division_code LIKE '{MOVED_TOWNSHIP}%'
                    AND year(CAST(birth_date AS DATE)) <> 1950 THEN '{C2}' ELSE '{C1}' END AS community
        FROM persons""")
    con.execute("""
        CREATE VIEW paid AS SELECT w.community, s.provider_code, s.service_area, s.is_referred,
          CAST(s.settle_date AS DATE) AS settle_date, CAST(s.fund_paid AS DECIMAL(18, 2)) AS fund_paid
        FROM settlements s LEFT JOIN who w ON w.id_number = s.person_id_number
        WHERE s.scheme = 'resident' AND s.insured_area LIKE '130423%'""")
    return con.execute(sql).fetchall()


def test_communities_and_institutions(built: sd.WarehouseBudget) -> None:
    inputs = built.inputs
    assert [c.community_id for c in inputs.communities] == [C1, C2]
    by_id = {i.institution_id: i for i in inputs.institutions}
    assert by_id[MOVED_CENTRE].community_id == C2
    assert by_id[MOVED_CENTRE].level == "township_center"
    assert by_id["H13042300001"].community_id == C1
    assert by_id["H13042300001"].level == "county_hospital"
    assert Counter(i.community_id for i in inputs.institutions) == {C1: 6, C2: 4}
    prov = {p.item: p for p in built.provenance}
    assert prov["communities"].figures["lead_community"] == C1


def test_headcount_matches_plain_sql(world: tuple[Path, Path], built: sd.WarehouseBudget) -> None:
    expected = dict(
        _files_sql(
            world[0],
            "SELECT community, count(*) FROM who WHERE scheme = 'resident' "
            "AND insured_area LIKE '130423%' AND CAST(birth_date AS DATE) < DATE '2024-01-01' "
            "GROUP BY 1",
        )
    )
    got = {c.community_id: c.insured_headcount for c in built.inputs.communities}
    assert got == expected
    assert got[C1] > 0 and got[C2] > 0
    moved = {p.item: p for p in built.provenance}["insured_headcount"].figures
    assert int(moved["to_lead_community"]) > 0  # the 1950 cohort moved to the county seat


def test_claims_match_plain_sql(world: tuple[Path, Path], built: sd.WarehouseBudget) -> None:
    rows = _files_sql(
        world[0],
        "SELECT community, provider_code, month(settle_date), service_area LIKE '130423%', "
        "coalesce(is_referred = '1', false), sum(fund_paid) FROM paid "
        "WHERE year(settle_date) = 2024 GROUP BY ALL",
    )
    expected = Counter({(c, p, m, bool(i), bool(r)): Decimal(f) for c, p, m, i, r, f in rows})
    got = Counter(
        {
            (
                cl.community_id,
                cl.institution_id,
                cl.month,
                cl.setting is ClaimSetting.IN_COUNTY,
                cl.referral is ReferralStatus.REFERRED,
            ): cl.fund_paid.amount
            for cl in built.inputs.claims
        }
    )
    assert len(got) == len(built.inputs.claims)  # one record per key
    assert got == expected
    settings = {(cl.setting, cl.referral) for cl in built.inputs.claims}
    assert settings == {
        (ClaimSetting.IN_COUNTY, ReferralStatus.NOT_APPLICABLE),
        (ClaimSetting.OUT_OF_COUNTY, ReferralStatus.REFERRED),
        (ClaimSetting.OUT_OF_COUNTY, ReferralStatus.SELF_REFERRED),
    }


def test_history_matches_plain_sql(world: tuple[Path, Path], built: sd.WarehouseBudget) -> None:
    rows = _files_sql(
        world[0],
        "SELECT community, sum(fund_paid) FROM paid WHERE year(settle_date) = 2023 GROUP BY 1",
    )
    expected = {(c, 2023): Decimal(f) for c, f in rows}
    got = {(h.community_id, h.year): h.fund_paid.amount for h in built.inputs.history}
    assert got == expected


def test_fund_is_per_capita_times_headcount(built: sd.WarehouseBudget) -> None:
    heads = sum(c.insured_headcount for c in built.inputs.communities)
    assert built.inputs.annual_fund.amount == Decimal(1070) * heads
    standard = load_policy("henan-default").annual_fund
    fund, prov = sd.annual_fund(10, YEAR, standard, per_capita=Decimal("1000.5"))
    assert str(fund) == "10005.00" and prov.figures["per_capita_source"] == "given (--per-capita)"
    with pytest.raises(PaymentInputError, match="pass --fund"):
        sd.annual_fund(10, 1999, standard)


def test_scores_follow_the_indicator_engine(
    world: tuple[Path, Path], built: sd.WarehouseBudget
) -> None:
    from yigong.services.indicators import compute

    scores = {(a.community_id, a.quarter): a.score for a in built.inputs.assessments}
    assert set(scores) == {(c, q) for c in (C1, C2) for q in range(1, 5)}
    with DuckDBWarehouse(world[1]) as wh:
        ev = compute(wh, f"community:{C2}", "2024Q3", ids=["C01", "C03"], compare=False)
    parts = [
        min(Decimal(1), Decimal(r.numerator) * 100 / Decimal(r.denominator) / Decimal(t))
        for r, t in zip(ev.results, (90, 65), strict=True)
    ]
    expected = (Decimal(100) * sum(parts) / 2).quantize(Decimal("0.01"))
    assert scores[(C2, 3)] == expected
    assert all(Decimal(0) <= s <= Decimal(100) for s in scores.values())


def test_attainment_rule() -> None:
    assert attainment(Decimal(45), Decimal(90), False) == Decimal("0.5")
    assert attainment(Decimal(95), Decimal(90), False) == 1
    assert attainment(Decimal(20), Decimal(10), True) == Decimal("0.5")
    assert attainment(Decimal(5), Decimal(10), True) == 1


def test_budget_runs_and_conserves(built: sd.WarehouseBudget) -> None:
    result = run_budget(built.inputs, one_year_policy())
    assert budget_violations(result, built.inputs.annual_fund) == []
    spent = {c.community_id: c.expenditure for c in result.communities}
    for cid in (C1, C2):
        claims = [cl.fund_paid for cl in built.inputs.claims if cl.community_id == cid]
        assert spent[cid].amount == sum(m.amount for m in claims)
    assert built.inputs_sha256 == input_digests(budget_parts(built.inputs))[0]


def test_missing_history_year_is_a_clear_error(world: tuple[Path, Path]) -> None:
    with DuckDBWarehouse(world[1]) as wh, pytest.raises(PaymentInputError) as exc:
        sd.budget_inputs_from_warehouse(wh, COUNTY, YEAR, load_policy("henan-default"))
    (issue,) = exc.value.issues
    assert issue.code == "warehouse.history" and "2021, 2022" in issue.message


def test_unknown_county_is_a_clear_error(world: tuple[Path, Path]) -> None:
    with (
        DuckDBWarehouse(world[1]) as wh,
        pytest.raises(PaymentInputError, match="no county '999999'"),
    ):
        sd.budget_inputs_from_warehouse(wh, "999999", YEAR, one_year_policy())


def test_cli_and_service_runs_from_db(
    world: tuple[Path, Path], built: sd.WarehouseBudget, tmp_path: Path
) -> None:
    policy = one_year_policy_file(tmp_path)
    runner = CliRunner()
    args = ["budget", "--db", str(world[1]), "--county", COUNTY, "--year", str(YEAR)]
    res = runner.invoke(
        app, [*args, "-p", str(policy), "--fund", "3000000", "-o", str(tmp_path / "a"), "--json"]
    )
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert [r["community"] for r in out["headline"]] == [C1, C2]
    prov = json.loads((tmp_path / "a" / "provenance.json").read_text(encoding="utf-8"))
    assert set(prov) == {"communities", "insured_headcount", "history", "claims", "annual_fund",
                         "assessments", "prior_scores"}  # fmt: skip
    assert prov["annual_fund"]["figures"] == {"annual_fund": "3000000.00"}
    # the service gives the same run, byte for byte
    fund = Money.of("3000000")
    b = settle_budget_from_warehouse(world[1], COUNTY, YEAR, str(policy), tmp_path / "b", fund=fund)
    assert b.inputs_sha256 == out["inputs_sha256"]
    assert b.inputs_sha256 != built.inputs_sha256  # only the fund differs from the default run
    for name in b.files:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    run = json.loads((tmp_path / "b" / "run.json").read_text(encoding="utf-8"))
    assert run["source"]["kind"] == "warehouse" and run["inputs_sha256"] == b.inputs_sha256
    # the default policy looks back three years: a clear error, exit 2
    res = runner.invoke(app, [*args, "-o", str(tmp_path / "p")])
    assert res.exit_code == 2 and "warehouse.history" in res.output
    res = runner.invoke(app, ["budget", "--db", str(world[1]), "-o", str(tmp_path / "q")])
    assert res.exit_code == 2 and "--county" in res.output
    res = runner.invoke(app, [*args, "--fund", "1.001", "-o", str(tmp_path / "r")])
    assert res.exit_code == 2 and "at most 2 decimals" in res.output


def test_headline_matches_statement_inputs(built: sd.WarehouseBudget) -> None:
    """The in-county part of expenditure is exactly the in-county claims (no double count)."""
    result = run_budget(built.inputs, one_year_policy())
    for c in result.communities:
        mine = [cl for cl in built.inputs.claims if cl.community_id == c.community_id]
        out = [cl.fund_paid.amount for cl in mine if cl.setting is ClaimSetting.OUT_OF_COUNTY]
        inside = [cl.fund_paid.amount for cl in mine if cl.setting is ClaimSetting.IN_COUNTY]
        assert c.out_of_county_total.amount == sum(out) > 0
        assert c.in_county.amount == sum(inside) > 0


def test_demo_settlement_section(world: tuple[Path, Path], built: sd.WarehouseBudget,
                                 tmp_path: Path) -> None:  # fmt: skip
    from yigong.services.settlement import settlement_section

    rows = settlement_section(world[1], COUNTY, YEAR, str(one_year_policy_file(tmp_path)))
    assert [r["community"].split()[0] for r in rows] == [C1, C2]
    result = run_budget(built.inputs, one_year_policy())
    for row, c in zip(rows, result.communities, strict=True):
        assert Decimal(row["quota"]) == c.quota.amount
        assert Decimal(row["claims_in_county"]) + Decimal(row["out_of_county"]) == (
            c.expenditure.amount
        )
        signed = Decimal(row["surplus_or_overspend"])
        assert signed == (c.surplus - c.overspend).amount
        assert (
            Decimal(row["quota"]) - Decimal(row["claims_in_county"]) - Decimal(row["out_of_county"])
            == signed
        )


def test_drg_cases_from_warehouse(world: tuple[Path, Path], tmp_path: Path) -> None:
    from yigong.services.casemix import group_discharges

    with DuckDBWarehouse(world[1]) as wh:
        group_discharges(wh, "chs-drg-1.1")
        inputs, prov = sd.drg_inputs_from_warehouse(wh, COUNTY, YEAR, "chs-drg-1.1", levels=LEVELS)
    con = duckdb.connect()
    expected = dict(
        con.execute(
            f"SELECT d.discharge_id, CAST(d.total_cost AS DECIMAL(18, 2)) "
            f"FROM read_csv('{world[0] / 'discharges.csv'}', header = true, all_varchar = true) d "
            f"WHERE d.discharge_date LIKE '2024-%' AND d.discharge_id IN (SELECT discharge_id "
            f"FROM read_csv('{world[0] / 'settlements.csv'}', header = true, all_varchar = true) "
            "WHERE payment_method = 'drg' AND insured_area LIKE '130423%')"
        ).fetchall()
    )
    stays = sum(int(v) for k, v in prov.figures.items() if k.startswith("stays:"))
    assert stays == len(expected)  # every DRG-paid stay is a case or counted as not one
    assert 0 < len(inputs.cases) <= len(expected)
    for case in inputs.cases:
        assert case.cost.amount == expected[case.case_id]
        assert case.weight > 0 and case.level == "county_hospital"
    rows = CliRunner().invoke(
        app,
        ["drg", "--db", str(world[1]), "--county", COUNTY, "--year", str(YEAR),
         "-o", str(tmp_path / "drg"), "--json"],
    )  # fmt: skip
    assert rows.exit_code == 0, rows.output
    paid = sum(Decimal(h["payment"]) for h in json.loads(rows.stdout)["headline"])
    assert paid > 0


def test_drg_needs_grouped_results() -> None:
    with DuckDBWarehouse.memory() as wh, pytest.raises(PaymentInputError, match="yigong drg group"):
        sd.drg_inputs_from_warehouse(wh, COUNTY, YEAR, "chs-drg-1.1", levels=LEVELS)


def test_in_county_provider_outside_every_community_is_named(
    world: tuple[Path, Path], tmp_path: Path
) -> None:
    db = tmp_path / "copy.duckdb"
    db.write_bytes(world[1].read_bytes())
    with DuckDBWarehouse(db) as wh:
        wh.duck.execute("DELETE FROM community_memberships WHERE institution_id = 'H13042300002'")
        with pytest.raises(PaymentInputError, match="H13042300002") as exc:
            sd.budget_inputs_from_warehouse(wh, COUNTY, YEAR, one_year_policy())
    assert exc.value.issues[0].code == "warehouse.claims"
