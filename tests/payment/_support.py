"""Helpers for payment tests: the worked-example bundle and policy variants."""

from __future__ import annotations

from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

from yigong.payment.policy import Policy
from yigong.payment.yamlio import load_with_lines

DATA = Path(__file__).parent / "data"
WORKED = DATA / "worked_example"


def default_policy_data() -> dict[str, Any]:
    text = (
        resources.files("yigong.payment")
        .joinpath("policies", "henan-default.yaml")
        .read_text(encoding="utf-8")
    )
    data, _ = load_with_lines(text)
    return data


def policy_variant(change: Callable[[dict[str, Any]], None]) -> Policy:
    """The default policy with ``change`` applied to its raw data, validated again."""
    data = default_policy_data()
    change(data)
    return Policy.model_validate(data)
