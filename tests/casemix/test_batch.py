"""The set-based engine: agrees with the per-case interpreter on synthetic and edge inputs,
chunks and threads without changing results, accepts dictionary-encoded lists, translates
codes (step 0) on request, and carries scheme/version in its result."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from tests.casemix.drg_helpers import HANDAN, NATIONAL, SAMPLES
from yigong.casemix import InputError, explain_case, group_cases, read_cases_csv, table_to_cases
from yigong.casemix import batch as batch_mod
from yigong.casemix.synthetic import synthetic_cases


def _rows(t: pa.Table) -> list[tuple]:
    return [(r["status"], r["mdc"], r["adrg"], r["drg"], r["rule_id"]) for r in t.to_pylist()]


def _traced(cases, scheme):
    out = []
    for c in cases:
        tr = explain_case(c, scheme)
        out.append((tr.status, tr.mdc, tr.adrg, tr.drg, tr.rule_id))
    return out


@pytest.mark.parametrize("scheme", [NATIONAL, HANDAN])
def test_batch_equals_interpreter_on_synthetic_cases(scheme):
    table = synthetic_cases(scheme, 1500, seed=11)
    assert _rows(group_cases(table, scheme)) == _traced(table_to_cases(table), scheme)


def test_chunking_and_threads_do_not_change_results(monkeypatch):
    table = synthetic_cases(NATIONAL, 2500, seed=3)
    whole = _rows(group_cases(table, NATIONAL, threads=1))
    monkeypatch.setattr(batch_mod, "CHUNK", 300)
    assert _rows(group_cases(table, NATIONAL, threads=2)) == whole
    assert _rows(group_cases(table, NATIONAL, threads=1)) == whole


def test_dictionary_encoded_and_chunked_arrow_input():
    table = synthetic_cases(NATIONAL, 1000, seed=5)
    want = _rows(group_cases(table, NATIONAL))
    col = table.column("diagnoses").combine_chunks()
    enc = pa.ListArray.from_arrays(col.offsets, pc.dictionary_encode(col.values))
    t2 = table.set_column(table.column_names.index("diagnoses"), "diagnoses", enc)
    assert _rows(group_cases(t2, NATIONAL)) == want
    t3 = pa.concat_tables([table.slice(0, 400), table.slice(400)])
    assert _rows(group_cases(t3, NATIONAL)) == want


def test_null_lists_and_null_fields_are_handled_like_empty_and_missing():
    t = pa.table(
        {
            "case_id": ["a", "b", "c"],
            "sex": pa.array([1, None, 2], pa.int8()),
            "age_years": pa.array([40, 40, 0], pa.int32()),
            "age_days": pa.array([None, None, 5], pa.int32()),
            "birth_weight_g": pa.array([None, None, None], pa.int32()),
            "diagnoses": pa.array(
                [["I61.900x002"], ["I61.900x002"], ["P07.200"]], pa.list_(pa.string())
            ),
            "procedures": pa.array([None, [], None], pa.list_(pa.string())),
        }
    )
    rows = group_cases(t, NATIONAL).to_pylist()
    assert [r["status"] for r in rows] == ["grouped", "invalid_input", "invalid_input"]


def test_result_carries_scheme_and_flags():
    t = read_cases_csv(SAMPLES / "cases.csv").slice(0, 50)
    res = group_cases(t, HANDAN)
    assert res.schema.metadata[b"scheme"] == HANDAN.encode()
    assert res.schema.metadata[b"pack_version"] == b"1.1-handan-2022"
    assert (
        res.num_rows == 50 and res.column("case_id").to_pylist() == t.column("case_id").to_pylist()
    )
    for r in res.to_pylist():
        if r["drg"] and r["drg"].endswith("1"):
            assert r["has_mcc"]


def test_code_translation_step_0():
    t = pa.table(
        {
            "case_id": ["mapped", "bad-dx", "bad-px"],
            "sex": pa.array([1, 1, 1], pa.int8()),
            "age_years": pa.array([40, 40, 40], pa.int32()),
            "age_days": pa.array([None] * 3, pa.int32()),
            "birth_weight_g": pa.array([None] * 3, pa.int32()),
            "diagnoses": [["A01.000x002"], ["NOT-IN-MAP"], ["A01.000x002"]],
            "procedures": [[], [], ["NOT-IN-MAP"]],
        }
    )
    plain = [r["status"] for r in group_cases(t, NATIONAL).to_pylist()]
    mapped = group_cases(t, NATIONAL, translate_codes=True).to_pylist()
    assert [r["status"] for r in mapped] == ["grouped", "dx_not_mappable", "proc_not_mappable"]
    assert plain[1] == "ungroupable"
    traced = [explain_case(c, NATIONAL, translate_codes=True) for c in table_to_cases(t)]
    assert [(x.status, x.drg) for x in traced] == [(r["status"], r["drg"]) for r in mapped]
    assert "A01.000x002 -> A01.003" in traced[0].translation


def test_input_file_errors_name_row_and_field(tmp_path):
    p = tmp_path / "in.csv"
    p.write_text(
        "case_id,sex,age_years,age_days,birth_weight_g,length_of_stay,discharge_mode,diagnoses,procedures\n"
        "a,1,40,,,3,1,I61.900x002,\n"
        "b,x,40,,,3,1,I61.900x002,\n"
        "c,1,forty,,,3,1,I61.900x002,\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as exc:
        read_cases_csv(p, strict=True)
    problems = [(q.row, q.field) for q in exc.value.problems]
    assert problems == [(2, "sex"), (3, "age_years")]
    assert "in.csv: row 2, field sex" in str(exc.value)
    # default (README step 1): kept, grouped as invalid_input, the reason travels with the row
    table = read_cases_csv(p)
    assert [r["status"] for r in group_cases(table, NATIONAL).to_pylist()] == [
        "grouped",
        "invalid_input",
        "invalid_input",
    ]
    tr = explain_case(table_to_cases(table)[2], NATIONAL)
    assert (
        tr.status == "invalid_input"
        and "age_years: not an integer: 'forty'" in tr.validation_errors[0]
    )
    q = tmp_path / "missing.csv"
    q.write_text("case_id,sex\n", encoding="utf-8")
    with pytest.raises(InputError, match="required column missing"):
        read_cases_csv(q)


@pytest.mark.parametrize("scheme", [NATIONAL, HANDAN])
def test_batch_equals_interpreter_on_stress_cases(scheme):
    from tests.casemix.stress_cases import stress_cases
    from yigong.casemix import cases_to_table

    cases = stress_cases(scheme, 4000, seed=23)
    assert _rows(group_cases(cases_to_table(cases), scheme)) == _traced(cases, scheme)


def _as_text(table: pa.Table) -> pa.Table:
    """The code lists as the contract's ``|``-joined text (empty list: empty text)."""
    for name in ("diagnoses", "procedures"):
        joined = pc.fill_null(pc.binary_join(table.column(name), "|"), "")
        table = table.set_column(table.column_names.index(name), name, joined)
    return table


@pytest.mark.parametrize("translate", [False, True])
def test_joined_text_lists_group_as_split_lists(translate):
    table = synthetic_cases(NATIONAL, 3000, seed=8)
    want = group_cases(table, NATIONAL, translate_codes=translate)
    text = _as_text(table)
    got = group_cases(text, NATIONAL, translate_codes=translate)
    assert got.equals(want)
    chunked = pa.concat_tables([text.slice(0, 1000), text.slice(1000, 7), text.slice(1007)])
    assert group_cases(chunked, NATIONAL, translate_codes=translate, threads=2).equals(want)


@pytest.mark.parametrize(
    "vocab", [None, ["", "J18.900", "B"], ["J18.900", "A|B"]], ids=["pack", "empty", "bar"]
)
def test_encoding_joined_text_equals_encoding_the_split_lists(vocab):
    """Views into the text that keep the ``|`` after each code look up exactly as the split
    codes do: empty, null, leading, trailing and doubled separators, multi-byte text, slices
    (a vocabulary holding ``|`` takes the splitting path)."""
    text = pa.chunked_array(
        [
            pa.array(["J18.900|B|", "", None, "|", "||", "J18.900", "|J18.900", "é|B|J18.900"]),
            pa.array(["x", "J18.900|A|B", "A|B", None, ""]).slice(1, 3),
            pa.array([], pa.string()),
        ]
    )
    words = (
        batch_mod.compiled_pack(NATIONAL).dx_vocab
        if vocab is None
        else pa.array(vocab, pa.string())
    )
    from yigong.casemix.contract import split_lists

    a = batch_mod.encode(text, words)
    b = batch_mod.encode(split_lists(text), words)
    assert a.ids.tolist() == b.ids.tolist()
    assert a.offsets.tolist() == b.offsets.tolist()
    if vocab is not None:  # the looked-up codes, by name
        names = [*vocab, None]
        got = [
            [names[i] for i in a.ids[lo:hi]]
            for lo, hi in zip(a.offsets[:-1], a.offsets[1:], strict=True)
        ]
        assert got == [
            [s if s in vocab else None for s in row] for row in split_lists(text).to_pylist()
        ]


def test_encoding_text_with_no_codes_and_large_text():
    words = pa.array(["J18.900", "A"], pa.string())
    empty = batch_mod.encode(pa.array(["", None, ""], pa.string()), words)
    assert empty.ids.tolist() == [] and empty.offsets.tolist() == [0, 0, 0, 0]
    large = batch_mod.encode(
        pa.chunked_array([pa.array(["J18.900|B", ""], pa.large_string())]), words
    )
    assert large.ids.tolist() == [0, 2] and large.offsets.tolist() == [0, 2, 2]
