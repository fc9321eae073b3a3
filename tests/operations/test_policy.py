"""The operations policy pack: loads, and a broken copy is reported at its file and line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from yigong.operations.errors import OperationsPolicyError
from yigong.operations.loader import PACKS_DIR, check_policy_pack, load_operations_policy
from yigong.rulepacks import seal


def test_the_built_in_pack_is_clean() -> None:
    assert check_policy_pack("national-2021") == []
    p = load_operations_policy()
    assert [t.source.value for t in p.allocation.tiers] == [
        "administrative", "medical_support", "medical_technology"]  # fmt: skip


def _copy(tmp_path: Path, file: str, old: str, new: str) -> Path:
    folder = tmp_path / "national-2021"
    shutil.copytree(PACKS_DIR / "national-2021", folder)
    path = folder / file
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    seal(folder)
    return folder


def test_costs_may_not_flow_up(tmp_path: Path) -> None:
    folder = _copy(tmp_path, "cost-allocation.yaml", "receivers: [clinical]",
                   "receivers: [medical_support]")  # fmt: skip
    with pytest.raises(OperationsPolicyError) as err:
        load_operations_policy(folder)
    (issue,) = [i for i in err.value.issues if i.code == "allocation.order"]
    assert issue.file.endswith("cost-allocation.yaml") and issue.line == 23


def test_every_element_needs_a_case_cost_rule(tmp_path: Path) -> None:
    folder = _copy(tmp_path, "case-cost.yaml", "    - {element: other, driver: bed_days}\n", "")
    with pytest.raises(OperationsPolicyError) as err:
        load_operations_policy(folder)
    assert any("no rule for element other" in i.message for i in err.value.issues)


def test_an_unknown_driver_names_its_line(tmp_path: Path) -> None:
    folder = _copy(tmp_path, "cost-allocation.yaml", "driver: revenue        # 收入比重 (K); local choice\n      fallback: [staff, area]\n      clause: \"公立医院成本核算规范 二级",
                   "driver: vibes\n      fallback: [staff, area]\n      clause: \"公立医院成本核算规范 二级")  # fmt: skip
    with pytest.raises(OperationsPolicyError) as err:
        load_operations_policy(folder)
    (issue,) = err.value.issues
    assert issue.field == "allocation.tiers.1.driver" and issue.line == 18
