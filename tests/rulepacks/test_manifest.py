"""The one TOML manifest reader: a typed model, or one issue per problem at file:line."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict

from yigong.rulepacks import read_manifest, read_toml_model


class Head(BaseModel):
    model_config = ConfigDict(extra="forbid")
    table: str
    share: float = 0.5


class Spec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    head: Head
    maps: dict[str, str] = {}


def test_a_valid_file_is_its_model(tmp_path: Path) -> None:
    path = tmp_path / "spec.toml"
    path.write_text('[head]\ntable = "t"\n\n[maps]\nsex = "GB/T 2261.1"\n', encoding="utf-8")
    spec, issues = read_toml_model(path, Spec, "x/spec.toml")
    assert issues == [] and spec is not None and spec.maps == {"sex": "GB/T 2261.1"}


def test_schema_errors_each_at_the_line_of_their_key(tmp_path: Path) -> None:
    path = tmp_path / "spec.toml"
    path.write_text(
        '# a spec\n[head]\ntable = "t"\nshare = "half"\ncolour = 1\n\n[maps]\nsex = 2\n',
        encoding="utf-8",
    )
    spec, issues = read_toml_model(path, Spec, "x/spec.toml", code="spec")
    assert spec is None
    assert sorted((i.code, i.file, i.line, i.field) for i in issues) == [
        ("spec.schema", "x/spec.toml", 4, "head.share"),
        ("spec.schema", "x/spec.toml", 5, "head.colour"),
        ("spec.schema", "x/spec.toml", 8, "maps.sex"),
    ]
    assert all("\n" not in str(i) for i in issues)


def test_a_missing_key_is_at_its_table_header(tmp_path: Path) -> None:
    path = tmp_path / "spec.toml"
    path.write_text("\n[head]\nshare = 0.1\n", encoding="utf-8")
    _, issues = read_toml_model(path, Spec, "spec.toml")
    assert [(i.line, i.field) for i in issues] == [(2, "head.table")]


def test_syntax_error_and_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "spec.toml"
    path.write_text('[head]\ntable = "t\n', encoding="utf-8")
    spec, issues = read_toml_model(path, Spec, "spec.toml")
    assert spec is None and [(i.code, i.line) for i in issues] == [("manifest.toml", 2)]
    spec, issues = read_toml_model(tmp_path / "none.toml", Spec, "none.toml")
    assert spec is None and [i.code for i in issues] == ["manifest.missing"]
    manifest, issues = read_manifest(tmp_path, "x/manifest.toml")
    assert manifest is None and [(i.code, i.file) for i in issues] == [
        ("manifest.missing", "x/manifest.toml")
    ]
