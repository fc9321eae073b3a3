"""Issue 17: the quarantine of a file is replaced by what that file now rejects, whatever the
path it is read through, and never by a different file that happens to sit at the same path;
duplicate natural keys across the files of one run are reported with the first file kept."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb
import pytest

from tests.ingest.conftest import KEY, discharge_row, id_number, write_csv
from yigong.ingest import ingest_paths
from yigong.ingest.check import row_key_sql
from yigong.ingest.privacy import key_part, mask
from yigong.schema.tables import table

COLS = list(table("discharges").file_columns())


def _rows(prefix: str, bad: dict[int, dict[str, str]] | None = None) -> list[dict[str, str]]:
    rows = [
        discharge_row(discharge_id=f"H1-{prefix}{i}-1", case_no=f"{prefix}{i}") for i in range(3)
    ]
    for i, over in (bad or {}).items():
        rows[i] = {**rows[i], **over}
    return rows


def _quarantine(wh) -> list[tuple]:
    return sorted(wh.duck.execute("SELECT row_no, field, rule FROM quarantine").fetchall())


def _spellings(path: Path, how: str, tmp_path: Path, monkeypatch) -> Path:
    if how == "dotdot":
        return path.parent / ".." / path.parent.name / path.name
    if how == "symlink":
        (tmp_path / "link").mkdir()
        link = tmp_path / "link" / path.name
        link.symlink_to(path)
        return link
    monkeypatch.chdir(path.parent)
    return Path(path.name)  # relative, where the first ingest was absolute


@pytest.mark.parametrize("how", ["dotdot", "symlink", "relative"])
@pytest.mark.parametrize(
    "bad",
    [
        {"sex": "M"},  # a rule of the batch check
        {"admission_date": "2024-02-30"},  # a cell the CSV reader cannot read (type)
    ],
    ids=["rule", "reader"],
)
def test_a_fixed_file_through_another_spelling_leaves_no_stale_rejects(
    files, wh, tmp_path, monkeypatch, how, bad
):
    ingest_paths(wh, [files], key=KEY)
    folder = tmp_path / "extract"
    folder.mkdir()
    path = write_csv(folder / "discharges.csv", _rows("A", {1: bad}), COLS)
    (first,) = ingest_paths(wh, [path.resolve()], key=KEY)
    assert first.rows_rejected == 1 and len(_quarantine(wh)) == 1
    write_csv(path, _rows("A"), COLS)  # fixed in place
    (fixed,) = ingest_paths(wh, [_spellings(path, how, tmp_path, monkeypatch)], key=KEY)
    assert (fixed.rows_read, fixed.rows_rejected) == (3, 0)
    assert _quarantine(wh) == []
    assert wh.count("discharges") == 3


@pytest.mark.parametrize("how", ["dotdot", "symlink", "relative"])
def test_a_fixed_keyless_line_through_another_spelling_is_cleared(
    files, wh, tmp_path, monkeypatch, how
):
    ingest_paths(wh, [files], key=KEY)
    folder = tmp_path / "extract"
    folder.mkdir()
    path = write_csv(folder / "discharges.csv", _rows("A"), COLS)
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join([*lines[:2], ",H1,only,four", *lines[2:]]) + "\n", encoding="utf-8")
    (first,) = ingest_paths(wh, [path], key=KEY)
    assert first.rows_rejected == 1 and [r[2] for r in _quarantine(wh)] == ["malformed"]
    write_csv(path, _rows("A"), COLS)
    ingest_paths(wh, [_spellings(path, how, tmp_path, monkeypatch)], key=KEY)
    assert _quarantine(wh) == []


def test_a_new_file_at_the_same_path_keeps_the_old_files_rejects(files, wh, tmp_path):
    ingest_paths(wh, [files], key=KEY)
    path = write_csv(tmp_path / "discharges.csv", _rows("A", {1: {"sex": "M"}}), COLS)
    ingest_paths(wh, [path], key=KEY)
    before = wh.duck.execute("SELECT * EXCLUDE (run_id) FROM quarantine").fetchall()
    assert len(before) == 1
    write_csv(path, _rows("B"), COLS)  # next month's extract, written over the same file
    (new,) = ingest_paths(wh, [path], key=KEY)
    assert new.rows_rejected == 0
    assert wh.duck.execute("SELECT * EXCLUDE (run_id) FROM quarantine").fetchall() == before


def test_a_row_still_bad_in_the_new_version_is_reported_once_with_its_new_reason(
    files, wh, tmp_path
):
    ingest_paths(wh, [files], key=KEY)
    (tmp_path / "v1").mkdir()
    (tmp_path / "v2").mkdir()
    path = write_csv(tmp_path / "v1" / "discharges.csv", _rows("A", {1: {"sex": "M"}}), COLS)
    ingest_paths(wh, [path], key=KEY)
    other = write_csv(tmp_path / "v2" / "discharges.csv", _rows("A", {1: {"payer": "x"}}), COLS)
    ingest_paths(wh, [other], key=KEY)
    assert _quarantine(wh) == [(2, "payer", "code")]
    for _ in range(2):  # re-runs, through either copy, change nothing
        ingest_paths(wh, [other], key=KEY)
        assert _quarantine(wh) == [(2, "payer", "code")]


def test_the_same_content_at_another_path_is_idempotent(files, wh, tmp_path):
    ingest_paths(wh, [files], key=KEY)
    path = write_csv(tmp_path / "discharges.csv", _rows("A", {1: {"sex": "M"}}), COLS)
    ingest_paths(wh, [path], key=KEY)
    before = wh.duck.execute("SELECT * EXCLUDE (run_id, file) FROM quarantine").fetchall()
    (tmp_path / "copy").mkdir()
    copy = tmp_path / "copy" / "discharges.csv"
    shutil.copy(path, copy)
    ingest_paths(wh, [copy], key=KEY)
    after = wh.duck.execute("SELECT * EXCLUDE (run_id, file) FROM quarantine").fetchall()
    assert after == before


def test_a_persons_reject_is_recognised_again_without_storing_the_number(files, wh, tmp_path):
    ingest_paths(wh, [files], key=KEY)
    raw = id_number("13042319500101001")
    cols = list(table("persons").file_columns())
    person = {"id_number": raw, "sex": "1", "birth_date": "1950-01-01", "division_code": "130423"}
    path = write_csv(tmp_path / "persons.csv", [{**person, "sex": "M"}], cols)
    ingest_paths(wh, [path], key=KEY)
    assert len(_quarantine(wh)) == 1
    (tmp_path / "fixed").mkdir()
    ingest_paths(wh, [write_csv(tmp_path / "fixed" / "persons.csv", [person], cols)], key=KEY)
    assert _quarantine(wh) == []
    stored = repr(wh.duck.execute("SELECT * FROM quarantine_keys").fetchall())
    assert raw not in stored and raw[:15] not in stored


def test_duplicate_keys_across_files_of_one_run_keep_the_first_file(files, wh, tmp_path):
    ingest_paths(wh, [files], key=KEY)
    a = tmp_path / "a"
    b = tmp_path / "b"
    a.mkdir()
    b.mkdir()
    write_csv(a / "discharges.csv", _rows("A"), COLS)
    second = _rows("B")
    second[1] = discharge_row(discharge_id="H1-A1-1", case_no="A1", department="外科")
    write_csv(b / "discharges.csv", second, COLS)
    for _ in range(2):  # and a re-run gives the same outcome
        ra, rb = ingest_paths(wh, [b / "discharges.csv", a / "discharges.csv"], key=KEY)
        assert (ra.file, rb.file) == (str(a / "discharges.csv"), str(b / "discharges.csv"))
        assert (ra.rows_read, ra.rows_accepted, ra.rows_rejected) == (3, 3, 0)
        assert (rb.rows_read, rb.rows_accepted, rb.rows_rejected) == (3, 2, 1)
        assert rb.errors_by_rule == {"duplicate_key": 1}
        assert any("first file keeps the key" in n for n in rb.notices)
        rows = wh.duck.execute("SELECT file, row_no, field, value, rule, reason FROM quarantine")
        ((file, row_no, field, value, rule, reason),) = rows.fetchall()
        assert (file, row_no, field, value, rule) == (
            str(b / "discharges.csv"),
            2,
            "discharge_id",
            "H1-A1-1",
            "duplicate_key",
        )
        assert "H1-A1-1" in reason and str(a / "discharges.csv") in reason and "row 2" in reason
        assert "\n" not in reason
        dept = wh.duck.execute("SELECT department FROM discharges WHERE discharge_id = 'H1-A1-1'")
        assert dept.fetchall() == [("内科",)]  # the first file's version, not the later one
        assert wh.count("discharges") == 5


def test_duplicate_keys_across_the_part_files_of_a_dataset(files, wh, tmp_path):
    ingest_paths(wh, [files], key=KEY)
    root = tmp_path / "discharges"
    for part, prefix in (("period=2024-01", "A"), ("period=2024-02", "B")):
        (root / part).mkdir(parents=True)
        rows = _rows(prefix)
        if prefix == "B":
            rows[0] = discharge_row(discharge_id="H1-A0-1", case_no="A0")
        write_csv(root / part / "part-0.csv", rows, COLS)
    reports = ingest_paths(wh, [root], key=KEY)
    assert [(r.rows_read, r.rows_rejected) for r in reports] == [(3, 0), (3, 1)]
    assert sum(r.rows_accepted + r.rows_rejected for r in reports) == 6


def test_a_file_named_twice_is_loaded_once(files, wh, tmp_path):
    ingest_paths(wh, [files], key=KEY)
    path = write_csv(tmp_path / "discharges.csv", _rows("A"), COLS)
    skipped: list = []
    spelled = tmp_path / ".." / tmp_path.name / "discharges.csv"
    reports = ingest_paths(wh, [path, spelled], key=KEY, skipped=skipped)
    assert len(reports) == 1 and reports[0].rows_rejected == 0
    assert len(skipped) == 1 and "same file" in skipped[0][1]
    assert os.path.samefile(skipped[0][0], path)


def test_rows_quarantined_before_rows_were_identified_are_replaced_by_their_path(
    files, wh, tmp_path
):
    """A warehouse quarantined before `quarantine_keys` existed: its rows carry no identity,
    so a new ingest of the same path replaces them, as it did then."""
    ingest_paths(wh, [files], key=KEY)
    path = write_csv(tmp_path / "discharges.csv", _rows("A", {1: {"sex": "M"}}), COLS)
    ingest_paths(wh, [path], key=KEY)
    wh.duck.execute("DELETE FROM quarantine_keys")  # as an older release left it
    write_csv(path, _rows("A"), COLS)
    ingest_paths(wh, [path], key=KEY)
    assert _quarantine(wh) == []


def _keyless(rows: list[dict[str, str]], row: int) -> list[dict[str, str]]:
    """`rows` with row `row` missing its key (the row is rejected and quarantined keyless)."""
    rows = [dict(r) for r in rows]
    rows[row]["discharge_id"] = ""
    return rows


def test_a_keyless_reject_is_cleared_by_a_fixed_copy_saved_elsewhere(files, wh, tmp_path):
    """The fixed copy carries every key the old file carried: it is a new version of it, and
    the old file's keyless reject goes, wherever the copy was saved."""
    ingest_paths(wh, [files], key=KEY)
    (tmp_path / "old").mkdir()
    (tmp_path / "fixed").mkdir()
    old = write_csv(tmp_path / "old" / "discharges.csv", _keyless(_rows("K"), 1), COLS)
    (rep,) = ingest_paths(wh, [old], key=KEY)
    assert rep.rows_rejected == 1
    keyless = "SELECT count(*) FROM quarantine_keys WHERE row_key IS NULL"
    assert wh.duck.execute(keyless).fetchone() == (1,)
    fixed = write_csv(tmp_path / "fixed" / "出院-修正.csv", _rows("K"), COLS)
    (rep,) = ingest_paths(wh, [fixed], table="discharges", key=KEY)
    assert (rep.rows_read, rep.rows_rejected) == (3, 0)
    assert _quarantine(wh) == []
    assert wh.duck.execute(keyless).fetchone() == (0,)


def test_a_keyless_reject_stays_when_the_other_file_lacks_a_key_of_it(files, wh, tmp_path):
    """A file that does not carry every key of the old one is another extract, not its fixed
    copy: the old keyless reject is still to be fixed."""
    ingest_paths(wh, [files], key=KEY)
    (tmp_path / "old").mkdir()
    (tmp_path / "other").mkdir()
    old = write_csv(tmp_path / "old" / "discharges.csv", _keyless(_rows("K"), 1), COLS)
    ingest_paths(wh, [old], key=KEY)
    other = write_csv(tmp_path / "other" / "discharges.csv", _rows("K")[:1], COLS)
    ingest_paths(wh, [other], key=KEY)
    assert _quarantine(wh) == [(2, "discharge_id", "required")]


# Keys that hold a run of digits an ID number could be (a visit number MZ130423-2024-00000001):
# masking made every such key of a table one and the same "MZ[ID removed]", so that a file's
# rejects were cleared by any other file and one origin stood for every visit.
def _long_rows(numbers: list[str], bad: int | None = None) -> list[dict[str, str]]:
    rows = [discharge_row(discharge_id=f"ZY130423-2024-{n}", case_no=f"C{n}") for n in numbers]
    if bad is not None:
        rows[bad] = {**rows[bad], "sex": "M"}
    return rows


def test_keys_with_long_numbers_stay_apart_and_are_not_stored(files, wh, tmp_path):
    ingest_paths(wh, [files], key=KEY)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    a = write_csv(tmp_path / "a" / "discharges.csv", _long_rows(["00000001", "00000002"], 1), COLS)
    ingest_paths(wh, [a], key=KEY)
    b = write_csv(tmp_path / "b" / "discharges.csv", _long_rows(["00000003", "00000004"]), COLS)
    ingest_paths(wh, [b], key=KEY)
    # file b does not carry a's rejected key: a's reject is still to be fixed
    assert _quarantine(wh) == [(2, "sex", "code")]
    keys = [r[0] for r in wh.duck.execute("SELECT row_key FROM row_origins").fetchall()]
    keys += [r[0] for r in wh.duck.execute("SELECT row_key FROM quarantine_keys").fetchall()]
    ours = [k for k in keys if k.startswith("#")]
    assert len(ours) == len(set(ours)) == 4  # three loaded, one quarantined: four keys
    assert not any("130423-2024" in k or "[ID removed]" in k for k in keys)


@pytest.mark.parametrize(
    "text",
    [
        "H1",
        "MZ130423-2024-00000001",
        "１３０４２３２０２４０００００００１",
        "BA 1234 5678 9012 345",
    ],
)
def test_a_rejected_line_s_key_is_the_checked_row_s_key(text):
    """The reader's rejected lines (`read.line_key`) and the checked rows (the batch check's SQL)
    store a key alike, so that a fixed line clears its quarantined row."""
    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT ? AS v", [text])
    got = con.execute(f"SELECT {row_key_sql([('v', False)], 'salt', True)} FROM t").fetchone()
    assert got == (key_part(text, "salt"),)
    assert (key_part(text, "salt") == text) is (mask(text) == text)
