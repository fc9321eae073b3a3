"""The files: names, headers, encodings and determinism."""

from __future__ import annotations

import re
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from yigong.schema.tables import TABLES
from yigong.synth import PRESETS, generate
from yigong.synth.writer import EXTRA_COLUMNS

from .conftest import read_csv_rows


def expected_header(name: str) -> list[str]:
    table = next(t for t in TABLES if t.name == name)
    return [*table.file_columns(), *(n for n, _ in EXTRA_COLUMNS.get(name, ()))]


def test_public_surface() -> None:
    import yigong.synth as synth

    assert sorted(synth.__all__) == ["PRESETS", "generate", "generate_tables", "write_faults"]
    assert {"tiny", "county", "city", "province"} <= set(PRESETS)


def test_every_table_has_a_file_with_the_schema_header(tiny_dir: Path) -> None:
    for t in TABLES:
        header, rows = read_csv_rows(tiny_dir / f"{t.name}.csv")
        assert header == expected_header(t.name), t.name
        assert rows, f"{t.name} is empty"
        assert all(len(r) == len(header) for r in rows), t.name


def test_field_encodings(tiny_dir: Path) -> None:
    header, rows = read_csv_rows(tiny_dir / "discharges.csv")
    col = {h: i for i, h in enumerate(header)}
    for r in rows[:200]:
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", r[col["admission_date"]])
        assert re.fullmatch(r"\d+\.\d{2}", r[col["total_cost"]])
        assert r[col["is_day_surgery"]] in ("0", "1")
    header, rows = read_csv_rows(tiny_dir / "outpatient_visits.csv")
    col = {h: i for i, h in enumerate(header)}
    slots = [r[col["appointment_slot_start"]] for r in rows if r[col["appointment_slot_start"]]]
    assert slots and all(re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", s) for s in slots)


def test_same_seed_same_bytes_other_seed_other_bytes(tiny_dir: Path, tmp_path: Path) -> None:
    again, other = tmp_path / "again", tmp_path / "other"
    summary = generate("tiny", again, seed=2024)
    generate("tiny", other, seed=2025)
    for t in TABLES:
        assert (again / f"{t.name}.csv").read_bytes() == (
            tiny_dir / f"{t.name}.csv"
        ).read_bytes(), t.name
    assert (other / "discharges.csv").read_bytes() != (tiny_dir / "discharges.csv").read_bytes()
    assert summary["persons"] == len(read_csv_rows(again / "persons.csv")[1])


def test_years_option_limits_the_years(tmp_path: Path) -> None:
    summary = generate("tiny", tmp_path, years=(2024,))
    _, rows = read_csv_rows(tmp_path / "finance.csv")
    assert {r[1] for r in rows} == {"2024"}
    assert summary["finance"] == len(rows)


def test_parquet_keeps_types_and_is_deterministic(tmp_path: Path) -> None:
    generate("tiny", tmp_path / "a", fmt="parquet", years=(2024,))
    generate("tiny", tmp_path / "b", fmt="parquet", years=(2024,))
    t = pq.read_table(tmp_path / "a" / "discharges.parquet")
    assert list(t.column_names) == expected_header("discharges")
    assert str(t.schema.field("total_cost").type) == "decimal128(18, 2)"
    assert (tmp_path / "a" / "settlements.parquet").read_bytes() == (
        tmp_path / "b" / "settlements.parquet"
    ).read_bytes()


def test_xlsx_writes_the_csv_text(tiny_tables, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    from yigong.synth.writer import TableWriter

    writer = TableWriter(tmp_path, "xlsx")
    writer.write("finance", tiny_tables["finance"])
    writer.close()
    rows = list(
        load_workbook(tmp_path / "finance.xlsx", read_only=True).active.iter_rows(values_only=True)
    )
    assert list(rows[0]) == expected_header("finance")
    assert len(rows) == tiny_tables["finance"].num_rows + 1
    assert re.fullmatch(r"\d+\.\d{2}", rows[1][2])


def test_unknown_preset_and_format_are_refused(tmp_path: Path) -> None:
    with pytest.raises(KeyError, match="unknown preset"):
        generate("galaxy", tmp_path)
    with pytest.raises(ValueError, match="unknown format"):
        generate("tiny", tmp_path, fmt="json")
