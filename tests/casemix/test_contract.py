"""The file contract's column passes: ``|``-joined code lists split chunk by chunk."""

from __future__ import annotations

import pyarrow as pa

from yigong.casemix.contract import read_cases_csv, split_lists


def test_empty_and_null_fields_are_empty_lists_in_every_chunk() -> None:
    col = pa.chunked_array(
        [
            pa.array(["A01|B02", None, "", "C03"]),
            pa.array(["", "", None]),
            pa.array(["D04||E05", "|", None]),
            pa.array([], pa.string()),
            pa.array(["F06"]).slice(0, 1),
        ]
    )
    got = split_lists(col).to_pylist()
    assert got == [
        ["A01", "B02"], [], [], ["C03"], [], [], [], ["D04", "", "E05"], ["", ""], [], ["F06"],
    ]  # fmt: skip
    assert split_lists(col).null_count == 0


def test_a_quoted_empty_field_reads_as_an_empty_list(tmp_path) -> None:
    header = "case_id,sex,age_years,age_days,birth_weight_g,diagnoses,procedures\n"
    p = tmp_path / "in.csv"
    p.write_text(header + 'a,1,40,,,J18.900,""\nb,1,40,,,"",\n', encoding="utf-8")
    t = read_cases_csv(p)
    assert t.column("procedures").to_pylist() == [[], []]
    assert t.column("diagnoses").to_pylist() == [["J18.900"], []]
