"""The pack convention: a versioned folder with manifest, README, licence and checksums; built-in
packs by id, user packs by folder; an edited copy warns until it is sealed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from yigong.rulepacks import PackNotFound, open_pack, open_packs, resolve, seal

MANIFEST = """\
[pack]
id = "demo-1"
version = "1"
kind = "demo"
title_zh = "示例"
title_en = "Demo"

[source]
issuer = "yigong authors"
document = "a test"
licence = "Apache-2.0"
licence_file = "LICENSE.txt"

[effective]
from = 2024-01-01

[files]
"""


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A folder of built-in packs holding one sealed pack ``demo-1``."""
    folder = tmp_path / "packs" / "demo-1"
    folder.mkdir(parents=True)
    (folder / "manifest.toml").write_text(MANIFEST, encoding="utf-8")
    (folder / "README.md").write_text("# demo\n", encoding="utf-8")
    (folder / "LICENSE.txt").write_text("Apache-2.0\n", encoding="utf-8")
    (folder / "rules.yaml").write_text("rules: []\n", encoding="utf-8")
    seal(folder)
    return tmp_path / "packs"


def test_a_sealed_builtin_pack_opens_clean(root: Path) -> None:
    pack, issues = open_pack(root, "demo-1", "demo")
    assert issues == [] and pack is not None and pack.builtin
    assert (pack.id, pack.version, pack.kind) == ("demo-1", "1", "demo")
    assert [p.name for p in pack.data_files()] == ["rules.yaml"]
    assert pack.manifest.effective.start is not None and pack.manifest.effective.start.year == 2024


def test_builtin_packs_by_id_user_packs_by_folder(root: Path, tmp_path: Path) -> None:
    assert resolve(root, "demo-1") == (root / "demo-1", True)
    copy = tmp_path / "mine"
    shutil.copytree(root / "demo-1", copy)
    assert resolve(root, copy) == (copy, False)
    with pytest.raises(PackNotFound, match="demo-1"):
        resolve(root, "nope")


def test_an_edited_builtin_is_an_error_an_edited_copy_a_warning(root: Path, tmp_path: Path) -> None:
    copy = tmp_path / "mine"
    shutil.copytree(root / "demo-1", copy)
    for folder in (root / "demo-1", copy):
        (folder / "rules.yaml").write_text("rules: [1]\n", encoding="utf-8")
    _, found = open_pack(root, "demo-1", "demo")
    assert [(i.code, i.level.value, i.field) for i in found] == [
        ("pack.checksum", "error", "files.rules.yaml")
    ]
    _, found = open_pack(root, copy, "demo")
    assert [(i.code, i.level.value) for i in found] == [("pack.checksum", "warning")]
    assert "yigong packs seal" in found[0].message
    seal(copy)
    assert open_pack(root, copy, "demo")[1] == []


def test_the_folder_convention_is_checked(root: Path) -> None:
    folder = root / "demo-1"
    (folder / "README.md").unlink()
    (folder / "extra.yaml").write_text("x: 1\n", encoding="utf-8")
    manifest = folder / "manifest.toml"
    manifest.write_text(
        manifest.read_text(encoding="utf-8").replace('id = "demo-1"', 'id = "other"'),
        encoding="utf-8",
    )
    _, found = open_pack(root, "demo-1", "wrong-kind")
    codes = sorted(i.code for i in found)
    assert codes == ["pack.files", "pack.files", "pack.id", "pack.kind", "pack.readme"]


def test_a_bad_manifest_names_its_line(root: Path) -> None:
    manifest = root / "demo-1" / "manifest.toml"
    manifest.write_text(
        manifest.read_text(encoding="utf-8").replace('version = "1"\n', "colour = 3\n"),
        encoding="utf-8",
    )
    pack, found = open_pack(root, "demo-1", "demo")
    assert pack is None
    assert {(i.code, i.field, i.line) for i in found} == {
        ("manifest.schema", "pack.version", 1),
        ("manifest.schema", "pack.colour", 3),
    }
    manifest.write_text("[pack\n", encoding="utf-8")
    pack, found = open_pack(root, "demo-1", "demo")
    assert pack is None and found[0].code == "manifest.toml" and found[0].line == 1


def test_open_packs_opens_every_builtin(root: Path) -> None:
    packs, issues = open_packs(root, None, "demo")
    assert [p.id for p in packs] == ["demo-1"] and issues == []
