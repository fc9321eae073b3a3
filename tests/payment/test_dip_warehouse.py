"""DIP inputs built from the warehouse, checked against a plain pandas computation over the
synthetic files themselves (not the warehouse), on the `tiny` county.

`tiny` pays inpatient stays by DRG or fee for service; here the county switches its DRG-paid
stays to DIP after ingest (``payment_method 'drg' → 'dip'`` in the warehouse; its township centres are DIP-paid already), so the
independent computation reads the files' ``drg`` settlements as the DIP-paid ones. The
treatment-type rule is restated in plain Python from the pack's own CSV files.
"""

from __future__ import annotations

import csv
import json
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path

import ibis
import pandas as pd
import pytest
from typer.testing import CliRunner

from yigong.casemix.packs import resolve_folder
from yigong.cli.settle import app
from yigong.ingest import ingest_paths
from yigong.ingest.pseudonym import PseudonymKey
from yigong.payment import load_policy
from yigong.payment.bundle_casemix import DipInputs
from yigong.payment.dip_catalog import ProcedureKind
from yigong.payment.dip_treatment import treatment_type
from yigong.payment.errors import PaymentInputError
from yigong.schema.money import Money
from yigong.services.settlement import run_dip
from yigong.services.settlement_data import Provenance, dip_inputs_from_warehouse
from yigong.services.settlement_data.dip import treatment_types
from yigong.synth import generate
from yigong.warehouse.backends.duckdb import DuckDBWarehouse

COUNTY, YEAR = "130423", 2024
POLICY = load_policy("henan-default")
assert POLICY.dip is not None
DIP = POLICY.dip
assert DIP.treatment_types is not None and POLICY.institution_levels is not None
RULE, LEVELS = DIP.treatment_types, POLICY.institution_levels
C, D, T, S = (ProcedureKind.CONSERVATIVE, ProcedureKind.DIAGNOSTIC, ProcedureKind.THERAPEUTIC,
              ProcedureKind.SURGICAL)  # fmt: skip


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("dip_warehouse")
    files = root / "files"
    generate("tiny", files, seed=11)
    db = root / "w.duckdb"
    with DuckDBWarehouse(db) as wh:
        ingest_paths(
            wh, [files], key=PseudonymKey(b"payment-glue-test-key-0123456789abcdefghijklmnopqrstuv")
        )
        wh.duck.execute(
            "UPDATE settlements SET payment_method = 'dip' WHERE payment_method = 'drg'"
        )
    return files, db


@pytest.fixture(scope="module")
def built(world: tuple[Path, Path]) -> tuple[DipInputs, tuple[Provenance, ...]]:
    with DuckDBWarehouse(world[1]) as wh:
        return dip_inputs_from_warehouse(wh, COUNTY, YEAR, DIP, levels=LEVELS)


def _or_codes_from_pack_files() -> set[str]:
    folder = resolve_folder("chs-drg-1.1")
    with (folder / "procedures.csv").open(encoding="utf-8") as fh:
        flagged = {r["code"] for r in csv.DictReader(fh) if r["is_or_procedure"] == "1"}
    with (folder / "procedure_map.csv").open(encoding="utf-8") as fh:
        mapped = {r["from_code"] for r in csv.DictReader(fh) if r["to_code"] in flagged}
    return flagged | mapped


def _kind(principal: str, or_codes: set[str]) -> ProcedureKind:
    """The documented rule, restated: none / OR / 87–91, 92.0–92.1 / the rest."""
    if not principal:
        return C
    if principal in or_codes:
        return S
    digits = principal.replace(".", "")
    return D if digits[:2] in {"87", "88", "89", "90", "91"} or digits[:3] in {"920", "921"} else T


def test_treatment_types_of_hand_picked_cases() -> None:
    rows = [
        ("none", None, C),  # no procedure at all
        ("empty", [], C),
        ("chole", ["51.2300"], S),  # laparoscopic cholecystectomy: OR
        ("ct", ["87.0300", "51.2300"], D),  # only the principal procedure counts
        ("angio", ["88.5700"], D),  # coronary angiography, not OR in the pack
        ("arterio", ["88.4101"], S),  # an 88.x code the pack flags OR: OR wins
        ("scan", ["92.1100"], D),  # nuclear-medicine scan
        ("radio", ["92.2300"], T),  # radiotherapy (92.24 is OR in the pack)
        ("physio", ["93.3900"], T),  # physical therapy
        ("stent", ["36.0700"], T),  # drug-eluting stent: not OR in CHS-DRG
        ("gastro", ["44.1300x001"], T),  # diagnostic endoscopy: therapeutic by our rule
        ("mapped", ["00.6400x007"], S),  # a local code the pack maps to an OR code
    ]
    t = ibis.memtable(
        pd.DataFrame(
            {
                "discharge_id": [r[0] for r in rows],
                "diagnosis_codes": [["K80.100"]] * len(rows),
                "procedure_codes": [r[1] for r in rows],
            }
        ),
        schema={"discharge_id": "string", "diagnosis_codes": "array<string>",
                "procedure_codes": "array<string>"},
    )  # fmt: skip
    got = {r["discharge_id"]: r["kind"] for r in
           treatment_types(t, RULE).select("discharge_id", "kind").to_pyarrow().to_pylist()}  # fmt: skip
    assert got == {r[0]: r[2].value for r in rows}
    or_codes = _or_codes_from_pack_files()  # the plain restatement agrees on every row
    assert {r[0]: _kind((r[1] or [""])[0], or_codes) for r in rows} == {r[0]: r[2] for r in rows}
    engine = {r[0]: treatment_type((r[1] or [None])[0], frozenset(or_codes), RULE) for r in rows}
    assert engine == {r[0]: r[2] for r in rows}  # and so does the payment engine's rule


def _plain(files: Path) -> pd.DataFrame:
    """County discharges with principal codes, kind, year and DIP fund paid, by pandas alone."""
    inst = pd.read_csv(files / "institutions.csv", dtype=str)
    inst = inst[inst.division_code.str.startswith(COUNTY)][["institution_id", "institution_type"]]
    d = pd.read_csv(files / "discharges.csv", dtype=str, keep_default_na=False)
    d = d.merge(inst, on="institution_id")
    or_codes = _or_codes_from_pack_files()
    d["diagnosis"] = d.diagnosis_codes.str.split("|").str[0]
    d["procedure"] = d.procedure_codes.str.split("|").str[0]
    d["kind"] = [_kind(p, or_codes) for p in d.procedure]
    d["year"] = d.discharge_date.str[:4].astype(int)
    d["cost"] = [Decimal(x) for x in d.total_cost]
    s = pd.read_csv(files / "settlements.csv", dtype=str, keep_default_na=False)
    s = s[s.payment_method.isin(["drg", "dip"]) & s.insured_area.str.startswith(COUNTY)
          & s.service_area.str.startswith(COUNTY) & (s.discharge_id != "")]  # fmt: skip
    paid: dict[str, Decimal] = defaultdict(Decimal)
    for did, f in zip(s.discharge_id, s.fund_paid, strict=True):
        paid[did] += Decimal(f)
    d["fund_paid"] = [paid.get(x) for x in d.discharge_id]
    return d


LEVEL = {"county_general": "county_hospital", "county_tcm": "county_hospital",
         "township_centre": "township_center", "community_centre": "township_center"}  # fmt: skip


def test_history_matches_plain_pandas(world: tuple[Path, Path], built: tuple[DipInputs, tuple[Provenance, ...]]) -> None:  # fmt: skip
    d = _plain(world[0])
    h = d[d.year.isin([YEAR - 3, YEAR - 2, YEAR - 1])]
    expected = sorted(
        (int(y), i, LEVEL[t], dx, px, k, c)
        for y, i, t, dx, px, k, c in zip(h.year, h.institution_id, h.institution_type, h.diagnosis,
                                         h.procedure, h.kind, h.cost, strict=True)
    )  # fmt: skip
    got = sorted(
        (c.year, c.institution_id, c.level, c.diagnosis, c.procedure, c.procedure_kind, c.cost.amount)
        for c in built[0].history
    )  # fmt: skip
    assert got == expected
    kinds = Counter(r[5] for r in got)
    assert all(kinds[k] > 0 for k in ProcedureKind)  # tiny exercises every treatment type
    prov = {p.item: p for p in built[1]}["dip_history"].figures
    assert prov["empty_years"] == f"{YEAR - 3},{YEAR - 2}"  # tiny starts in 2023


def test_cases_match_plain_pandas(world: tuple[Path, Path], built: tuple[DipInputs, tuple[Provenance, ...]]) -> None:  # fmt: skip
    d = _plain(world[0])
    cur = d[(d.year == YEAR) & d.fund_paid.notna()]
    expected = sorted(
        (i, LEVEL[t], dx, px, k, c, f)
        for i, t, dx, px, k, c, f in zip(cur.discharge_id, cur.institution_type, cur.diagnosis,
                                         cur.procedure, cur.kind, cur.cost, cur.fund_paid, strict=True)
    )  # fmt: skip
    inputs = built[0]
    got = sorted(
        (c.case_id, c.level, c.diagnosis, c.procedure, c.procedure_kind, c.cost.amount, c.fund_paid.amount)
        for c in inputs.cases
    )  # fmt: skip
    assert len(got) > 100
    assert got == expected
    assert inputs.fund_available == Money(sum((r[6] for r in expected), Decimal(0)))
    assert inputs.adjustments == ()


def test_dip_settlement_accounts_for_every_fen(
    built: tuple[DipInputs, tuple[Provenance, ...]],
) -> None:
    inputs = built[0]
    catalog, res = run_dip(inputs, POLICY)
    fund = inputs.fund_available
    paid = Money.sum([h.settlement for h in res.hospitals])
    assert paid + res.residual == fund
    balances = res.ledger.balances()
    assert balances["fund:dip_pool"] == res.residual
    for h in res.hospitals:
        assert balances[f"institution:{h.institution_id}"] == h.settlement
    assert sum(h.cases for h in res.hospitals) == len(inputs.cases)
    bound = res.total_points * Decimal(1).scaleb(-DIP.point_value_decimals) * res.payment_ratio
    assert abs(res.residual.amount) <= bound + Decimal("0.01") * len(res.hospitals)
    assert set(catalog.coefficients) == {"county_hospital", "township_center"}


def test_dip_fund_given_and_all_inpatient_scope(world: tuple[Path, Path], built: tuple[DipInputs, tuple[Provenance, ...]]) -> None:  # fmt: skip
    with DuckDBWarehouse(world[1]) as wh:
        given, _ = dip_inputs_from_warehouse(
            wh, COUNTY, YEAR, DIP, levels=LEVELS, fund=Money.of("1000000")
        )
        wide, prov = dip_inputs_from_warehouse(
            wh, COUNTY, YEAR, DIP, levels=LEVELS, scope="all_inpatient"
        )
    assert given.fund_available == Money.of("1000000") and list(given.cases) == list(built[0].cases)
    assert set(built[0].cases) < set(wide.cases)  # fee-for-service stays join the DIP cases
    assert {p.item: p for p in prov}["dip_cases"].figures["scope"] == "all_inpatient"


def test_missing_history_and_cases_are_clear_errors(world: tuple[Path, Path]) -> None:
    with DuckDBWarehouse(world[1]) as wh:
        with pytest.raises(PaymentInputError, match="no discharges .* in 2019–2021"):
            dip_inputs_from_warehouse(wh, COUNTY, 2022, DIP, levels=LEVELS)
        with pytest.raises(PaymentInputError, match="no discharge with a DIP-paid settlement"):
            dip_inputs_from_warehouse(wh, COUNTY, 2025, DIP, levels=LEVELS)


def test_cli_settles_dip_from_db(world: tuple[Path, Path], tmp_path: Path) -> None:
    out = tmp_path / "run"
    runner = CliRunner()
    args = ["dip", "--db", str(world[1]), "--county", COUNTY, "--year", str(YEAR), "-o", str(out)]
    res = runner.invoke(app, [*args, "--json"])
    assert res.exit_code == 0, res.output
    record = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert record["source"]["scope"] == "dip" and record["kind"] == "dip"
    prov = json.loads((out / "provenance.json").read_text(encoding="utf-8"))
    assert set(prov) == {"dip_history", "dip_cases", "dip_fund", "treatment_type"}
    both = runner.invoke(app, [*args, "-i", str(tmp_path), "--replace"])
    assert both.exit_code == 2
    no_year = runner.invoke(
        app, ["dip", "--db", str(world[1]), "--county", COUNTY, "-o", str(tmp_path / "x")]
    )
    assert no_year.exit_code == 2
