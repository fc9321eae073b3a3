"""The fault files: the manifest lists every planted error, and each one is really there."""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from yigong.ingest.plausibility import builtin_rules
from yigong.schema.codes import code_values
from yigong.schema.tables import TABLES
from yigong.synth import write_faults
from yigong.synth.faults import RULES
from yigong.synth.ids import is_valid

PLAUSIBLE = builtin_rules()


@pytest.fixture(scope="module")
def faults(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict[str, str]]]:
    out = tmp_path_factory.mktemp("faults")
    manifest = write_faults(out, seed=7)
    with manifest.open(encoding="utf-8", newline="") as fh:
        return out, list(csv.DictReader(fh))


def _file(out: Path, name: str) -> tuple[list[str], list[list[str]]]:
    with (out / name).open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    return rows[0], rows[1:]


def test_every_table_and_every_rule_is_covered(faults) -> None:
    out, expected = faults
    assert {e["file"] for e in expected} == {f"{t.name}.csv" for t in TABLES}
    assert {e["rule"] for e in expected} == set(RULES)
    assert all((out / e["file"]).exists() for e in expected)


def test_each_planted_error_is_present(faults) -> None:
    out, expected = faults
    by_name = {t.name: t for t in TABLES}
    for e in expected:
        header, rows = _file(out, e["file"])
        table = by_name[e["file"].removesuffix(".csv")]
        rule = e["rule"]
        if rule == "missing_column":
            assert e["field"] not in header and e["field"] in table.file_columns()
            continue
        row = rows[int(e["row_no"]) - 1]
        if rule == "malformed":
            assert len(row) != len(header)
            continue
        value = dict(zip(header, row, strict=True))
        if rule == "duplicate_key":
            key = tuple(value[k] for k in e["field"].split("+"))
            earlier = [dict(zip(header, r, strict=False)) for r in rows[: int(e["row_no"]) - 1]]
            assert any(tuple(r.get(k) for k in e["field"].split("+")) == key for r in earlier)
            continue
        col = next(c for c in table.columns if (c.pseudonymise or c.name) == e["field"])
        v = value[e["field"]]
        match rule:
            case "required":
                assert v == "" and col.required
            case "code":
                assert col.codes and v.split("|")[0] not in set(code_values(col.codes))
            case "minimum":
                assert float(v) < col.minimum
            case "maximum":
                assert float(v) > col.maximum
            case "reference":
                assert col.ref
            case "raw_id_number":
                assert is_valid(v) and not col.pseudonymise
            case "list_alignment":
                assert len(v.split("|")) != len(value[col.aligned_with].split("|"))
            case "date_order":
                pair = next(o for o in table.date_orders if e["field"] in (o.earlier, o.later))
                assert value[pair.earlier] > value[pair.later]
            case "type":
                assert v != ""
            case "los_bound":
                assert int(v) > PLAUSIBLE.stays_of(table.name)[0].maximum_days
            case "los_dates":
                stay = PLAUSIBLE.stays_of(table.name)[0]
                days = date.fromisoformat(value[stay.discharge]) - date.fromisoformat(
                    value[stay.admission]
                )
                assert abs(int(v) - days.days) > stay.tolerance_days
            case "date_window":
                assert date.fromisoformat(v) < PLAUSIBLE.dates.earliest
            case "part_total":
                total = next(p.total for p in PLAUSIBLE.parts_of(table.name) if col.name in p.parts)
                assert Decimal(v) > Decimal(value[total])
            case "parts_sum":
                parts = next(p for p in PLAUSIBLE.parts_of(table.name) if p.total == col.name)
                each = [Decimal(value[c] or 0) for c in parts.sum_of if c in value]
                assert max(each) <= Decimal(v) < sum(each)
            case _:
                raise AssertionError(rule)


def test_rows_not_listed_keep_their_fields(faults) -> None:
    out, expected = faults
    flagged = {(e["file"], e["row_no"]) for e in expected}
    for t in TABLES:
        header, rows = _file(out, f"{t.name}.csv")
        for i, row in enumerate(rows, start=1):
            if (f"{t.name}.csv", str(i)) not in flagged:
                assert len(row) == len(header), (t.name, i)
                required = [c.pseudonymise or c.name for c in t.columns if c.required]
                values = dict(zip(header, row, strict=True))
                assert all(values[c] != "" for c in required if c in values), (t.name, i)
