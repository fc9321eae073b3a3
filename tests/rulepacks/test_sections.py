"""Section packs: one model spread over a pack's files, loaded, checked and quoted by the one
`SectionPacks` machinery (payment and operations policies use it)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import BaseModel, ConfigDict, Field

from yigong.rulepacks import Checks, Issue, IssuesError, SectionPacks, error, seal

from .test_packs import MANIFEST


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Share(_Strict):
    share: Decimal = Field(ge=0, le=1)
    clause: str


class Demo(_Strict):
    id: str
    a: Share
    b: Share


CHECKS: Checks[Demo] = Checks("demo")


@CHECKS.check("shares.sum")
def shares_sum(d: Demo) -> Iterator[Issue]:
    """The two shares sum to at most 1."""
    if d.a.share + d.b.share > 1:
        yield error("shares.sum", "a + b exceed 1", field="b.share")


class DemoError(IssuesError):
    pass


FILES = {
    "policy.yaml": "id: demo-1\n",
    "a.yaml": "a:\n  share: 0.25\n  clause: '[N] first rule'\n",
    "b.yaml": "b:\n  share: 0.5\n  clause: 'Some title 2021 second rule'\n",
}


def _packs(tmp_path: Path, **files: str) -> SectionPacks[Demo]:
    folder = tmp_path / "packs" / "demo-1"
    folder.mkdir(parents=True)
    (folder / "manifest.toml").write_text(MANIFEST, encoding="utf-8")
    (folder / "README.md").write_text("# demo\n", encoding="utf-8")
    (folder / "LICENSE.txt").write_text("Apache-2.0\n", encoding="utf-8")
    for name, text in (FILES | files).items():
        (folder / name).write_text(text, encoding="utf-8")
    seal(folder)
    return SectionPacks(
        tmp_path / "packs", "demo", Demo, CHECKS, DemoError, "demo policy", "yigong/demo/packs"
    )


def test_sections_of_all_files_make_one_model(tmp_path: Path) -> None:
    packs = _packs(tmp_path)
    assert packs.builtin == ("demo-1",)
    demo = packs.load("demo-1")
    assert demo.a.share == Decimal("0.25") and isinstance(demo.b.share, Decimal)
    assert packs.check("demo-1") == []


def test_a_bad_value_is_reported_in_its_file_at_its_line(tmp_path: Path) -> None:
    packs = _packs(tmp_path, **{"b.yaml": "b:\n  clause: x\n  share: 1.5\n"})
    with pytest.raises(DemoError) as info:
        packs.load("demo-1")
    (issue,) = info.value.issues
    assert (issue.file, issue.line, issue.field) == (
        "yigong/demo/packs/demo-1/b.yaml",
        3,
        "b.share",
    )
    assert issue.code.startswith("schema.")


def test_a_check_finding_is_placed_in_the_file_of_its_section(tmp_path: Path) -> None:
    packs = _packs(tmp_path, **{"b.yaml": "b:\n  share: 0.9\n  clause: x\n"})
    (issue,) = packs.check("demo-1")
    assert (issue.code, issue.file, issue.line) == (
        "shares.sum",
        "yigong/demo/packs/demo-1/b.yaml",
        2,
    )


def test_a_section_given_twice_and_bad_yaml_are_errors(tmp_path: Path) -> None:
    packs = _packs(tmp_path, **{"c.yaml": "a:\n  share: 0.1\n  clause: x\n"})
    (issue,) = packs.check("demo-1")
    assert (
        issue.code == "pack.section" and issue.file.endswith("c.yaml") and "a.yaml" in issue.message
    )
    broken = _packs(tmp_path / "x", **{"b.yaml": "b: [\n"})
    with pytest.raises(DemoError, match="b.yaml"):
        broken.load("demo-1")


def test_manifest_id_must_be_the_model_id(tmp_path: Path) -> None:
    packs = _packs(tmp_path, **{"policy.yaml": "id: other\n"})
    (issue,) = packs.check("demo-1")
    assert issue.code == "pack.id" and "'other'" in issue.message


def test_one_file_policy_and_unknown_names(tmp_path: Path) -> None:
    packs = _packs(tmp_path)
    single = tmp_path / "all.yaml"
    single.write_text("".join(FILES.values()), encoding="utf-8")
    assert packs.load(single).b.share == Decimal("0.5")
    with pytest.raises(DemoError, match="no built-in demo policy or file named 'nope'"):
        packs.load("nope")


def test_quotes_name_every_clause_at_its_line(tmp_path: Path) -> None:
    packs = _packs(tmp_path)
    quotes = packs.quotes(lambda text: text.split(" ")[0])
    assert [(q.source, q.item, q.line, Path(q.file).name) for q in quotes] == [
        ("[N]", "a", 3, "a.yaml"),
        ("Some", "b", 3, "b.yaml"),
    ]
