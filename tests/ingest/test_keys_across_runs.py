"""Duplicate natural keys across runs (issue 17: "duplicates are refused, not silently
replaced"): a row whose key another file loaded in an earlier run, and which would change the
stored row, is rejected (``duplicate_key``, naming that file) — unless it comes from the same
file (the same source path: a new version of the file; or the same content through another
path: an idempotent re-run), or the ingest is told to replace (`replace=True`, ``--replace``).
Delivering the very same row again changes nothing and is accepted."""

from __future__ import annotations

from tests.ingest.conftest import KEY, discharge_row, write_csv
from yigong.ingest import ingest_paths
from yigong.schema.tables import table

COLS = list(table("discharges").file_columns())


def _rows(prefix: str, **over: str) -> list[dict[str, str]]:
    rows = [
        discharge_row(discharge_id=f"H1-{prefix}{i}-1", case_no=f"{prefix}{i}") for i in range(3)
    ]
    rows[1].update(over)
    return rows


def _file(tmp_path, folder: str, rows, name: str = "discharges.csv"):
    (tmp_path / folder).mkdir(exist_ok=True)
    return write_csv(tmp_path / folder / name, rows, COLS)


def _department(wh, key: str) -> str:
    got = wh.duck.execute("SELECT department FROM discharges WHERE discharge_id = ?", [key])
    return got.fetchone()[0]


def test_a_changed_row_from_another_file_in_a_later_run_is_rejected(files, wh, tmp_path):
    ingest_paths(wh, [files], key=KEY)
    ingest_paths(wh, [_file(tmp_path, "march", _rows("A"))], key=KEY)
    later = _file(tmp_path, "april", _rows("A", department="外科"))
    (rep,) = ingest_paths(wh, [later], key=KEY)
    assert (rep.rows_read, rep.rows_rejected, rep.rows_replaced) == (3, 1, 2)
    assert _department(wh, "H1-A1-1") == "内科"  # not silently replaced
    (reason,) = wh.duck.execute("SELECT reason FROM quarantine").fetchone()
    assert reason.startswith("duplicate_key: discharge_id was loaded from discharges.csv in an ")
    assert "--replace" in reason and "\n" not in reason
    assert rep.errors_by_rule == {"duplicate_key": 1}


def test_the_same_row_again_from_another_file_is_accepted(files, wh, tmp_path):
    ingest_paths(wh, [files], key=KEY)
    ingest_paths(wh, [_file(tmp_path, "march", _rows("A"))], key=KEY)
    (rep,) = ingest_paths(wh, [_file(tmp_path, "overlap", _rows("A"))], key=KEY)
    assert rep.rows_rejected == 0


def test_a_new_version_of_the_same_file_replaces_its_rows(files, wh, tmp_path):
    ingest_paths(wh, [files], key=KEY)
    ingest_paths(wh, [_file(tmp_path, "march", _rows("A"))], key=KEY)
    (rep,) = ingest_paths(wh, [_file(tmp_path, "march", _rows("A", department="外科"))], key=KEY)
    assert (rep.rows_rejected, rep.rows_replaced) == (0, 3)
    assert _department(wh, "H1-A1-1") == "外科"


def test_the_same_file_through_another_path_is_an_idempotent_rerun(files, wh, tmp_path):
    ingest_paths(wh, [files], key=KEY)
    first = _file(tmp_path, "march", _rows("A", department="外科"))
    ingest_paths(wh, [first], key=KEY)
    copy = tmp_path / "copy"
    copy.mkdir()
    (copy / "discharges.csv").write_bytes(first.read_bytes())
    (rep,) = ingest_paths(wh, [copy / "discharges.csv"], key=KEY)
    assert rep.rows_rejected == 0


def test_replace_lets_another_file_replace_the_row(files, wh, tmp_path):
    ingest_paths(wh, [files], key=KEY)
    ingest_paths(wh, [_file(tmp_path, "march", _rows("A"))], key=KEY)
    later = _file(tmp_path, "april", _rows("A", department="外科"))
    (rep,) = ingest_paths(wh, [later], key=KEY, replace=True)
    assert (rep.rows_rejected, rep.rows_replaced) == (0, 3)
    assert _department(wh, "H1-A1-1") == "外科"
    # the key now comes from the April file: a new version of it replaces its own row
    again = _file(tmp_path, "april", _rows("A", department="儿科"))
    (rep,) = ingest_paths(wh, [again], key=KEY)
    assert rep.rows_rejected == 0 and _department(wh, "H1-A1-1") == "儿科"


def test_a_pseudonymised_key_is_held_across_runs_too(files, wh, tmp_path):
    from tests.ingest.conftest import id_number

    cols = list(table("persons").file_columns())
    person = {"id_number": id_number("13042320000101001"), "sex": "1",
              "division_code": "130423", "birth_date": "2000-01-01"}  # fmt: skip
    ingest_paths(wh, [files], key=KEY)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    ingest_paths(wh, [write_csv(tmp_path / "a" / "persons.csv", [person], cols)], key=KEY)
    changed = write_csv(tmp_path / "b" / "persons.csv", [{**person, "sex": "2"}], cols)
    (rep,) = ingest_paths(wh, [changed], key=KEY)
    assert rep.rows_rejected == 1
    assert wh.duck.execute("SELECT sex FROM persons").fetchall() == [("1",)]
