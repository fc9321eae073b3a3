"""Task files: the built-in ones validate; bad files give named errors with file, line, field."""

from __future__ import annotations

from pathlib import Path

import pytest

from yigong.indicators.loader import load_catalog
from yigong.reform import TaskError, load_tasks, require_valid, validate
from yigong.reform.loader import builtin_paths
from yigong.rulepacks import Level

HEAD = """kind: reform-tasks
set: {set}
edition: "1"
title_zh: 测试
title_en: test
source: {{letter: T, file: t.txt, credit: test text}}
tasks:
"""

TASK = """  - id: {id}
    title_zh: 任务
    title_en: task
    source: {{para: 3, quote: "the quote"}}
    lead_note: not named
    owner: county
    binds: [county]
{deadline}    indicators: [{inds}]
    evidence: [a document]
"""


@pytest.fixture(scope="module")
def cat():
    return load_catalog()


def write(tmp: Path, name: str, tasks: list[dict], set_id: str = "s1") -> Path:
    body = HEAD.format(set=set_id)
    for t in tasks:
        body += TASK.format(
            id=t.get("id", "T-1"),
            deadline="" if t.get("no_deadline") else "    deadline: 2025-12-31\n",
            inds=", ".join(t.get("inds", ["P01"])),
        )
    p = tmp / name
    p.write_text(body, encoding="utf-8")
    return p


def errors(issues):
    return [i for i in issues if i.level is Level.ERROR]


def test_builtin_tasks_are_valid(cat):
    book = require_valid(load_tasks(), cat)
    assert {p.name for p in builtin_paths()} == {
        "hebei-2022-key-tasks.yaml",
        "hebei-2025-targets.yaml",
    }
    assert len(book.in_set("hebei-2022-key-tasks")) == 10
    assert len(book.in_set("hebei-2025-targets")) == 6
    assert book.task("H25-01").indicators == ["P01"]
    assert book.sets["hebei-2022-key-tasks"].source.letter == "K"
    assert validate(book, cat) == []  # not even warnings


def test_good_file(tmp_path, cat):
    book = load_tasks([write(tmp_path, "a.yaml", [{"id": "T-1"}, {"id": "T-2", "inds": ["C02"]}])])
    assert errors(validate(book, cat)) == [] and list(book.tasks) == ["T-1", "T-2"]


def test_unknown_indicator_named_with_line(tmp_path, cat):
    book = load_tasks([write(tmp_path, "a.yaml", [{"id": "T-1", "inds": ["P01", "NOPE9"]}])])
    errs = errors(validate(book, cat))
    assert [e.code for e in errs] == ["unknown-indicator"]
    e = errs[0]
    assert e.file == "a.yaml" and e.line == 16 and e.field == "tasks.0.indicators.1"
    assert "NOPE9" in e.message
    with pytest.raises(TaskError) as exc:
        require_valid(book, cat)
    assert "a.yaml:16" in str(exc.value)


def test_missing_deadline(tmp_path, cat):
    book = load_tasks(
        [write(tmp_path, "a.yaml", [{"id": "T-1"}, {"id": "T-2", "no_deadline": True}])]
    )
    errs = errors(validate(book, cat))
    assert [(e.code, e.field) for e in errs] == [("missing-deadline", "tasks.1")]
    assert errs[0].line == 18 and "'T-2'" in errs[0].message
    assert list(book.tasks) == ["T-1"]


def test_duplicate_id_within_and_across_files(tmp_path, cat):
    a = write(tmp_path, "a.yaml", [{"id": "T-1"}, {"id": "T-1"}])
    b = write(tmp_path, "b.yaml", [{"id": "T-1"}], set_id="s2")
    errs = errors(validate(load_tasks([a, b]), cat))
    assert [(e.code, e.file, e.line) for e in errs] == [
        ("duplicate-id", "a.yaml", 18),
        ("duplicate-id", "b.yaml", 8),
    ]
    assert "a.yaml:8" in errs[0].message


def test_schema_errors_and_warnings(tmp_path, cat):
    p = write(tmp_path, "a.yaml", [{"id": "T-1", "inds": ["C05", "P01", "P01"]}])
    text = (
        p.read_text()
        .replace("owner: county", "owner: village")
        .replace("    lead_note: not named\n", "")
    )
    p.write_text(text)
    errs = validate(load_tasks([p]), cat)
    assert [(e.code, e.field) for e in errs] == [("schema", "tasks.0.owner")]
    p.write_text(p.read_text().replace("owner: village", "owner: county"))
    issues = validate(load_tasks([p]), cat)
    codes = sorted((i.level.value, i.code) for i in issues)
    assert codes == [
        ("error", "duplicate-indicator"),
        ("error", "missing-lead"),
        ("warning", "indicator-without-target"),
    ]


def test_yaml_syntax_error(tmp_path, cat):
    p = tmp_path / "bad.yaml"
    p.write_text("kind: reform-tasks\ntasks: [\n")
    errs = errors(validate(load_tasks([p]), cat))
    assert errs[0].code == "yaml" and errs[0].file == "bad.yaml"
