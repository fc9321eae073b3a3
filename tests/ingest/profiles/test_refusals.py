"""What cannot be read is refused in one line naming the file and what to do: a password-
protected workbook, a legacy .xls, a sheet with merged header cells, a header no layout
matches. A county's local variant is a copied profile folder, no code."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest
from openpyxl import Workbook

from tests.ingest.conftest import KEY
from tests.ingest.profiles.frontpage import front_page
from yigong.ingest import IngestError, ingest_paths
from yigong.ingest.profiles.packs import ENV_VAR, SHIPPED


def _one_line(exc: pytest.ExceptionInfo) -> str:
    text = str(exc.value)
    assert "\n" not in text
    return text


def _workbook(path, rows):
    wb = Workbook()
    for r in rows:
        wb.active.append(r)
    wb.save(path)
    return path


def test_a_password_protected_workbook(files, wh, tmp_path):
    from msoffcrypto.format.ooxml import OOXMLFile

    plain = _workbook(tmp_path / "plain.xlsx", [["病案号", "性别"], ["B1", "1"]])
    locked = tmp_path / "病案首页.xlsx"
    with plain.open("rb") as src, locked.open("wb") as dst:
        OOXMLFile(src).encrypt("secret", dst)
    with pytest.raises(IngestError) as exc:
        ingest_paths(wh, [locked], table="discharges", key=KEY)
    text = _one_line(exc)
    assert str(locked) in text and "password-protected" in text and "remove the password" in text


def test_a_legacy_xls(wh, tmp_path):
    fake = tmp_path / "discharges.xlsx"
    fake.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 1024)
    with pytest.raises(IngestError, match="legacy .xls"):
        ingest_paths(wh, [fake], key=KEY)


def test_merged_header_cells(files, wh, tmp_path):
    path = tmp_path / "病案首页.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.append(["病案号", "性别", "手术1", None, None])
    ws.append(["病案号", "性别", "编码", "日期", "级别"])
    ws.append(["B1", "1", "36.0601", "2024-03-02", "4"])
    ws.merge_cells("C1:E1")  # a two-level header
    wb.save(path)
    with pytest.raises(IngestError) as exc:
        ingest_paths(wh, [path], table="discharges", key=KEY)
    text = _one_line(exc)
    assert "merged cells" in text and "unmerge" in text and str(path) in text


def test_a_header_no_layout_matches(wh, tmp_path):
    path = tmp_path / "导出数据.csv"
    path.write_text("编号,金额,备注\n1,2,3\n", encoding="utf-8")
    with pytest.raises(IngestError) as exc:
        ingest_paths(wh, [path], key=KEY)
    text = _one_line(exc)
    assert "matches no layout" in text and "--profile" in text and "docs/ingest.md" in text
    # in a folder it is not taken for an extract
    from yigong.ingest import collect

    assert collect([tmp_path]) == []


def test_a_local_variant_is_a_copied_folder(files, wh, tmp_path, monkeypatch):
    ingest_paths(wh, [files], key=KEY)
    local = tmp_path / "profiles" / "ws445-linzhang"
    shutil.copytree(SHIPPED / "ws445-frontpage", local)
    manifest = (local / "manifest.toml").read_text(encoding="utf-8")
    manifest = manifest.replace('id = "ws445-frontpage"', 'id = "ws445-linzhang"')
    (local / "manifest.toml").write_text(manifest, encoding="utf-8")
    fields = (local / "fields.csv").read_text(encoding="utf-8")
    fields = fields.replace(",LYFS,离院方式,,", ",LYFS,离院方式,离院情况,")  # the county's header
    (local / "fields.csv").write_text(fields, encoding="utf-8")
    codes = (local / "codes.csv").read_text(encoding="utf-8")
    (local / "codes.csv").write_text(codes + "sex,男性,1,local spelling\n", encoding="utf-8")
    path = front_page(tmp_path / "病案首页.csv", [{"性别": "男性"}])
    path.write_text(path.read_text("utf-8").replace("离院方式", "离院情况"), encoding="utf-8")
    monkeypatch.setenv(ENV_VAR, str(local.parent))
    (rep,) = ingest_paths(wh, [path], key=KEY, profile="ws445-linzhang")
    assert (rep.profile, rep.rows_accepted) == ("ws445-linzhang", 1), rep.samples
    # a broken copy is refused with the reason, not half-used
    (local / "codes.csv").write_text(codes + "sex,男性,7,\n", encoding="utf-8")
    with pytest.raises(IngestError, match="value map sex gives"):
        ingest_paths(wh, [path], key=KEY, profile="ws445-linzhang")


def test_the_cli_says_which_profile_it_used(files, tmp_path):
    (tmp_path / "export").mkdir()
    path = front_page(tmp_path / "export" / "病案首页.csv", [{}])
    cmd = [sys.executable, "-c", "from yigong.cli.main import app; app()", "ingest", str(files)]
    cmd += [str(path.parent), "--db", str(tmp_path / "wh.duckdb")]
    env = {
        **os.environ,
        "YIGONG_PSEUDONYM_KEY": "k-0123456789abcdefghijklmnopqrstuvwxyz",
        "COLUMNS": "200",
    }
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "layout profile ws445-frontpage" in proc.stdout
    bad = subprocess.run(
        [*cmd, "--profile", "nope"], capture_output=True, text=True, env=env, timeout=300
    )
    out = bad.stdout + bad.stderr
    assert bad.returncode == 2 and "no layout profile 'nope'" in out and "Traceback" not in out
