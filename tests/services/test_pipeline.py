"""The pipeline runs its steps in order, numbers what it says, reports a step whose inputs are
missing as "not run" with the reason, and stops on any other error."""

from __future__ import annotations

from pathlib import Path

import pytest

from yigong.payment import PaymentInputError
from yigong.rulepacks import Issue, Level
from yigong.services.pipeline import PIPELINE, Run, Step, run_steps

RUN = Run(Path("w.duckdb"), Path("."), "130423", 2024, 1)


def _missing(_: Run) -> None:
    raise PaymentInputError([Issue(Level.ERROR, "history", "no three years of history", "x")])


def test_steps_run_in_order_and_a_missing_input_is_not_run():
    said: list[str] = []
    steps = (
        Step(lambda r: "one", lambda r: f"first {r.county}", lambda r: 1),
        Step(lambda r: "two", lambda r: "second", _missing, (PaymentInputError,)),
        Step(lambda r: "three", lambda r: "third", lambda r: r.year),
    )
    out = run_steps(RUN, said.append, first=4, total=6, steps=steps)
    assert said == ["4/6 one", "5/6 two", "6/6 three"]
    assert out[0] == ("first 130423", 1) and out[2] == ("third", 2024)
    assert out[1][0] == "second" and out[1][1].startswith("not run: ")
    assert "no three years of history" in out[1][1]


def test_any_other_error_stops_the_pipeline():
    steps = (Step(lambda r: "one", lambda r: "first", _missing),)
    with pytest.raises(PaymentInputError):
        run_steps(RUN, lambda _: None, steps=steps)


def test_the_pipeline_names_every_engine_once():
    said = [s.says(RUN).split(":")[0] for s in PIPELINE]
    assert len(said) == len(set(said)) >= 8
