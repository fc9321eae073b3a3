"""Packs holding one YAML file: read from a built-in id, a folder or the file itself, validated
by a model (or the engine's parser), then its semantic checks; every problem at file:line."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict

from yigong.rulepacks import (
    Issue,
    Level,
    SourceFile,
    load_one_file_pack,
    one_file_quotes,
    parse_one_file,
    seal,
)

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

[files]
"""

RULES = """\
source: a test
limit: 3
clause: "第三条 上限为三"
items:
  - {name: a, size: 1}
  - {name: b, size: 2}
"""


class Item(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    size: int


class Rules(BaseModel):
    model_config = ConfigDict(extra="forbid")
    source: str
    limit: int
    clause: str
    items: list[Item]


def _semantic(rules: Rules, src: SourceFile) -> list[Issue]:
    """An item larger than the limit is an error; an empty list a warning."""
    out = [
        src.issue("too-big", f"{item.name} is above the limit", ("items", n, "size"))
        for n, item in enumerate(rules.items)
        if item.size > rules.limit
    ]
    if not rules.items:
        out.append(src.issue("empty", "no items", ("items",), Level.WARNING))
    return out


def _pack(root: Path, files: dict[str, str]) -> Path:
    folder = root / "demo-1"
    folder.mkdir(parents=True)
    (folder / "manifest.toml").write_text(MANIFEST, encoding="utf-8")
    (folder / "README.md").write_text("# demo\n", encoding="utf-8")
    (folder / "LICENSE.txt").write_text("Apache-2.0\n", encoding="utf-8")
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    seal(folder)
    return folder


def _load(root: Path, ref: str | Path) -> tuple[Rules | None, list[Issue]]:
    return load_one_file_pack(root, ref, "demo", Rules, _semantic)


def test_a_builtin_pack_by_id_and_a_copy_by_folder(tmp_path: Path) -> None:
    root = tmp_path / "packs"
    folder = _pack(root, {"rules.yaml": RULES})
    for ref in ("demo-1", folder):
        rules, issues = _load(root, ref)
        assert issues == [] and rules is not None and [i.size for i in rules.items] == [1, 2]


def test_a_pack_with_two_yaml_files_is_refused_at_its_manifest(tmp_path: Path) -> None:
    root = tmp_path / "packs"
    _pack(root, {"rules.yaml": RULES, "more.yaml": RULES})
    rules, issues = _load(root, "demo-1")
    assert rules is None
    assert [(i.code, i.file, i.field) for i in issues] == [
        ("pack.files", "demo-1/manifest.toml", "files")
    ]
    assert "exactly one YAML file" in issues[0].message and "lists 2" in issues[0].message


def test_a_bare_yaml_file_is_accepted_and_named_as_given(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(RULES.replace("size: 2", "size: 9"), encoding="utf-8")
    rules, issues = _load(tmp_path / "no-packs-here", path)
    assert rules is None  # read, validated and checked: no folder needed
    assert [(i.code, i.file, i.line, i.field) for i in issues] == [
        ("too-big", str(path), 6, "items.1.size")
    ]
    path.write_text(RULES, encoding="utf-8")
    rules, issues = _load(tmp_path / "no-packs-here", str(path))
    assert issues == [] and rules is not None


def test_a_model_error_is_located_at_file_and_line(tmp_path: Path) -> None:
    root = tmp_path / "packs"
    _pack(root, {"rules.yaml": RULES.replace("size: 2", "size: two")})
    rules, issues = _load(root, "demo-1")
    assert rules is None
    assert [(i.code, i.file, i.line, i.field) for i in issues] == [
        ("schema", "demo-1/rules.yaml", 6, "items.1.size")
    ]
    assert str(issues[0]).startswith("demo-1/rules.yaml:6 [items.1.size]: error schema:")


def test_semantic_issues_are_returned_as_values(tmp_path: Path) -> None:
    root = tmp_path / "packs"
    _pack(root, {"rules.yaml": "source: s\nlimit: 1\nclause: c\nitems: []\n"})
    rules, issues = _load(root, "demo-1")  # a warning: the rules are usable
    assert rules is not None
    assert [(i.level, i.code, i.line) for i in issues] == [(Level.WARNING, "empty", 4)]
    text = RULES.replace("size: 2", "size: 5")
    rules, issues = parse_one_file(text, "x.yaml", Rules, _semantic)  # an error: refused
    assert rules is None and [(i.code, i.line) for i in issues] == [("too-big", 6)]


def test_a_yaml_syntax_error_is_located(tmp_path: Path) -> None:
    rules, issues = parse_one_file("source: a\nlimit: [3\n", "x.yaml", Rules)
    assert rules is None and [(i.code, i.file) for i in issues] == [("yaml", "x.yaml")]
    assert issues[0].line is not None


def test_an_engine_parser_instead_of_a_model() -> None:
    def parse(src: SourceFile) -> tuple[int | None, list[Issue]]:
        limit = src.data.get("limit")
        if not isinstance(limit, int):
            return None, [src.issue("limit", "limit must be a whole number", ("limit",))]
        return limit, []

    assert parse_one_file(RULES, "x.yaml", parse) == (3, [])
    value, issues = parse_one_file("source: a\nlimit: 1.5\n", "x.yaml", parse, decimals=False)
    assert value is None and [(i.code, i.line) for i in issues] == [("limit", 2)]


def test_quotes_of_every_builtin_pack_at_their_lines(tmp_path: Path) -> None:
    root = tmp_path / "packs"
    _pack(root, {"rules.yaml": RULES})
    quotes = one_file_quotes(
        root,
        "demo",
        lambda data: [(("clause",), "the limit", data["source"]), (("missing",), "x", "y")],
    )
    assert [(q.text, q.source, q.pack, q.item, q.line) for q in quotes] == [
        ("第三条 上限为三", "a test", "demo-1", "the limit", 3)
    ]
    assert quotes[0].file.endswith("demo-1/rules.yaml")
