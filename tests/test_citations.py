"""Policy texts are cited by files of the repository (``docs/policy/``), never by a path outside
it; every policy file a pack names exists there."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).parents[1]
OUTSIDE = re.compile(r"\.\./shared|/work/|shared/(policy|reference)/")
SKIP_DIRS = {"build", "dist", "node_modules", "demo-county", "__pycache__"}
POLICY = ROOT / "docs" / "policy"


def _text_files() -> list[Path]:
    out = []
    for path in ROOT.rglob("*"):
        rel = path.relative_to(ROOT)
        if any(p.startswith(".") or p in SKIP_DIRS or p.endswith(".egg-info") for p in rel.parts):
            continue
        if path.is_file() and path.suffix not in (".gz", ".parquet", ".duckdb", ".pyc", ".png"):
            out.append(path)
    return out


def test_no_file_cites_a_path_outside_the_repository() -> None:
    found = []
    for path in _text_files():
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        for no, line in enumerate(text.splitlines(), 1):
            if OUTSIDE.search(line) and path != Path(__file__):
                found.append(f"{path.relative_to(ROOT)}:{no}: {line.strip()[:100]}")
    assert found == []


def test_the_policy_texts_are_in_the_repository() -> None:
    readme = (POLICY / "README.md").read_text(encoding="utf-8")
    texts = sorted(p.name for p in POLICY.glob("*.txt"))
    assert len(texts) == 5
    assert all(f"`{name}`" in readme for name in texts)  # each with its origin


def test_every_policy_file_a_pack_names_is_in_docs_policy() -> None:
    named = []
    for manifest in (ROOT / "src" / "yigong").rglob("manifest.toml"):
        data = tomllib.loads(manifest.read_text(encoding="utf-8"))
        named += [(manifest, f) for f in data.get("source", {}).get("policy_files", [])]
    assert named, "no pack names a policy text"
    assert [(str(m), f) for m, f in named if not (POLICY / f).is_file()] == []


def test_task_paragraphs_are_lines_of_the_texts_in_docs_policy() -> None:
    from yigong.reform.loader import load_tasks

    book = load_tasks()
    for task in book.tasks.values():
        text = POLICY / book.sets[task.set_id].source.file
        lines = text.read_text(encoding="utf-8").splitlines()
        for ref in (task.source, *task.also):
            assert 1 <= ref.para <= len(lines), (task.id, ref.para)


def test_paths_named_in_the_readme_exist() -> None:
    """The README's paths (the newcomer's map, e.g. where each policy rule lives) are real."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`((?:src|docs|tests)/[^`<>*…]+?)`", text))
    assert len(named) >= 5
    assert sorted(p for p in named if not (ROOT / p.rstrip("/")).exists()) == []
