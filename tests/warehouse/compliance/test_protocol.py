"""The warehouse protocol itself, on every local backend: the read half (tables, lists, empty
canonical tables), the write half (atomic replace, natural-key upsert, conditional replace,
transactions, temporary tables, facts about the warehouse), Parquet files read with their row
numbers, and the exchange through a Parquet warehouse directory."""

from __future__ import annotations

import os

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.warehouse.compliance.conftest import LOCAL_BACKENDS
from tests.warehouse.compliance.support import rows
from yigong.schema.tables import BY_NAME
from yigong.warehouse import BackendError, capabilities, open_warehouse

pytestmark = pytest.mark.parametrize("backend", LOCAL_BACKENDS, indirect=True)

PEOPLE = pa.table({"id": ["a", "b", "c"], "age": [30, 40, None], "town": ["x", None, "y"]})


@pytest.fixture
def wh(backend, tmp_path):
    w = backend.open(tmp_path / "warehouse")
    yield w
    w.close()


def test_a_canonical_table_not_loaded_is_empty(wh):
    t = wh.table("discharges")
    assert list(t.columns) == list(BY_NAME["discharges"].column_names)
    assert wh.count("discharges") == 0
    assert wh.has_table("discharges") and wh.has_table("quarantine")
    assert not wh.has_table("no_such_table")
    assert wh.to_arrow(wh.table("ref_icd10")).num_rows > 0  # code lists come from the package


def test_capabilities_are_declared(backend, wh):
    assert wh.kind == backend.kind
    assert wh.capabilities == capabilities(backend.kind)
    wh.require(*wh.capabilities)


def test_create_table_replaces_as_a_whole(wh):
    assert wh.create_table("people", PEOPLE) == 3
    assert "people" in wh.stored_tables() and wh.has_table("people")
    assert rows(wh.to_arrow("people")) == rows(PEOPLE)
    t = wh.table("people")
    assert wh.create_table("adults", t.filter(t.age >= 35)) == 1  # from an expression
    assert wh.create_table("people", PEOPLE.slice(0, 1)) == 1
    assert rows(wh.to_arrow("people")) == [("a", 30, "x")]


def test_temporary_tables_are_not_stored(wh):
    wh.create_table("_scratch_people", PEOPLE, temporary=True)
    assert wh.has_table("_scratch_people")
    assert wh.to_arrow(wh.table("_scratch_people").count().as_table()).column(0)[0].as_py() == 3
    assert "_scratch_people" not in wh.stored_tables()
    wh.drop_table("_scratch_people")
    assert not wh.has_table("_scratch_people")


def test_upsert_by_natural_key(wh):
    wh.create_table("people", PEOPLE)
    new = pa.table({"id": ["b", "d"], "age": [41, 50], "town": ["z", "z"]})
    assert wh.upsert("people", new, ["id"]) == 1
    assert rows(wh.to_arrow("people")) == [
        ("a", 30, "x"),
        ("b", 41, "z"),
        ("c", None, "y"),
        ("d", 50, "z"),
    ]
    # rows are deleted by the keys of another relation (children of re-loaded parents)
    none = pa.table({"id": pa.array([], pa.string()), "age": pa.array([], pa.int64())})
    none = none.append_column("town", pa.array([], pa.string()))
    assert wh.upsert("people", none, ["id"], delete_keys=pa.table({"id": ["a", "d"]})) == 2
    assert [r[0] for r in rows(wh.to_arrow("people"))] == ["b", "c"]


def test_replace_rows_where_a_condition_holds(wh):
    wh.replace_rows("people", PEOPLE)  # creates the table
    extra = pa.table({"id": ["e"], "age": [20], "town": ["x"]})
    # a null in the condition keeps the row (as SQL's DELETE does)
    n = wh.replace_rows("people", extra, lambda t: (t.town == "x") | (t.age > 35))
    assert n == 2
    assert rows(wh.to_arrow("people")) == [("c", None, "y"), ("e", 20, "x")]
    assert wh.replace_rows("people", extra) == 3  # no condition: appended


def test_a_failed_transaction_leaves_every_table_as_it_was(wh):
    wh.create_table("people", PEOPLE)
    with pytest.raises(RuntimeError, match="half-way"), wh.transaction():
        wh.upsert("people", pa.table({"id": ["a"], "age": [99], "town": ["q"]}), ["id"])
        wh.create_table("towns", pa.table({"town": ["x"]}))
        wh.set_meta("note", "written")
        raise RuntimeError("half-way")
    assert rows(wh.to_arrow("people")) == rows(PEOPLE)
    assert "towns" not in wh.stored_tables()
    assert wh.meta("note") is None


def test_a_transaction_commits_every_write(wh):
    with wh.transaction():
        wh.create_table("people", PEOPLE)
        wh.replace_rows("people", PEOPLE.slice(0, 1), lambda t: t.id == "a")
        assert wh.count("people") == 3  # the transaction reads its own writes
        wh.set_meta("note", "written")
    assert wh.count("people") == 3 and wh.meta("note") == "written"


@pytest.mark.needs("atomic_commit")
def test_a_crash_inside_the_commit_leaves_all_or_nothing(backend, tmp_path, monkeypatch):
    """A process that dies while committing: on reopening, either every table of the
    transaction is new or none is."""
    wh = backend.open(tmp_path / "warehouse")
    wh.create_table("people", PEOPLE)
    wh.create_table("towns", pa.table({"town": ["x"]}))

    class Crash(BaseException):
        pass

    def die(code: int) -> None:
        raise Crash(code)

    monkeypatch.setenv("YIGONG_TEST_CRASH_IN_COMMIT", "1")
    monkeypatch.setattr(os, "_exit", die)
    with pytest.raises(Crash), wh.transaction():
        wh.create_table("people", PEOPLE.slice(0, 1))
        wh.create_table("towns", pa.table({"town": ["y", "z"]}))
    monkeypatch.undo()
    wh.close()  # the process is gone: what is on disk is what the next one sees
    again = backend.open(tmp_path / "warehouse", create=False)
    try:
        state = (again.count("people"), again.count("towns"))
    finally:
        again.close()
    if state not in ((3, 1), (1, 2)):  # what the backend lacks, named as a refusal would be
        raise BackendError(f"atomic_commit: half a transaction committed (people, towns: {state})")


def test_facts_about_the_warehouse(wh):
    assert wh.meta("pseudonym_key_fingerprint") is None
    wh.set_meta("pseudonym_key_fingerprint", "abc")
    wh.set_meta("pseudonym_key_fingerprint", "def")
    assert wh.meta("pseudonym_key_fingerprint") == "def"


def test_read_parquet_numbers_the_rows_of_the_file(wh, tmp_path):
    path = tmp_path / "file.parquet"
    pq.write_table(pa.table({"v": [f"r{i}" for i in range(2500)]}), path, row_group_size=700)
    t = wh.read_parquet(path, row_number="_row")
    got = wh.to_arrow(t.select("_row", "v")).to_pylist()
    assert sorted((r["_row"], r["v"]) for r in got) == [(i, f"r{i}") for i in range(2500)]


def _count_batch(batch: pa.Table) -> pa.Table:
    return pa.table({"n": [batch.num_rows], "smallest": [min(batch.column("i").to_pylist())]})


def test_batch_map_hands_out_bounded_batches(wh):
    wh.create_table("numbers", pa.table({"i": list(range(1000))}))
    schema = pa.schema([("n", pa.int64()), ("smallest", pa.int64())])
    out = wh.to_arrow(wh.batch_map(wh.table("numbers"), _count_batch, schema, batch_rows=100))
    assert out.schema == schema
    assert sum(out.column("n").to_pylist()) == 1000
    assert out.num_rows >= 2 and max(out.column("n").to_pylist()) <= 100


def test_export_and_import_through_a_parquet_warehouse(backend, wh, tmp_path):
    wh.create_table("people", PEOPLE)
    wh.set_meta("pseudonym_key_fingerprint", "abc")
    wh.export_parquet(tmp_path / "export")
    with open_warehouse("duckdb", tmp_path / "copy.duckdb", create=True) as duck:
        counts = duck.import_parquet(tmp_path / "export")
        assert counts["people"] == 3
        assert rows(duck.to_arrow("people")) == rows(PEOPLE)
    other = backend.open(tmp_path / "other")
    try:
        assert other.import_parquet(tmp_path / "export")["people"] == 3
        assert rows(other.to_arrow("people")) == rows(PEOPLE)
    finally:
        other.close()
