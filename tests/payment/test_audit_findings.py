"""The independent audit's findings (issue 18), one test each; every test failed before its fix.

The auditor recomputed a two-community county by hand. Money was conserved and runs were
byte-identical, but: a DIP case at exactly 50 % of its reference was paid as low, bad input
was accepted silently, some bad input gave a traceback, and several rules were left implicit.
"""

from __future__ import annotations

import decimal
import json
import os
import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from yigong.cli.main import app
from yigong.payment.budget import settle_budget
from yigong.payment.bundle import read_budget_bundle
from yigong.payment.dip_catalog import DipHistoricalCase, ProcedureKind, build_catalog
from yigong.payment.dip_settle import DipCase, settle_dip
from yigong.payment.drg import DrgCase, settle_drg
from yigong.payment.errors import PaymentInputError
from yigong.payment.loader import load_policy
from yigong.payment.records import BudgetInputs
from yigong.payment.run_output import write_run_atomically
from yigong.schema.money import Money
from yigong.schema.rounding import DEFAULT_RULE
from yigong.services import settlement as service

from ._support import WORKED, policy_variant

runner = CliRunner()
DOCS = " ".join(
    (Path(__file__).parents[2] / "docs" / "payment.md").read_text(encoding="utf-8").split()
)
S, C = ProcedureKind.SURGICAL, ProcedureKind.CONSERVATIVE
CH, TC = "county_hospital", "township_center"


# --- 1. the DIP 50 % threshold ------------------------------------------------------------


def _threshold_policy() -> Any:
    def change(d: dict[str, Any]) -> None:
        d["dip"]["core_threshold"] = 3
        d["dip"]["coefficient_method"] = "fixed"
        d["dip"]["fixed_coefficients"] = {CH: 1, TC: Decimal("0.6")}

    policy = policy_variant(change)
    assert policy.dip is not None
    return policy.dip


def _hist(level: str, dx: str, proc: str, cost: str) -> DipHistoricalCase:
    return DipHistoricalCase(2024, "X", level, dx, proc, S, Money.of(cost))


#: group K80.0+51.2301 costs 3,000.20 over three cases (mean 1,000.0666…); group I21.0 +
#: 36.0601 costs 9,000.60 each. M = 30,002.00 ÷ 6 = 5,000.3333…, scores 200 and 1,800.
THRESHOLD_HISTORY = (
    _hist(TC, "K80.0", "51.2301", "1000.00"),
    _hist(TC, "K80.0", "51.2301", "1000.10"),
    _hist(TC, "K80.0", "51.2301", "1000.10"),
    _hist(CH, "I21.0", "36.0601", "9000.60"),
    _hist(CH, "I21.0", "36.0601", "9000.60"),
    _hist(CH, "I21.0", "36.0601", "9000.60"),
)
THRESHOLD_CASES = (
    # township, coefficient 0.6: reference = 3,000.20 ÷ 3 × 0.6 = 600.04; 300.02 is exactly 50 %
    DipCase("t", "T1", TC, "K80.0", "51.2301", S, Money.of("300.02"), Money.of("210.01")),
    DipCase("h", "H1", CH, "I21.0", "36.0601", S, Money.of("9000.60"), Money.of("6300.42")),
)


def test_dip_case_at_exactly_half_its_reference_is_paid_in_full() -> None:
    policy = _threshold_policy()
    catalog = build_catalog(THRESHOLD_HISTORY, 2025, policy)
    res = settle_dip(THRESHOLD_CASES, catalog, policy, Money.of("10000.64"), 2025, DEFAULT_RULE)
    t = next(c for c in res.cases if c.case_id == "t")
    assert t.reference_cost == Decimal("600.04")
    assert t.deviation == "normal"  # "below 50 %" — 300.02 is not below 300.02
    assert t.points == Decimal("120.0000")  # 200 × 0.6, not 60
    paid = {h.institution_id: h.settlement for h in res.hospitals}
    assert paid["T1"] == Money.of("625.04")  # 10,000.64 × 120 ÷ 1,920 — was 322.60
    assert paid["H1"] == Money.of("9375.60")


def test_dip_group_mean_in_the_payment_context() -> None:
    """The group mean is computed in the documented 34 digits, not Python's default 28."""
    catalog = build_catalog(THRESHOLD_HISTORY, 2025, _threshold_policy())
    mean = catalog.groups["core:K800|512301"].mean_cost
    assert mean == Decimal("1000.066666666666666666666666666667")


def test_payment_independent_of_the_callers_decimal_context() -> None:
    """One decimal context for all of payment: a caller's 6-digit, round-down default context
    changes no figure of the budget, DIP or DRG settlements."""

    def run() -> tuple[object, ...]:
        inputs = read_budget_bundle(WORKED)
        policy = load_policy("henan-default")
        budget = settle_budget(inputs, policy)
        dip_policy = _threshold_policy()
        catalog = build_catalog(THRESHOLD_HISTORY, 2025, dip_policy)
        dip = settle_dip(THRESHOLD_CASES, catalog, dip_policy, Money.of("10000.64"), 2025,
                         DEFAULT_RULE)  # fmt: skip
        assert policy.drg is not None
        drg = settle_drg(
            (DrgCase("a", "H", CH, "GB19", Decimal("1.2345"), Money.of("12345.67"), 5),
             DrgCase("b", "H", CH, "GB19", Decimal("0.3333"), Money.of("999.99"), 7)),
            policy.drg, 2025, DEFAULT_RULE)  # fmt: skip
        return (
            [(c.quota, c.net_position, c.annual_score) for c in budget.communities],
            [b.basis_share for b in budget.bases],
            catalog.overall_mean,
            [(c.points, c.ratio) for c in dip.cases],
            dip.point_value,
            drg.rate,
            [h.payment for h in drg.hospitals],
        )

    expected = run()
    with decimal.localcontext(decimal.Context(prec=6, rounding=decimal.ROUND_DOWN)):
        assert run() == expected


# --- 2. bad input refused with file, row and field -----------------------------------------


def _bundle(
    tmp_path: Path, name: str, append: str = "", replace: tuple[str, str] | None = None
) -> Path:
    root = tmp_path / "bundle"
    if not root.exists():
        shutil.copytree(WORKED, root)
    path = root / name
    text = path.read_text(encoding="utf-8")
    if replace:
        assert replace[0] in text
        text = text.replace(replace[0], replace[1])
    path.write_text(text + append, encoding="utf-8")
    return root


def _issues(action: Any) -> list[Any]:
    with pytest.raises(PaymentInputError) as err:
        action()
    return err.value.issues


def _settle_bundle(root: Path, what: str) -> Any:
    policy = load_policy("henan-default")
    if what == "budget":
        return settle_budget(read_budget_bundle(root), policy)
    if what == "dip":
        return service.settle_dip_run(root, "henan-default", root.parent / "out-dip")
    return service.settle_drg_run(root, "henan-default", root.parent / "out-drg")


DUPLICATES = [
    # file, duplicated row appended, the kind of run, field, line of the second copy
    ("institutions.csv", "A1,A,县人民医院,county_hospital\n", "budget", "institution_id", 6),
    ("history.csv", "A,2024,1000000.00\n", "budget", "year", 8),
    ("claims.csv", "A,A1,1,in_county,none,300000.00\n", "budget", "institution_id", 54),
    ("dip_cases.csv", "c1,A1,county_hospital,I21.0,36.0601,surgical,21000.00,14700.00\n", "dip",
     "case_id", 7),
    ("dip_adjustments.csv", None, "dip", "institution_id", 3),
    ("drg_cases.csv", "a,A1,county_hospital,GB19,1.0,10000.00,5\n", "drg", "case_id", 6),
    ("drg_weights.csv", "ES39,0.7\n", "drg", "drg", 3),
]  # fmt: skip


@pytest.mark.parametrize(("file", "row", "what", "field", "line"), DUPLICATES,
                         ids=[d[0] for d in DUPLICATES])  # fmt: skip
def test_duplicated_rows_are_refused(
    tmp_path: Path, file: str, row: str | None, what: str, field: str, line: int
) -> None:
    if row is None:  # dip_adjustments.csv is optional: write one with a duplicated hospital
        root = _bundle(tmp_path, "bundle.yaml")
        (root / file).write_text(
            "institution_id,assessment_coefficient,deductions\nA1,0.95,0\nA1,1,100.00\n",
            encoding="utf-8",
        )
    else:
        root = _bundle(tmp_path, file, row)
    issues = _issues(lambda: _settle_bundle(root, what))
    hit = [i for i in issues if i.file.endswith(file) and i.field == field]
    assert hit, [str(i) for i in issues]
    assert hit[0].line == line
    assert "twice" in hit[0].message


def test_community_with_zero_insured_is_refused(tmp_path: Path) -> None:
    root = _bundle(tmp_path, "communities.csv", replace=("B,西区医共体,40000", "B,西区医共体,0"))
    issues = _issues(lambda: settle_budget(read_budget_bundle(root), load_policy("henan-default")))
    assert [(i.file, i.line, i.field) for i in issues if i.code == "communities.headcount"] == [
        ("communities.csv", 3, "insured_headcount")
    ]


def test_month_without_claims_is_refused(worked_inputs: BudgetInputs) -> None:
    claims = tuple(c for c in worked_inputs.claims if not (c.community_id == "B" and c.month == 7))
    inputs = _replace(worked_inputs, claims=claims)
    issues = _issues(lambda: settle_budget(inputs, load_policy("henan-default")))
    hit = [i for i in issues if i.code == "claims.month_missing"]
    assert [(i.file, i.field) for i in hit] == [("claims.csv", "month")]
    assert "'B'" in hit[0].message and "7" in hit[0].message


def test_year_without_claims_is_refused(worked_inputs: BudgetInputs) -> None:
    inputs = _replace(worked_inputs, claims=())
    issues = _issues(lambda: settle_budget(inputs, load_policy("henan-default")))
    assert any(i.code == "claims.empty" and i.file == "claims.csv" for i in issues)


def _replace(inputs: BudgetInputs, **changes: Any) -> BudgetInputs:
    from dataclasses import replace

    return replace(inputs, **changes)


def test_negative_dip_fund_is_refused(tmp_path: Path) -> None:
    root = _bundle(tmp_path, "bundle.yaml", replace=('dip_fund: "40390.00"', 'dip_fund: "-1.00"'))
    issues = _issues(lambda: _settle_bundle(root, "dip"))
    assert [(i.file.endswith("bundle.yaml"), i.field) for i in issues] == [(True, "dip_fund")]


def test_negative_assessment_coefficient_is_refused(tmp_path: Path) -> None:
    root = _bundle(tmp_path, "bundle.yaml")
    (root / "dip_adjustments.csv").write_text(
        "institution_id,assessment_coefficient,deductions\nA1,-0.95,0\n", encoding="utf-8"
    )
    issues = _issues(lambda: _settle_bundle(root, "dip"))
    assert [(i.file.endswith("dip_adjustments.csv"), i.line, i.field) for i in issues] == [
        (True, 2, "assessment_coefficient")
    ]


# --- 3. tracebacks and misleading messages become clear errors ------------------------------


def _cli(*args: str) -> Any:
    return runner.invoke(app, ["settle", *args])


def test_gbk_csv_is_a_clear_error(tmp_path: Path) -> None:
    root = _bundle(tmp_path, "bundle.yaml")
    text = (root / "communities.csv").read_text(encoding="utf-8")
    (root / "communities.csv").write_bytes(text.encode("gbk"))
    result = _cli("budget", "-i", str(root), "-o", str(tmp_path / "out"))
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "communities.csv:2" in result.output and "UTF-8" in result.output
    assert "GBK" in result.output


def test_excel_bom_csv_is_read(tmp_path: Path) -> None:
    root = _bundle(tmp_path, "bundle.yaml")
    text = (root / "communities.csv").read_text(encoding="utf-8")
    (root / "communities.csv").write_bytes(text.encode("utf-8-sig"))
    inputs = read_budget_bundle(root)
    assert [c.community_id for c in inputs.communities] == ["A", "B"]


def test_dip_cases_without_fund_paid_are_a_clear_error(tmp_path: Path) -> None:
    root = _bundle(tmp_path, "bundle.yaml")
    lines = (root / "dip_cases.csv").read_text(encoding="utf-8").splitlines()
    zeroed = [lines[0]] + [",".join(ln.split(",")[:-1] + ["0.00"]) for ln in lines[1:]]
    (root / "dip_cases.csv").write_text("\n".join(zeroed) + "\n", encoding="utf-8")
    result = _cli("dip", "-i", str(root), "-o", str(tmp_path / "out"))
    assert result.exit_code == 2, result.output
    assert "dip_cases.csv" in result.output and "[fund_paid]" in result.output
    assert "payment ratio" in result.output


def test_drg_stays_all_excluded_are_a_clear_error(tmp_path: Path) -> None:
    root = _bundle(tmp_path, "bundle.yaml")
    (root / "drg_cases.csv").write_text(
        "case_id,institution_id,level,drg,weight,cost,los\n"
        "a,A1,county_hospital,GB19,1.0,10000.00,1\nb,A1,county_hospital,GB19,1.0,9000.00,61\n",
        encoding="utf-8",
    )
    result = _cli("drg", "-i", str(root), "-o", str(tmp_path / "out"))
    assert result.exit_code == 2, result.output
    assert "drg_cases.csv" in result.output and "[los]" in result.output
    assert "excluded by length of stay" in result.output


def test_stale_temporary_run_directory_is_cleaned(tmp_path: Path) -> None:
    """A run killed half-way leaves ``.tmp-<name>-<pid>``; the next run to that target removes
    it when its process is gone."""
    target = tmp_path / "run"
    dead = tmp_path / ".tmp-run-999999999"
    dead.mkdir()
    (dead / "ledger.csv").write_text("half", encoding="utf-8")
    writing = tmp_path / f".tmp-run-{os.getppid()}"  # a process that is still running
    writing.mkdir()
    write_run_atomically(target, {"a.txt": b"x"})
    assert not dead.exists()
    assert writing.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == [writing.name, "run"]


# --- 4. rules made explicit ----------------------------------------------------------------


def test_quarterly_score_finer_than_the_policy_is_refused(tmp_path: Path) -> None:
    """Scores are kept to ``score_decimals`` (0.01) and that kept score is banded, quarterly
    and annual alike; a quarterly score with more decimals is not rounded silently."""
    root = _bundle(tmp_path, "assessments.csv", replace=("A,4,88", "A,4,79.995"))
    issues = _issues(lambda: settle_budget(read_budget_bundle(root), load_policy("henan-default")))
    assert [(i.file, i.line, i.field) for i in issues] == [("assessments.csv", 5, "score")]


def test_annual_score_is_rounded_once_then_banded(worked_inputs: BudgetInputs) -> None:
    """The documented rule: the annual score is the weighted mean of the kept quarterly scores,
    rounded half-up to 0.01 once, and that figure is banded: 80, 80, 79.99, 79.99 → 79.995 →
    80.00 → the 80-point band (0.8 of the quality fund), as docs/payment.md shows."""
    from yigong.payment.records import AssessmentScore

    scores = tuple(
        AssessmentScore(a.community_id, a.quarter, Decimal("80") if a.quarter <= 2 else Decimal("79.99"))
        if a.community_id == "B" else a
        for a in worked_inputs.assessments
    )  # fmt: skip
    res = settle_budget(_replace(worked_inputs, assessments=scores), load_policy("henan-default"))
    b = next(c for c in res.communities if c.community_id == "B")
    assert b.annual_score == Decimal("80.00")
    assert b.quality_return_share == Decimal("0.8")
    assert "79.995" in DOCS and "80.00" in DOCS


def test_tiers_are_rounded_tier_by_tier() -> None:
    """The documented tier rule: each tier's segment × share is rounded to the fen and the
    tier results are summed (here 0.01 less than rounding the sum once, as docs/payment.md
    shows)."""
    from yigong.payment.scoring import tiered

    quota = Money.of("1001.60")  # first bound 5 % = 50.08
    tiers = [(Decimal("0.05"), Decimal("0.3")), (None, Decimal("0.3"))]
    parts = tiered(Money.of("50.16"), quota, tiers, DEFAULT_RULE)
    assert [p.segment for p in parts] == [Money.of("50.08"), Money.of("0.08")]
    assert [p.result for p in parts] == [Money.of("15.02"), Money.of("0.02")]  # 15.024, 0.024
    once = Money.of(Decimal("50.16") * Decimal("0.3"))  # 15.048 → 15.05
    assert Money.sum([p.result for p in parts]) - once == Money.of("-0.01")
    assert "15.048" in DOCS and "tier by tier" in DOCS


def test_input_hash_ignores_row_order(tmp_path: Path) -> None:
    root = _bundle(tmp_path, "bundle.yaml")
    lines = (root / "claims.csv").read_text(encoding="utf-8").splitlines()
    (root / "claims.csv").write_text("\n".join([lines[0], *reversed(lines[1:])]) + "\n",
                                     encoding="utf-8")  # fmt: skip
    a = service.settle_budget_run(WORKED, "henan-default", tmp_path / "a")
    b = service.settle_budget_run(root, "henan-default", tmp_path / "b")
    assert a.inputs_sha256 == b.inputs_sha256


def test_input_hash_covers_every_file_the_run_reads(tmp_path: Path) -> None:
    """compare reads the DIP files too; changing one changes the recorded input hash."""
    root = _bundle(tmp_path, "dip_cases.csv", replace=("c1,A1", "c1,A2"))
    one = tmp_path / "one"
    two = tmp_path / "two"
    service.compare_run(WORKED, "henan-default", "henan-default", one)
    service.compare_run(root, "henan-default", "henan-default", two)
    h1 = json.loads((one / "run.json").read_text(encoding="utf-8"))
    h2 = json.loads((two / "run.json").read_text(encoding="utf-8"))
    assert h1["inputs_sha256"] != h2["inputs_sha256"]
    assert set(h1["input_files"]) >= {"claims.csv", "dip_cases.csv", "dip_history.csv"}
    assert h1["input_files"]["claims.csv"] == h2["input_files"]["claims.csv"]


def test_compare_has_fund_side_rows(tmp_path: Path) -> None:
    from ._support import copied_pack

    policy_b = copied_pack(tmp_path, "reserves.yaml", "share: 0.05           # local parameter\n"
                           "    clause: \"[N] (4)2: set aside a risk", "share: 0.07           # local parameter\n"
                           "    clause: \"[N] (4)2: set aside a risk")  # fmt: skip
    rows = service.compare_run(WORKED, "henan-default", str(policy_b))
    fund = {r.measure: r for r in rows if r.scope == "fund"}
    assert fund["reserve.risk_adjustment"].difference == Money.of("240000.00")  # 2 % of 12 M
    assert set(fund) >= {"reserve.quality_guarantee", "reserve.major_illness", "risk_fund_used",
                         "carry_forward", "quality_lapse", "fund_closing"}  # fmt: skip


def test_drg_budget_unspent_fund_is_on_the_ledger() -> None:
    policy = policy_variant(lambda d: d["drg"].update(rate_method="budget", low_ratio=None,
                                                      high_ratio=None))  # fmt: skip
    assert policy.drg is not None
    cases = (
        DrgCase("a", "H", CH, "GB19", Decimal("1"), Money.of("100"), 5),
        DrgCase("b", "H", CH, "GB19", Decimal("1"), Money.of("100"), 1),  # excluded: paid cost
    )
    res = settle_drg(cases, policy.drg, 2025, DEFAULT_RULE, Money.of("1000.00"))
    # rate = 1,000 ÷ 1 = 1,000: a is paid 1,000, b (excluded) its cost 100 → 100 over budget
    assert res.unspent == Money.of("-100.00")
    lines = [ln for ln in res.ledger.lines if ln.rule_id == "drg.unspent"]
    assert lines and {ln.account for ln in lines} == {"fund:drg_pool", "fund:carry_forward"}
    assert res.ledger.balance("fund:drg_pool").is_zero
    assert res.ledger.balance("fund:carry_forward") == Money.of("-100.00")
