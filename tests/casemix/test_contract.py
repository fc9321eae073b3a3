"""The file contract's column passes: ``|``-joined code lists split chunk by chunk."""

from __future__ import annotations

import pyarrow as pa

from yigong.casemix import contract
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


def _contract_file(path, rows: list[str]) -> None:
    head = "case_id,sex,age_years,age_days,birth_weight_g,length_of_stay,discharge_mode,diagnoses,procedures\n"  # noqa: E501
    path.write_text(head + "".join(r + "\n" for r in rows), encoding="utf-8")


def _synthetic_file(tmp_path):
    """Synthetic cases as a contract file (lists ``|``-joined, empty for none)."""
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    from yigong.casemix.synthetic import synthetic_cases

    t = synthetic_cases("chs-drg-1.1", 2000, 4)
    cols = {
        n: pc.binary_join(t.column(n), "|") if pa.types.is_list(t.column(n).type) else t.column(n)
        for n in t.column_names
    }
    src = tmp_path / "cases.csv"
    pacsv.write_csv(pa.table(cols), src, pacsv.WriteOptions(quoting_style="none"))
    return src


def test_the_line_writer_writes_what_the_csv_writer_writes(tmp_path, monkeypatch) -> None:
    """`write_grouped_csv` (lines from the few distinct outcomes) against `write_results_csv`
    of `group_cases`' table: the same bytes, for code lists read as text or as lists, and for
    slices of the input (Arrow arrays that start inside their buffers)."""
    from tests.casemix.drg_helpers import HANDAN, NATIONAL, SAMPLES
    from yigong.casemix.batch import group, group_cases
    from yigong.casemix.contract import write_grouped_csv, write_results_csv
    from yigong.services.drg_files import summarise, summary_of

    for src in (SAMPLES / "cases.csv", _synthetic_file(tmp_path)):
        for scheme in (NATIONAL, HANDAN):
            lists = read_cases_csv(src)
            text = read_cases_csv(src, lists=False)
            assert text.column("diagnoses").type == pa.string()
            want = group_cases(lists, scheme)
            write_results_csv(want, tmp_path / "want.csv")
            grouped = group(text, scheme)
            with monkeypatch.context() as m:  # the lines are made here, not by the CSV writer
                m.setattr(contract, "write_results_csv", None)
                write_grouped_csv(text.column("case_id"), grouped, tmp_path / "got.csv")
            assert (tmp_path / "got.csv").read_bytes() == (tmp_path / "want.csv").read_bytes()
            assert summary_of(grouped) == summarise(want)
            part = text.slice(3, 700)
            write_results_csv(group_cases(part, scheme), tmp_path / "want.csv")
            with monkeypatch.context() as m:
                m.setattr(contract, "write_results_csv", None)
                write_grouped_csv(part.column("case_id"), group(part, scheme), tmp_path / "got.csv")
            assert (tmp_path / "got.csv").read_bytes() == (tmp_path / "want.csv").read_bytes()


def test_the_line_writer_leaves_a_case_id_to_quote_to_the_csv_writers(tmp_path) -> None:
    from yigong.casemix.batch import group, group_cases
    from yigong.casemix.contract import write_grouped_csv, write_results_csv

    src = tmp_path / "in.csv"
    _contract_file(
        src,
        ["a,1,40,,,5,1,J18.900,", '"b,1",1,40,,,5,1,J18.900,', ",1,40,,,5,1,J18.900,"],
    )
    t = read_cases_csv(src, lists=False)
    write_grouped_csv(t.column("case_id"), group(t, "chs-drg-1.1"), tmp_path / "got.csv")
    write_results_csv(group_cases(t, "chs-drg-1.1"), tmp_path / "want.csv")
    got = (tmp_path / "got.csv").read_text(encoding="utf-8")
    assert got == (tmp_path / "want.csv").read_text(encoding="utf-8")
    assert '"b,1",grouped' in got and "\n,invalid_input,,,\n" in got
