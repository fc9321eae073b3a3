"""The rules pack loads, and a broken copy is refused with file, line and field."""

from __future__ import annotations

import shutil

import pytest

from yigong.public_health.loader import (
    PACKS_DIR,
    PublicHealthRulesError,
    check_rules_pack,
    load_rules,
    policy_quotes,
)


def test_builtin_pack():
    r = load_rules()
    assert r.chronic["hypertension"].followups_per_year == 4
    assert r.control_rule("hypertension", 70).sbp_below == 150
    assert r.control_rule("hypertension", 64).sbp_below == 140
    assert check_rules_pack(PACKS_DIR / "national-2017") == []
    assert any("考核结果" in q.text for q in policy_quotes())


def _broken(tmp_path, old, new):
    folder = tmp_path / "mine"
    shutil.copytree(PACKS_DIR / "national-2017", folder)
    path = folder / "rules.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
    return folder, [i for i in check_rules_pack(folder) if i.level.value == "error"]


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ("unit: doses", "unit: jabs", "programmes.vaccination.unit"),
        (
            "followups_per_year: 4",
            "followups_per_year: 40",
            "chronic.hypertension.followups_per_year",
        ),
        ('prevalence: "0.275"', 'prevalence: "1.5"', "chronic.hypertension.prevalence"),
    ],
)
def test_broken_copy_names_line_and_field(tmp_path, old, new, field):
    folder, issues = _broken(tmp_path, old, new)
    assert [i.field for i in issues] == [field]
    assert issues[0].line and issues[0].file.endswith("rules.yaml")
    with pytest.raises(PublicHealthRulesError):
        load_rules(folder)
