"""The command line never shows a traceback (issue 17, item 4): every leaf command of the tree,
run with no arguments, garbage arguments, missing paths, unwritable outputs and out-of-range
numbers, ends in a usage message or one line, never in a traceback or an internal error."""

from __future__ import annotations

import shutil

import pytest

from tests.cli.walk import argvs, invoke, leaves


def test_the_walk_covers_the_whole_tree():
    names = {" ".join(p) for p, _ in leaves()}
    assert {
        "ingest",
        "status",
        "settle bed-day",
        "drg explain",
        "users add",
        "keys generate",
    } <= names
    assert len(names) > 60


@pytest.mark.parametrize("group", sorted({p[0] for p, _ in leaves()}))
def test_no_command_shows_a_traceback(group, tiny_db, tmp_path, monkeypatch):
    shutil.copy(tiny_db, tmp_path / "yigong.duckdb")
    monkeypatch.setenv("YIGONG_PSEUDONYM_KEY", "cli-test-key-not-secret-0123456789abcdefghijklmn")
    monkeypatch.setenv("YIGONG_STORE_URL", str(tmp_path / "workflow.sqlite"))
    monkeypatch.delenv("YIGONG_BACKEND", raising=False)
    failures, runs = [], 0
    for path, cmd in leaves():
        if path[0] != group:
            continue
        for argv in argvs(path, cmd):
            outcome = invoke(argv, tmp_path)
            runs += 1
            if not outcome.ok:
                tail = [line for line in outcome.output.splitlines() if line.strip()][-3:]
                failures.append(f"{' '.join(argv)} -> exit {outcome.code}: {tail}")
    assert runs > 0
    assert not failures, "\n".join(failures)
