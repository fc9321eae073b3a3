"""Policy files: the default loads, numbers are Decimal, and every bad value is reported with
file, line and field."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

from yigong.payment.errors import PolicyError
from yigong.payment.loader import check_policy_pack, load_policy, policy_from_text
from yigong.rulepacks import seal

from ._support import copied_pack, default_policy_files, default_policy_text

DEFAULT_TEXT = default_policy_text()  # the shipped pack's sections as one single-file policy


def _issues(text: str) -> list[str]:
    with pytest.raises(PolicyError) as info:
        policy_from_text(text, "county.yaml")
    return [str(i) for i in info.value.issues]


def test_default_policy_loads_with_decimal_numbers() -> None:
    policy = load_policy("henan-default")
    assert policy.reserves.risk_adjustment.share == Decimal("0.05")
    assert isinstance(policy.prepayment.withhold_share, Decimal)
    assert policy.dip is not None and policy.dip.year_weights == [
        Decimal(1),
        Decimal(2),
        Decimal(7),
    ]
    assert (
        policy.distribution is not None
        and policy.distribution.procurement_surplus.staff_min == Decimal("0.6")
    )


def test_every_number_in_the_default_is_sourced_or_marked_local() -> None:
    """Each number in the default policy has, on its line or on a parent key's line, a source
    tag ([N], [H], [S1]..., [NHSA] for the national statistical bulletins) or the words 'local
    parameter'."""
    tag = re.compile(r"local parameter|\[N\]|\[H\]|\[S\d*|\[NHSA\]|暂行办法|庆阳")
    unexplained = []
    for path in default_policy_files():
        unexplained += _unexplained(path.name, path.read_text(encoding="utf-8"), tag)
    assert unexplained == []


def _unexplained(name: str, text: str, tag: re.Pattern[str]) -> list[str]:
    lines = text.splitlines()
    unexplained = []
    for no, line in enumerate(lines):
        body = line.split("#", 1)[0]
        if body.strip().startswith("clause:"):
            continue
        if (
            not re.search(r"(:|-)\s*\{?\[?[a-z_]*:?\s*-?\d", body)
            or body.strip().startswith(("-", "#"))
            and "{" not in body
            and ":" not in body
        ):
            continue
        indent = len(line) - len(line.lstrip())
        chain = [line]
        for prev in reversed(lines[:no]):
            p_indent = len(prev) - len(prev.lstrip())
            if prev.strip() and not prev.lstrip().startswith("#") and p_indent < indent:
                chain.append(prev)
                indent = p_indent
        if not any("#" in c and tag.search(c.split("#", 1)[1]) for c in chain):
            unexplained.append(f"{name}:{no + 1}: {line.strip()}")
    return unexplained


def test_unknown_file_named() -> None:
    with pytest.raises(PolicyError, match="no built-in policy or file"):
        load_policy("/nonexistent/policy.yaml")


def test_shape_errors_name_line_and_field() -> None:
    text = DEFAULT_TEXT.replace(
        '    share: 0.05           # local parameter\n    clause: "[N] (4)2: set aside a risk',
        '    share: 1.5\n    clause: "[N] (4)2: set aside a risk',
    )
    found = _issues(text)
    line = next(i for i, ln in enumerate(text.splitlines(), 1) if "share: 1.5" in ln)
    assert any(f"county.yaml:{line} [reserves.risk_adjustment.share]" in f for f in found), found


def test_unknown_keys_are_errors() -> None:
    found = _issues(DEFAULT_TEXT.replace("score_decimals: 2 ", "score_decimal: 2 "))
    assert any("score_decimal" in f and "extra" in f.lower() for f in found), found


def test_reserve_shares_must_leave_money_for_quotas() -> None:
    text = DEFAULT_TEXT.replace("share: 0.08", "share: 0.95")
    assert any("reserves.sum" in f for f in _issues(text))


def test_tiers_must_rise_and_end_open() -> None:
    text = DEFAULT_TEXT.replace("- {up_to: 0.10, retained: 0.6}", "- {up_to: 0.03, retained: 0.6}")
    assert any("tiers.order" in f for f in _issues(text))
    text = DEFAULT_TEXT.replace("- {up_to: null, fund_share: 0}", "- {up_to: 0.5, fund_share: 0}")
    found = _issues(text)
    assert any("tiers.open" in f and "sharing.overspend_tiers.2.up_to" in f for f in found), found


def test_bands_must_cover_zero_and_fall() -> None:
    text = DEFAULT_TEXT.replace(
        "- {min_score: 0, share: 0}\n  quality_return",
        "- {min_score: 10, share: 0}\n  quality_return",
    )
    assert any("bands.cover" in f for f in _issues(text))
    text = DEFAULT_TEXT.replace("- {min_score: 80, share: 0.8}", "- {min_score: 95, share: 0.8}")
    assert any("bands.order" in f for f in _issues(text))


def test_history_years_limited_to_three() -> None:
    text = DEFAULT_TEXT.replace("    3: 1\n", "    3: 1\n    4: 1\n")
    assert any("quota.history.years" in f for f in _issues(text))


def test_dip_and_drg_rules_checked() -> None:
    assert any(
        "dip.ratios" in f for f in _issues(DEFAULT_TEXT.replace("low_ratio: 0.5 ", "low_ratio: 1 "))
    )
    text = DEFAULT_TEXT.replace("rate_method: floating_cost", "rate_method: fixed")
    assert any("drg.rate" in f for f in _issues(text))


def test_yaml_syntax_error_has_a_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("id: x\nreserves: [\n", encoding="utf-8")
    with pytest.raises(PolicyError) as info:
        load_policy(path)
    assert info.value.issues[0].line is not None and info.value.issues[0].file == str(path)


def test_a_copied_pack_is_a_user_policy(tmp_path: Path) -> None:
    """Copy the shipped folder, edit one section, point at the folder: it loads, and the pack
    check only warns that the edited file no longer matches its recorded checksum."""
    folder = copied_pack(tmp_path, "quota.yaml", "    1: 7\n    2: 2\n    3: 1\n", "    1: 1\n")
    policy = load_policy(folder)
    assert policy.id == "henan-default" and policy.quota.history_weights == {1: Decimal(1)}
    found = check_policy_pack(folder)
    assert [(i.code, i.level.value, i.field) for i in found] == [
        ("pack.checksum", "warning", "files.quota.yaml")
    ]
    seal(folder)
    assert check_policy_pack(folder) == []


def test_errors_of_a_pack_name_the_section_file_and_line(tmp_path: Path) -> None:
    folder = copied_pack(
        tmp_path,
        "surplus-and-overspend.yaml",
        "- {up_to: 0.10, retained: 0.6}",
        "- {up_to: 0.03, retained: 0.6}",
    )
    with pytest.raises(PolicyError) as info:
        load_policy(folder)
    (issue,) = info.value.issues
    path = folder / "surplus-and-overspend.yaml"
    line = next(
        i
        for i, ln in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if ln.startswith("  surplus_tiers:")
    )
    assert (issue.code, issue.file, issue.line, issue.field) == (
        "tiers.order",
        str(path),
        line,
        "sharing.surplus_tiers",
    )


def test_a_section_given_twice_is_refused(tmp_path: Path) -> None:
    folder = copied_pack(tmp_path, "drg.yaml", "drg:\n", "dip:\n  core_threshold: 3\ndrg:\n")
    with pytest.raises(PolicyError) as info:
        load_policy(folder)
    (issue,) = info.value.issues
    assert issue.code == "pack.section" and issue.file.endswith("drg.yaml") and issue.field == "dip"
    assert "dip.yaml" in issue.message


def test_shipped_pack_is_sealed_and_matches_its_manifest() -> None:
    assert check_policy_pack("henan-default") == []
