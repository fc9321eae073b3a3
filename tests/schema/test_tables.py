"""The schema declarations are consistent with themselves and with the code systems."""

from __future__ import annotations

import pytest

from yigong.schema import CHILD_TABLES, TABLES, DType
from yigong.schema.codes import NATIONAL_CODE_LISTS, SMALL_CODE_SYSTEMS, code_values, national_codes
from yigong.schema.tables import BY_NAME

ALL = (*TABLES, *CHILD_TABLES)


@pytest.mark.parametrize("tbl", ALL, ids=lambda t: t.name)
def test_table_is_well_formed(tbl):
    names = tbl.column_names
    assert len(set(names)) == len(names), "duplicate column"
    assert tbl.zh and tbl.grain
    for k in tbl.key:
        assert k in names, f"key column {k} missing"
        assert tbl.column(k).required, f"key column {k} must be required"
    for order in tbl.date_orders:
        assert tbl.column(order.earlier).dtype in (DType.DATE, DType.TIMESTAMP)
        assert tbl.column(order.later).dtype in (DType.DATE, DType.TIMESTAMP)
    for col in tbl.columns:
        assert col.zh, f"{tbl.name}.{col.name} lacks a Chinese name"
        if col.codes:
            assert col.codes in SMALL_CODE_SYSTEMS or col.codes in NATIONAL_CODE_LISTS
        if col.ref:
            ref_table, ref_col = col.ref.split(".")
            assert ref_col in BY_NAME[ref_table].column_names
        if col.aligned_with:
            assert tbl.column(col.aligned_with).is_list and col.is_list
    for dep in tbl.depends_on:
        assert dep in BY_NAME


def test_dependency_order():
    seen: set[str] = set()
    for tbl in TABLES:
        assert set(tbl.depends_on) <= seen, f"{tbl.name} comes before its dependencies"
        seen.add(tbl.name)


def test_national_code_lists_load():
    icd10 = national_codes("icd10")
    assert len(icd10) > 33_000 and "高血压" in icd10["I10.x00"]
    assert "K43.900" in icd10  # used by the DRG lists although missing from the dictionary
    icd9 = national_codes("icd9cm3")
    assert len(icd9) > 13_000 and "51.2300" in icd9
    assert "male" in SMALL_CODE_SYSTEMS["sex"]["1"][1]
    assert code_values("discharge_mode") == ["1", "2", "3", "4", "5", "9"]


def test_data_dictionary_is_up_to_date():
    from pathlib import Path

    from yigong.schema.docs import render_markdown

    path = Path(__file__).parents[2] / "docs" / "schema.md"
    assert path.read_text(encoding="utf-8") == render_markdown(), (
        "docs/schema.md is stale: run `yigong schema-docs -o docs/schema.md`"
    )
