"""Helpers for payment tests: the worked-example bundle and policy variants."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from yigong.payment.loader import PACKS_DIR, policy_sources
from yigong.payment.policy import Policy
from yigong.rulepacks import open_pack

DATA = Path(__file__).parent / "data"
WORKED = DATA / "worked_example"
DEFAULT_PACK = PACKS_DIR / "henan-default"


def default_policy_files() -> list[Path]:
    """The section files of the shipped policy pack, in the order the loader reads them."""
    pack, _ = open_pack(PACKS_DIR, "henan-default", "payment-policy")
    assert pack is not None
    return sorted(pack.data_files(), key=lambda p: (p.name != "policy.yaml", p.name))


def default_policy_text() -> str:
    """The shipped policy as one single-file policy (its section files one after the other)."""
    return "\n".join(p.read_text(encoding="utf-8") for p in default_policy_files())


def default_policy_data() -> dict[str, Any]:
    pack, _ = open_pack(PACKS_DIR, "henan-default", "payment-policy")
    assert pack is not None
    data: dict[str, Any] = {}
    for src in policy_sources(pack):
        data.update(src.data)
    return data


def policy_variant(change: Callable[[dict[str, Any]], None]) -> Policy:
    """The default policy with ``change`` applied to its raw data, validated again."""
    data = default_policy_data()
    change(data)
    return Policy.model_validate(data)


def copied_pack(root: Path, file: str, old: str, new: str) -> Path:
    """A user copy of the shipped policy pack with ``old`` replaced by ``new`` in one file."""
    folder = root / "county-policy"
    shutil.copytree(DEFAULT_PACK, folder)
    path = folder / file
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {file}: update the test"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return folder
