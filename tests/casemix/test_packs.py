"""Packs: shipped packs validate; overlays resolve to the recorded tables; broken packs are
reported with file, line, field and reason; a QY-enabled variant yields ``ambiguous``."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.casemix.drg_helpers import HANDAN, NATIONAL
from yigong.casemix import Case, Level, explain_case, group_cases, read_pack, validate_pack
from yigong.casemix.contract import cases_to_table
from yigong.casemix.packs import available_packs

ZERO = "0" * 64


def test_shipped_packs_are_valid():
    assert set(available_packs()) >= {NATIONAL, HANDAN}
    for pid in (NATIONAL, HANDAN):
        assert validate_pack(pid) == []


def test_handan_is_an_overlay_with_the_readme_counts():
    han = read_pack(HANDAN)
    assert han.manifest.pack.kind == "overlay" and han.manifest.pack.base == NATIONAL
    assert han.chain == (NATIONAL, HANDAN)
    assert not (han.folder / "adrg.csv").exists()  # data is a diff, not a copy
    rows = {name: len(t.rows) for name, t in han.tables.items()}
    assert rows["adrg"] == 379 and rows["drg"] == 619 and rows["adrg_codes"] == 59409
    assert (
        rows["procedures"] == 13684
        and rows["mdc_procedures"] == 2
        and rows["unused_rule_codes"] == 30
    )
    nat = read_pack(NATIONAL)
    assert {n: len(t.rows) for n, t in nat.tables.items()}["drg"] == 628
    assert (
        han.manifest.source.licence == "Apache-2.0"
        and (han.folder / "LICENSE-OpenDRG.txt").is_file()
    )


def _overlay(tmp_path: Path, diffs: dict[str, str], rows: dict[str, int] | None = None) -> Path:
    folder = tmp_path / "test-overlay"
    folder.mkdir()
    shutil.copyfile(
        read_pack(NATIONAL).folder / "LICENSE-OpenDRG.txt", folder / "LICENSE-OpenDRG.txt"
    )
    tables = ""
    for name, text in diffs.items():
        (folder / f"{name}.diff.csv").write_text(text, encoding="utf-8")
        n = (rows or {}).get(name, 26)
        tables += f'[tables.{name}]\nrows = {n}\nsha256 = "{ZERO}"\ndiff = "{name}.diff.csv"\n\n'
    (folder / "manifest.toml").write_text(
        f'''[pack]
id = "test-overlay"
title = "test"
scheme = "CHS-DRG"
scheme_version = "1.1-test"
region = "test"
kind = "overlay"
base = "{NATIONAL}"

[source]
issuer = "test"
document = "test"
tables_from = "test"
licence = "Apache-2.0"
licence_file = "LICENSE-OpenDRG.txt"
credit = "test"

{tables}''',
        encoding="utf-8",
    )
    return folder


def test_qy_enabled_variant_gives_ambiguous(tmp_path):
    header = "op,mdc,order,name,entry_rule,qy_enabled,qy_rule,qy_after_seq\n"
    folder = _overlay(tmp_path, {"mdc": header + "+,MDCB,7,,principal_dx,1,any_or_procedure,11\n"})
    scheme = str(folder)
    # MDCB principal diagnosis with an OR procedure that no surgical MDCB rule lists
    surgical = Case("s", 1, 50, None, None, ("I61.900x002",), ("01.3900x009",))
    assert (
        explain_case(surgical, NATIONAL).adrg == "BB2"
    )  # BB2 is rule 2 <= qy_after_seq: still decides
    odd = Case("q", 1, 50, None, None, ("I61.900x002",), ("86.0401",))
    nat = explain_case(odd, NATIONAL)
    assert (
        nat.status == "grouped" and nat.mdc == "MDCB" and nat.adrg[1] >= "R"
    )  # medical group nationally
    tr = explain_case(odd, scheme)
    assert (tr.status, tr.mdc, tr.adrg, tr.drg) == ("ambiguous", "MDCB", "QY", "BQY")
    res = group_cases(cases_to_table([surgical, odd]), scheme).to_pylist()
    assert [(r["status"], r["adrg"]) for r in res] == [("grouped", "BB2"), ("ambiguous", "QY")]
    assert res[1]["drg"] == "BQY" and res[1]["mdc"] == "MDCB"
    # the validator notices that the recorded checksum is not the resolved one
    codes = {i.code for i in validate_pack(folder)}
    assert "table.sha256" in codes


def test_validator_reports_file_line_field(tmp_path):
    header = "op,rule_id,adrg,mdc,seq,name,rule,tag_expr,newborn_max_age_days,weight_min_g,weight_max_g\n"
    folder = _overlay(
        tmp_path,
        {
            "adrg": header
            + "+,BB1,BB1,MDCB,1,x,principal_magic,,,,\n"
            + "-,NOPE,,,,,,,,,\n"
            + "*,BB2,BB2,MDCB,2,x,principal_proc,,,,\n"
        },
        rows={"adrg": 376},
    )
    issues = validate_pack(folder)
    by_code = {i.code: i for i in issues}
    choice = by_code["value.choice"]
    assert (choice.file, choice.line, choice.field) == ("adrg.diff.csv", 2, "rule")
    assert by_code["overlay.missing"].line == 3
    assert by_code["overlay.op"].line == 4 and by_code["overlay.op"].field == "op"
    assert all(i.level is Level.ERROR for i in issues if i.code != "file.unlisted")


def test_validator_checks_rule_vocabulary_and_references(tmp_path):
    h = "op,rule_id,adrg,list,code,tag\n"
    folder = _overlay(
        tmp_path,
        {"adrg_codes": h + "+,BB1,BB1,proc3,01.2413,\n+,ZZZ9,ZZZ,dx,A00.000,\n"},
        rows={"adrg_codes": 58846},
    )
    issues = validate_pack(folder)
    assert any(i.code == "table.sha256" for i in issues)
    codes = {(i.code, i.line) for i in issues}
    assert ("rule.list", 2) in codes  # principal_dx_and_principal_proc never consults proc3
    assert ("ref.rule", 3) in codes


def test_full_pack_tamper_is_detected(tmp_path):
    src = read_pack(NATIONAL).folder
    dest = tmp_path / "copy"
    shutil.copytree(src, dest)
    text = (dest / "drg.csv").read_text(encoding="utf-8").replace("BB21,BB2,", "BB21,BB9,", 1)
    (dest / "drg.csv").write_text(text, encoding="utf-8")
    codes = {i.code for i in validate_pack(dest)}
    assert {"file.sha256", "table.sha256"} <= codes


@pytest.mark.parametrize("scheme", [NATIONAL, HANDAN])
def test_every_adrg_has_its_last_drg_always(scheme):
    pack = read_pack(scheme)
    last = {}
    for r in pack.tables["drg"].dicts():
        if r["adrg"] not in last or int(r["seq"]) > int(last[r["adrg"]]["seq"]):
            last[r["adrg"]] = r
    assert {r["condition"] for r in last.values()} == {"always"}


def test_a_hand_written_regional_overlay_is_refreshed_and_validates(tmp_path):
    """The documented recipe for a new regional variant: diff files + refresh + check."""
    from yigong.casemix.packbuild import refresh

    header = "op,drg,adrg,name,seq,condition\n"
    # region X does not split BB2: drop BB21 and make BB25 the only (always) DRG, renamed BB29
    diff = header + "-,BB21,,,,\n-,BB25,,,,\n+,BB29,BB2,除创伤之外的其他开颅术,1,always\n"
    folder = _overlay(tmp_path, {"drg": diff})
    text = (
        (folder / "manifest.toml")
        .read_text(encoding="utf-8")
        .replace(f'rows = 26\nsha256 = "{ZERO}"\n', "")
    )
    (folder / "manifest.toml").write_text(text, encoding="utf-8")
    refresh(folder)
    issues = [i for i in validate_pack(folder) if i.level is Level.ERROR]
    assert issues == []
    c = Case("r", 2, 67, None, None, ("I61.900x002", "G93.501"), ("01.3900x009",))
    assert explain_case(c, str(folder)).drg == "BB29"
    assert explain_case(c, NATIONAL).drg == "BB21"


def test_a_broken_manifest_is_one_issue_per_problem_at_its_line(tmp_path):
    from yigong.casemix import PackError

    folder = _overlay(tmp_path, {})
    text = (folder / "manifest.toml").read_text(encoding="utf-8")
    text = text.replace('region = "test"\n', 'region = "test"\ncolour = "blue"\n')
    text = text.replace('issuer = "test"\n', "")
    (folder / "manifest.toml").write_text(text, encoding="utf-8")
    lines = text.splitlines()
    with pytest.raises(PackError) as exc:
        read_pack(folder)
    found = {(i.code, i.file, i.line, i.field) for i in exc.value.issues}
    assert found == {
        ("manifest.schema", "manifest.toml", lines.index('colour = "blue"') + 1, "pack.colour"),
        ("manifest.schema", "manifest.toml", lines.index("[source]") + 1, "source.issuer"),
        ("manifest.schema", "manifest.toml", None, "tables"),  # no [tables] at all: the file
    }
    assert all("\n" not in str(i) for i in exc.value.issues)
