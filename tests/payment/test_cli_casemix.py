"""CLI for DIP, DRG, what-if comparison and distribution checks, on the worked-example bundle."""

from __future__ import annotations

import csv
import json
import shutil
from decimal import Decimal
from pathlib import Path

from typer.testing import CliRunner

from yigong.cli.main import app
from yigong.payment.bundle import read_budget_bundle
from yigong.payment.compare import compare_budget
from yigong.payment.loader import load_policy

from ._support import DEFAULT_PACK, WORKED, default_policy_text, policy_variant

runner = CliRunner()


def _variant(tmp_path: Path, old: str, new: str) -> Path:
    path = tmp_path / "variant.yaml"
    text = default_policy_text()  # the shipped pack as one single-file policy
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def test_dip_run_reproducible_and_conserving(tmp_path: Path) -> None:
    for name in ("one", "two"):
        result = runner.invoke(
            app, ["settle", "dip", "-i", str(WORKED), "-o", str(tmp_path / name)]
        )
        assert result.exit_code == 0, result.output
    for f in (tmp_path / "one").iterdir():
        assert f.read_bytes() == (tmp_path / "two" / f.name).read_bytes()
    run = json.loads((tmp_path / "one" / "run.json").read_text(encoding="utf-8"))
    with open(tmp_path / "one" / "dip_hospitals.csv", encoding="utf-8") as fh:
        paid = sum(int(row["settlement"].replace(".", "")) for row in csv.DictReader(fh))
    assert (
        paid + int(run["residual_in_pool"].replace(".", "")) == 4039000
    )  # fen: every fen of 40,390.00 accounted for


def test_drg_run(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["settle", "drg", "-i", str(WORKED), "-o", str(tmp_path / "d"), "--json"]
    )
    assert result.exit_code == 0, result.output
    assert (
        json.loads((tmp_path / "d" / "run.json").read_text(encoding="utf-8"))["rate"] == "16000.00"
    )


def test_warehouse_only_options_are_refused_with_a_bundle(tmp_path: Path) -> None:
    for command, extra in (
        ("budget", ["--fund", "100.00"]),
        ("dip", ["--all-inpatient"]),
        ("drg", ["--drg-fund", "100.00"]),
        ("drg", ["--weights", "w.csv"]),
    ):
        result = runner.invoke(
            app, ["settle", command, "-i", str(WORKED), "-o", str(tmp_path / command), *extra]
        )
        assert result.exit_code == 2, (command, result.output)
        assert "only apply with --db" in result.output
        assert not (tmp_path / command).exists()


def test_compare_shows_differences_per_community_and_institution(tmp_path: Path) -> None:
    variant = _variant(
        tmp_path, "- {up_to: 0.05, fund_share: 0.5}", "- {up_to: 0.05, fund_share: 0.8}"
    )
    result = runner.invoke(
        app,
        [
            "settle",
            "compare",
            "henan-default",
            str(variant),
            "-i",
            str(WORKED),
            "--json",
            "-o",
            str(tmp_path / "cmp"),
        ],
    )
    assert result.exit_code == 0, result.output
    rows = {(r["subject"], r["measure"]): r["B-A"] for r in json.loads(result.output)}
    assert rows[("B", "fund_share")] == "66420.00"  # 221,400 × (0.8 − 0.5)
    assert rows[("B", "net_position")] == "66420.00"
    assert ("A", "fund_share") not in rows  # no difference, not shown
    assert (tmp_path / "cmp" / "compare.csv").is_file()


def test_compare_dip_institution_differences() -> None:
    inputs = read_budget_bundle(WORKED)
    same = compare_budget(inputs, load_policy("henan-default"), load_policy("henan-default"))
    assert all(r.difference.is_zero for r in same)
    more_withheld = policy_variant(lambda d: d["prepayment"].__setitem__("withhold_share", 0))
    rows = compare_budget(inputs, load_policy("henan-default"), more_withheld)
    inst = [r for r in rows if r.scope == "institution"]
    assert inst and all(r.difference.is_zero for r in inst)  # claims are paid in full either way
    assert any(r.measure == "released" and not r.difference.is_zero for r in rows)


def test_compare_includes_dip_when_bundle_has_it(tmp_path: Path) -> None:
    variant = _variant(
        tmp_path, "coefficient_method: by_level ", "coefficient_method: by_level_casemix "
    )
    result = runner.invoke(
        app, ["settle", "compare", "henan-default", str(variant), "-i", str(WORKED), "--json"]
    )
    assert result.exit_code == 0, result.output
    measures = {(r["scope"], r["measure"]) for r in json.loads(result.output)}
    assert ("institution", "dip_settlement") in measures


def test_distribution_check_exit_code() -> None:
    result = runner.invoke(app, ["settle", "distribution", "-i", str(WORKED), "--json"])
    assert result.exit_code == 1
    rows = json.loads(result.output)
    assert [(r["institution"], r["rule"], r["ok"]) for r in rows] == [
        ("A1", "procurement_surplus", "yes"),
        ("A2", "township_incentive", "yes"),
        ("A2", "family_doctor", "yes"),
        ("B2", "township_incentive", "NO"),
        ("B2", "family_doctor", "NO"),
    ]


def test_policy_without_section_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "nodip"  # a user pack without the DIP section file
    shutil.copytree(DEFAULT_PACK, path)
    (path / "dip.yaml").unlink()
    result = runner.invoke(
        app, ["settle", "dip", "-i", str(WORKED), "-o", str(tmp_path / "x"), "-p", str(path)]
    )
    assert result.exit_code == 2 and "no 'dip' section" in result.output


def test_drg_weight_table_and_missing_weight(tmp_path: Path) -> None:
    import shutil

    from yigong.payment.bundle_casemix import read_drg_bundle
    from yigong.payment.errors import PaymentInputError

    inputs = read_drg_bundle(WORKED)
    assert next(c for c in inputs.cases if c.case_id == "c").weight == Decimal(
        "0.5"
    )  # from drg_weights.csv
    bundle = tmp_path / "b"
    shutil.copytree(WORKED, bundle)
    (bundle / "drg_weights.csv").unlink()
    try:
        read_drg_bundle(bundle)
    except PaymentInputError as exc:
        assert [(i.line, i.field, i.code) for i in exc.issues] == [(4, "weight", "drg.weight")]
    else:
        raise AssertionError("a case without weight must be an error")
