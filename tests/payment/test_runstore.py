"""Replacing a settlement run directory: the target always names one complete run."""

from __future__ import annotations

import os

import pytest

from yigong.payment import run_output
from yigong.payment.run_output import recover, write_run_atomically


def _siblings(path):
    return sorted(p.name for p in path.parent.iterdir() if p.name != path.name)


@pytest.mark.parametrize("exchange", [True, False], ids=["renameat2-exchange", "two-renames"])
def test_replace_leaves_the_new_run_and_nothing_else(tmp_path, monkeypatch, exchange):
    target = tmp_path / "run"
    write_run_atomically(target, {"a.csv": b"old", "gone.csv": b"x"})
    if not exchange:
        monkeypatch.setattr(run_output, "_exchange", lambda a, b: False)
    write_run_atomically(target, {"a.csv": b"new"}, replace=True)
    assert sorted(p.name for p in target.iterdir()) == ["a.csv"]
    assert (target / "a.csv").read_bytes() == b"new"
    assert _siblings(target) == []


def test_exchange_swaps_two_directories_here(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir(), b.mkdir()
    (a / "from-a").touch()
    if not run_output._exchange(a, b):
        pytest.skip(
            "this kernel or file system has no renameat2(RENAME_EXCHANGE); "
            "the two-rename path is tested above"
        )
    assert (b / "from-a").exists() and not (a / "from-a").exists()


def test_refuses_to_replace_without_the_flag(tmp_path):
    target = tmp_path / "run"
    write_run_atomically(target, {"a.csv": b"old"})
    with pytest.raises(FileExistsError, match="--replace"):
        write_run_atomically(target, {"a.csv": b"new"})


def test_a_crash_between_the_two_renames_is_repaired(tmp_path):
    target = tmp_path / "run"
    write_run_atomically(target, {"a.csv": b"old"})
    # the fallback path died after renaming the old run aside, before renaming the new one in
    os.rename(target, tmp_path / f".old-run-{os.getpid() + 1}")
    assert recover(target) == target.resolve()
    assert (target / "a.csv").read_bytes() == b"old" and _siblings(target) == []
    # and a plain write (no --replace) still refuses to clobber the restored run
    with pytest.raises(FileExistsError):
        write_run_atomically(target, {"a.csv": b"new"})
