"""100 % agreement with the reference results on every sample case, for both schemes."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from tests.casemix.drg_helpers import SAMPLES, SCHEMES, batch, expected_rows, per_case
from yigong.casemix import read_cases_csv, table_to_cases
from yigong.cli.main import app


@pytest.fixture(scope="module")
def sample_cases():
    return table_to_cases(read_cases_csv(SAMPLES / "cases.csv"))


@pytest.mark.parametrize("scheme", list(SCHEMES))
@pytest.mark.parametrize("engine", [batch, per_case], ids=["batch", "explain"])
def test_every_sample_matches(scheme, engine, sample_cases):
    expected = expected_rows(scheme)
    assert len(expected) == len(sample_cases) == 2024
    got = engine(sample_cases, scheme)
    mismatches = [
        (e["case_id"], g[:4], (e["status"], e["mdc"], e["adrg"], e["drg"]))
        for g, e in zip(got, expected, strict=True)
        if g[:4] != (e["status"], e["mdc"], e["adrg"], e["drg"])
    ]
    assert mismatches == []


@pytest.mark.parametrize("scheme", list(SCHEMES))
def test_batch_and_explain_agree_on_the_deciding_rule(scheme, sample_cases):
    assert batch(sample_cases, scheme) == per_case(sample_cases, scheme)


@pytest.mark.parametrize("scheme", list(SCHEMES))
def test_file_contract_reproduces_the_expected_file_byte_for_byte(scheme, tmp_path):
    out = tmp_path / "out.csv"
    res = CliRunner().invoke(
        app, ["drg", "group", str(SAMPLES / "cases.csv"), "--scheme", scheme, "-o", str(out)]
    )
    assert res.exit_code == 0, res.output
    assert out.read_text(encoding="utf-8") == (SAMPLES / SCHEMES[scheme]).read_text(
        encoding="utf-8"
    )
