"""A contract file grouped block by block (`group_in_batches`) gives what reading it whole
gives: the same output bytes, summary, problems (numbered in the file) and refusals; files it
cannot take block by block go to the whole-file path."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pytest

from yigong.casemix.contract import InputError
from yigong.casemix.synthetic import synthetic_cases
from yigong.services import drg_files
from yigong.services.drg_files import group_file, group_in_batches

NATIONAL = "chs-drg-1.1"


def _contract_file(path: Path, n: int, extra: list[str]) -> Path:
    t = synthetic_cases(NATIONAL, n, 9)
    cols = {
        c: pc.binary_join(t.column(c), "|") if pa.types.is_list(t.column(c).type) else t.column(c)
        for c in t.column_names
    }
    pacsv.write_csv(pa.table(cols), path, pacsv.WriteOptions(quoting_style="none"))
    with path.open("a", encoding="utf-8") as fh:
        fh.writelines(line + "\n" for line in extra)
    return path


def _whole(monkeypatch, *args, **kw):
    with monkeypatch.context() as m:
        m.setattr(drg_files, "group_in_batches", lambda *a, **k: None)
        return group_file(*args, **kw)


@pytest.mark.parametrize("translate", [False, True])
def test_block_by_block_equals_the_whole_file(tmp_path, monkeypatch, translate) -> None:
    # rows with problems in later blocks: a sex out of range, an empty case_id, no diagnosis
    src = _contract_file(
        tmp_path / "cases.csv",
        3000,
        ["z1,300,40,,,5,1,J18.900,", ",1,40,,,5,1,J18.900,", "z3,1,40,,,5,1,,"],
    )
    got = group_in_batches(src, NATIONAL, tmp_path / "got.csv", translate, block_size=20_000)
    assert got is not None
    want = _whole(monkeypatch, src, NATIONAL, tmp_path / "want.csv", translate)
    assert (tmp_path / "got.csv").read_bytes() == (tmp_path / "want.csv").read_bytes()
    assert got.statuses == want.statuses and list(got.statuses) == list(want.statuses)
    assert (got.rows, got.drgs, got.scheme, got.pack_version) == (
        want.rows,
        want.drgs,
        want.scheme,
        want.pack_version,
    )
    assert got.extra["input_problems"] == want.extra["input_problems"]
    assert "row 3001 (z1): sex: out of range: 300" in got.extra["input_problems"]


def test_strict_refuses_with_the_same_problems_and_writes_nothing(tmp_path, monkeypatch) -> None:
    src = _contract_file(tmp_path / "cases.csv", 500, ["z1,300,40,,,5,1,J18.900,"])
    with pytest.raises(InputError) as got:
        group_in_batches(src, NATIONAL, tmp_path / "o.csv", strict=True, block_size=5_000)
    with pytest.raises(InputError) as want:
        _whole(monkeypatch, src, NATIONAL, tmp_path / "o.csv", strict=True)
    assert got.value.problems == want.value.problems
    assert not (tmp_path / "o.csv").exists()


@pytest.mark.parametrize(
    "extra",
    [
        ["z1,1,forty,,,5,1,J18.900,"],  # not a whole number: read as text, whole
        ["z1,1,40,,,5,1,J18.900,,surplus"],  # another field count: row by row
        ['"z,1",1,40,,,5,1,J18.900,'],  # a case_id to quote
    ],
)
def test_what_blocks_cannot_take_goes_to_the_whole_file(tmp_path, monkeypatch, extra) -> None:
    src = _contract_file(tmp_path / "cases.csv", 300, extra)
    assert group_in_batches(src, NATIONAL, tmp_path / "o.csv", block_size=5_000) is None
    got = group_file(src, NATIONAL, tmp_path / "got.csv")
    want = _whole(monkeypatch, src, NATIONAL, tmp_path / "want.csv")
    assert (tmp_path / "got.csv").read_bytes() == (tmp_path / "want.csv").read_bytes()
    assert got.extra["input_problems"] == want.extra["input_problems"]


def test_an_unknown_pack_is_left_to_the_whole_file(tmp_path) -> None:
    src = _contract_file(tmp_path / "cases.csv", 10, [])
    assert group_in_batches(src, "no-such-pack", tmp_path / "o.csv") is None
