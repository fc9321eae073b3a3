"""A generated corpus of bad input files for ingest (issue 17): each kind is one file written
here (nothing checked in) with what a correct ingest does with it — refuse the file in one line,
or read every physical row and reject exactly the bad ones. `python -m tests.ingest.corpus DIR`
writes the corpus; `tests/ingest/test_corpus.py` ingests it, counts handled and mishandled
kinds, and scans the warehouse for the identity numbers and names it holds."""

from __future__ import annotations

import csv
import datetime as dt
import sys
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from tests.ingest.conftest import discharge_row, id_number
from yigong.schema.tables import table

RAW = id_number("13042320200716001")
RAW2 = id_number("41012219790315002")
NAME = "欧阳震华"
IDS = (RAW, RAW2)
NAMES = (NAME,)
SPACED = f"{RAW[:6]} {RAW[6:14]} {RAW[14:]}"
FULL = RAW.translate(str.maketrans("0123456789X", "０１２３４５６７８９Ｘ"))
COLS = [*table("discharges").file_columns(), "patient_name"]
REFUSE = "refuse"


@dataclass(frozen=True)
class Kind:
    """One kind of bad input: how to write it, and the correct outcome (REFUSE, or (rows
    read, rows rejected))."""

    name: str
    write: Callable[[Path], Path]
    expect: str | tuple[int, int]


def _rows(bad: dict[str, str] | None = None, n: int = 3) -> list[dict[str, str]]:
    rows = [
        discharge_row(
            discharge_id=f"H1-A{i}-1",
            case_no=f"A{i}",
            patient_id_number=RAW2,
            patient_name=NAME,
        )
        for i in range(n)
    ]
    if bad is not None:
        rows[1] = {**rows[1], **bad}
    return rows


def _csv(rows: list[dict[str, str]], cols: list[str] = COLS, encoding: str = "utf-8"):
    def write(folder: Path) -> Path:
        path = folder / "discharges.csv"
        with path.open("w", newline="", encoding=encoding) as fh:
            w = csv.DictWriter(fh, cols, extrasaction="ignore")
            w.writeheader()
            for r in rows:
                w.writerow({c: r.get(c, "") for c in cols})
        return path

    return write


def _cell(bad: dict[str, str]) -> Callable[[Path], Path]:
    return _csv(_rows(bad))


def _bytes(content: bytes, name: str = "discharges.csv") -> Callable[[Path], Path]:
    def write(folder: Path) -> Path:
        path = folder / name
        path.write_bytes(content)
        return path

    return write


def _text_lines(edit: Callable[[list[str]], list[str]], encoding: str = "utf-8"):
    def write(folder: Path) -> Path:
        path = _csv(_rows())(folder)
        lines = edit(path.read_text(encoding="utf-8").splitlines())
        path.write_bytes(("\n".join(lines) + "\n").encode(encoding, "surrogateescape"))
        return path

    return write


def _xlsx(sheets: dict[str, list[list]]) -> Callable[[Path], Path]:
    def write(folder: Path) -> Path:
        from openpyxl import Workbook

        wb = Workbook()
        wb.remove(wb.active)
        for name, rows in sheets.items():
            ws = wb.create_sheet(name)
            for r in rows:
                ws.append(r)
        path = folder / "discharges.xlsx"
        wb.save(path)
        return path

    return write


def _sheet(rows: list[dict[str, str]], cols: list[str] = COLS) -> list[list]:
    return [cols, *[[r.get(c, "") for c in cols] for r in rows]]


def _parquet(column: str, values: list, dtype: pa.DataType) -> Callable[[Path], Path]:
    def write(folder: Path) -> Path:
        rows = _rows()
        data = {c: pa.array([r.get(c) or None for r in rows], pa.string()) for c in COLS}
        data[column] = pa.array(values, dtype)
        path = folder / "discharges.parquet"
        pq.write_table(pa.table(data), path)
        return path

    return write


def _mixed_encoding(folder: Path) -> Path:
    path = _csv(_rows())(folder)
    lines = path.read_bytes().split(b"\n")
    lines[2] = lines[2].replace("内科".encode(), "内科".encode("gbk"))
    path.write_bytes(b"\n".join(lines))
    return path


def _unterminated(lines: list[str]) -> list[str]:
    lines[2] = lines[2].replace("内科", '"内科', 1)
    return lines


KINDS: list[Kind] = [
    # identity numbers where they do not belong (privacy)
    Kind("id-in-int-column", _cell({"length_of_stay": RAW}), (3, 1)),
    Kind("id-in-decimal-column", _cell({"total_cost": RAW}), (3, 1)),
    Kind("id-spaced-in-text", _cell({"department": f"内科 {SPACED}"}), (3, 1)),
    Kind("id-full-width-in-text", _cell({"department": f"内科{FULL}"}), (3, 1)),
    Kind("id-in-case-no", _cell({"case_no": RAW}), (3, 1)),
    Kind("id-in-code-column", _cell({"sex": RAW}), (3, 1)),
    Kind("id-in-reference-column", _cell({"institution_id": RAW}), (3, 1)),
    Kind("id-in-icd-list", _cell({"diagnosis_codes": f"I10.x00|{RAW}"}), (3, 1)),
    Kind("id-in-aligned-list", _cell({"diagnosis_conditions": f"1|1|{RAW}"}), (3, 1)),
    Kind("id-in-date-column", _cell({"admission_date": RAW}), (3, 1)),
    Kind("id-with-type-error", _cell({"age_years": RAW + "x"}), (3, 1)),
    # identifier columns
    Kind("id-bad-check-digit", _cell({"patient_id_number": RAW[:17] + "0"}), (3, 1)),
    Kind("id-as-float-text", _cell({"patient_id_number": "1.3042320200716002e+17"}), (3, 1)),
    Kind("id-15-digit-old-form", _cell({"patient_id_number": RAW[:6] + RAW[8:17]}), (3, 1)),
    Kind("id-with-spaces", _cell({"patient_id_number": SPACED}), (3, 1)),
    Kind(
        "id-parquet-float",
        _parquet("patient_id_number", [1.3042320200716002e17] * 3, pa.float64()),
        (3, 3),
    ),
    Kind(
        "id-parquet-int-in-los",
        _parquet("length_of_stay", [7, int(RAW[:17] + "0"), 7], pa.int64()),
        (3, 1),
    ),
    Kind(
        "id-excel-number", _xlsx({"出院": _sheet(_rows({"patient_id_number": int(RAW)}))}), (3, 1)
    ),
    # cells
    Kind("negative-los", _cell({"length_of_stay": "-1"}), (3, 1)),
    Kind("age-140", _cell({"age_years": "140"}), (3, 1)),
    Kind("impossible-date", _cell({"admission_date": "2024-02-30"}), (3, 1)),
    Kind("us-date", _cell({"admission_date": "03/01/2024"}), (3, 1)),
    Kind("discharge-before-admission", _cell({"discharge_date": "2024-02-20"}), (3, 1)),
    Kind("money-three-decimals", _cell({"total_cost": "12.345"}), (3, 1)),
    Kind("money-text", _cell({"total_cost": "abc"}), (3, 1)),
    Kind("money-comma-decimal", _cell({"total_cost": "5230,50"}), (3, 1)),
    Kind("required-missing", _cell({"department": ""}), (3, 1)),
    Kind("required-blank", _cell({"department": "   "}), (3, 1)),
    Kind("unknown-sex-code", _cell({"sex": "M"}), (3, 1)),
    Kind("unknown-icd-code", _cell({"diagnosis_codes": "I10.x00|ZZZ.999"}), (3, 1)),
    Kind("list-misaligned", _cell({"diagnosis_conditions": "1"}), (3, 1)),
    Kind("unknown-institution", _cell({"institution_id": "H9"}), (3, 1)),
    Kind("duplicate-key", _cell({"discharge_id": "H1-A0-1"}), (3, 1)),
    Kind("boolean-yes", _cell({"is_day_surgery": "yes"}), (3, 1)),
    Kind("int-with-decimals", _cell({"age_years": "7.5"}), (3, 1)),
    Kind("int-exponent", _cell({"age_years": "1e2"}), (3, 1)),
    Kind("nul-byte-in-key", _cell({"discharge_id": "H1-A1\x00-1"}), (3, 1)),
    Kind("control-char-in-key", _cell({"discharge_id": "H1-A1\x07-1"}), (3, 1)),
    Kind("padded-key", _cell({"discharge_id": "H1-A1-1 "}), (3, 1)),
    # lines
    Kind("unterminated-quote", _text_lines(_unterminated), (3, 2)),
    Kind("short-line", _text_lines(lambda ls: [*ls[:2], "H1-X,H1,only,four", *ls[2:]]), (4, 1)),
    Kind("long-line", _text_lines(lambda ls: [ls[0], ls[1] + ",extra,cells", *ls[2:]]), (3, 1)),
    Kind("crlf-lines", _bytes(b""), (0, 0)),  # replaced below (needs the good rows)
    Kind(
        "blank-lines-between", _text_lines(lambda ls: [ls[0], ls[1], "", ls[2], "", ls[3]]), (3, 0)
    ),
    Kind("no-final-newline", _bytes(b""), (0, 0)),  # replaced below
    # files
    Kind("empty-file", _bytes(b""), REFUSE),
    Kind("header-only", _text_lines(lambda ls: ls[:1]), (0, 0)),
    Kind("duplicated-header", _text_lines(lambda ls: [ls[0] + ",department", *ls[1:]]), REFUSE),
    Kind("missing-required-column", _csv(_rows(), [c for c in COLS if c != "department"]), (3, 3)),
    Kind("binary-garbage", _bytes(bytes(range(256)) * 8), REFUSE),
    Kind("utf16-file", _bytes("discharge_id,case_no\nH1,A1\n".encode("utf-16")), REFUSE),
    Kind("gbk-file", _csv(_rows(), encoding="gbk"), (3, 0)),
    Kind("utf8-bom", _csv(_rows(), encoding="utf-8-sig"), (3, 0)),
    Kind("mixed-utf8-gbk", _mixed_encoding, REFUSE),
    Kind(
        "latin1-file",
        _bytes("discharge_id,department\nH1-A1-1,Médecine\n".encode("latin-1")),
        REFUSE,
    ),
    Kind("private-use-chars", _cell({"department": "内\ue000科"}), (3, 1)),
    Kind("unknown-extension", _bytes(b"a,b\n1,2\n", "discharges.txt"), REFUSE),
    Kind(
        "xlsx-two-sheets-one-table",
        _xlsx({"1月": _sheet(_rows()[:2]), "2月": _sheet(_rows()[2:])}),
        (3, 0),
    ),
    Kind(
        "xlsx-sheet-of-other-table",
        _xlsx({"出院": _sheet(_rows()), "说明": [["备注", "x"], ["a", "b"]]}),
        REFUSE,
    ),
    Kind(
        "xlsx-duplicated-header",
        _xlsx({"出院": [[*COLS, "department"], *_sheet(_rows())[1:]]}),
        REFUSE,
    ),
    Kind("xlsx-not-a-workbook", _bytes(b"PK\x03\x04 not really", "discharges.xlsx"), REFUSE),
    Kind("xlsx-empty-sheet", _xlsx({"出院": []}), REFUSE),
    Kind("parquet-not-parquet", _bytes(b"PAR1 nonsense", "discharges.parquet"), REFUSE),
]


def _crlf(folder: Path) -> Path:
    path = _csv(_rows())(folder)
    path.write_bytes(path.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))
    return path


def _no_final_newline(folder: Path) -> Path:
    path = _csv(_rows())(folder)
    path.write_bytes(path.read_bytes().rstrip(b"\r\n"))
    return path


KINDS = [
    Kind(k.name, _crlf, (3, 0))
    if k.name == "crlf-lines"
    else Kind(k.name, _no_final_newline, (3, 0))
    if k.name == "no-final-newline"
    else k
    for k in KINDS
]


# --- plausibility findings (issue 17 item 2: rules as data, pack plausibility-2021) ---------
# Each kind is rejected by the rule named in PLAUSIBILITY_RULES (test_corpus checks the rule).
SETTLE_COLS = list(table("settlements").file_columns())


def _settlement_rows(bad: dict[str, str] | None = None, n: int = 3) -> list[dict[str, str]]:
    rows = [
        {
            "settlement_id": f"JS-A{i}",
            "provider_code": "H1",
            "service_area": "130423",
            "insured_area": "130423",
            "person_id_number": RAW2,
            "scheme": "resident",
            "care_type": "inpatient",
            "admission_date": "2024-03-01",
            "discharge_date": "2024-03-08",
            "settle_date": "2024-03-08",
            "length_of_stay": "7",
            "total_cost": "5230.50",
            "fund_paid": "3138.30",
            "personal_paid": "2092.20",
            "payment_method": "drg",
        }
        for i in range(n)
    ]
    if bad is not None:
        rows[1] = {**rows[1], **bad}
    return rows


def _settlement(bad: dict[str, str]) -> Callable[[Path], Path]:
    def write(folder: Path) -> Path:
        path = folder / "settlements.csv"
        with path.open("w", newline="", encoding="utf-8") as fh:
            w = csv.DictWriter(fh, SETTLE_COLS, extrasaction="ignore")
            w.writeheader()
            for r in _settlement_rows(bad):
                w.writerow({c: r.get(c, "") for c in SETTLE_COLS})
        return path

    return write


PLAUSIBILITY_KINDS: list[Kind] = [
    Kind("los-99999", _cell({"length_of_stay": "99999"}), (3, 1)),
    Kind("year-0001", _cell({"admission_date": "0001-03-01"}), (3, 1)),
    Kind("year-2999", _cell({"discharge_date": "2999-03-08"}), (3, 1)),
    Kind("birth-year-0001", _bytes(b""), (0, 0)),  # replaced below (a persons file)
    Kind("los-not-dates", _cell({"length_of_stay": "30"}), (3, 1)),
    Kind("part-above-total", _cell({"cost_western_drugs": "99999.00"}), (3, 1)),
    Kind("self-paid-above-total", _cell({"self_paid": "6000.00"}), (3, 1)),
    Kind(
        "cost-classes-sum-above-total",
        _cell({"cost_western_drugs": "3000.00", "cost_consumables": "3000.00"}),
        (3, 1),
    ),
    Kind("settlement-los-99999", _settlement({"length_of_stay": "99999"}), (3, 1)),
    Kind("settlement-year-2999", _settlement({"settle_date": "2999-03-08"}), (3, 1)),
    Kind("settlement-los-not-dates", _settlement({"length_of_stay": "2"}), (3, 1)),
    Kind("fund-paid-above-total", _settlement({"fund_paid": "9999.00"}), (3, 1)),
    Kind("personal-paid-above-total", _settlement({"personal_paid": "9999.00"}), (3, 1)),
    Kind("fund-plus-personal-above-total", _settlement({"fund_paid": "5000.00"}), (3, 1)),
]

#: kind -> (field, rule) of its one quarantined finding.
PLAUSIBILITY_RULES: dict[str, tuple[str, str]] = {
    "los-99999": ("length_of_stay", "los_bound"),
    "year-0001": ("admission_date", "date_window"),
    "year-2999": ("discharge_date", "date_window"),
    "birth-year-0001": ("birth_date", "date_window"),
    "los-not-dates": ("length_of_stay", "los_dates"),
    "part-above-total": ("cost_western_drugs", "part_total"),
    "self-paid-above-total": ("self_paid", "part_total"),
    "cost-classes-sum-above-total": ("total_cost", "parts_sum"),
    "settlement-los-99999": ("length_of_stay", "los_bound"),
    "settlement-year-2999": ("settle_date", "date_window"),
    "settlement-los-not-dates": ("length_of_stay", "los_dates"),
    "fund-paid-above-total": ("fund_paid", "part_total"),
    "personal-paid-above-total": ("personal_paid", "part_total"),
    "fund-plus-personal-above-total": ("total_cost", "parts_sum"),
}


def _persons(folder: Path) -> Path:
    cols = list(table("persons").file_columns())
    rows = [
        {"id_number": id_number(f"1304232000010100{i}"), "sex": "1", "division_code": "130423",
         "birth_date": "2000-01-01"}
        for i in range(3)
    ]  # fmt: skip
    rows[1]["birth_date"] = "0001-01-01"
    path = folder / "persons.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, cols)
        w.writeheader()
        w.writerows({c: r.get(c, "") for c in cols} for r in rows)
    return path


PLAUSIBILITY_KINDS = [
    Kind(k.name, _persons, (3, 1)) if k.name == "birth-year-0001" else k for k in PLAUSIBILITY_KINDS
]
KINDS = [*KINDS, *PLAUSIBILITY_KINDS]
# --- end of the plausibility findings ------------------------------------------------------


# -- issue 17: what a file is, keys across files, Excel cells openpyxl reads as empty ---------
# (kinds that take more than one ingest carry their own `run`: it ingests, and returns the
# outcome compared with `expect`)


@dataclass(frozen=True)
class Scenario(Kind):
    """A kind whose outcome takes more than one ingest (or several files): `run(wh, written)`
    does them and returns the outcome."""

    run: Callable[..., str | tuple[int, int]] | None = None


def _keyed(prefix: str, bad: dict[str, str] | None = None) -> list[dict[str, str]]:
    rows = [
        discharge_row(
            discharge_id=f"H1-{prefix}{i}-1",
            case_no=f"{prefix}{i}",
            patient_id_number=RAW2,
            patient_name=NAME,
        )
        for i in range(3)
    ]
    if bad is not None:
        rows[1] = {**rows[1], **bad}
    return rows


def _keyed_csv(prefix: str, bad: dict[str, str] | None = None) -> Callable[[Path], Path]:
    return _csv(_keyed(prefix, bad))


def _sha(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def _left(wh, *shas: str) -> int:
    """Quarantine rows of the given file contents."""
    q = wh.table("quarantine")
    return int(
        wh.to_arrow(q.filter(q.file_sha256.isin(list(shas))).count().as_table())[0][0].as_py()
    )


def _fixed_via_other_spelling(wh, path: Path):
    from tests.ingest.conftest import KEY
    from yigong.ingest import ingest_paths

    ingest_paths(wh, [path], key=KEY)
    old = _sha(path)
    _keyed_csv("Q")(path.parent)  # fixed in place, ingested through ./x/../x/
    (rep,) = ingest_paths(wh, [path.parent / ".." / path.parent.name / path.name], key=KEY)
    return (rep.rows_read, _left(wh, old, _sha(path)))


def _new_file_same_path(wh, path: Path):
    from tests.ingest.conftest import KEY
    from yigong.ingest import ingest_paths

    ingest_paths(wh, [path], key=KEY)
    old = _sha(path)
    _keyed_csv("S")(path.parent)  # another extract written over the same file
    (rep,) = ingest_paths(wh, [path], key=KEY)
    return (rep.rows_read, _left(wh, old, _sha(path)))


def _two_files_one_key(folder: Path) -> Path:
    data = folder / "discharges"
    data.mkdir(exist_ok=True)
    for name, rows in (("a", _keyed("D")), ("b", _keyed("E"))):
        if name == "b":
            rows[1] = {**rows[1], "discharge_id": "H1-D1-1"}
        _csv(rows)(data).rename(data / f"{name}.csv")
    return data


def _across_files(wh, path: Path):
    from tests.ingest.conftest import KEY
    from yigong.ingest import ingest_paths

    reports = ingest_paths(wh, [path], key=KEY)
    return (sum(r.rows_read for r in reports), sum(r.rows_rejected for r in reports))


def _xlsx_edited(edit: Callable, prefix: str, ns_prefix: bool = False) -> Callable[[Path], Path]:
    """A workbook of `_keyed(prefix)` rows, `edit(ws)` applied, its sheet XML written with a
    namespace prefix (``<x:c>``, as the OpenXML SDK writes) when asked."""

    def write(folder: Path) -> Path:
        import re
        import zipfile

        from openpyxl import Workbook

        wb = Workbook()
        ws = wb.active
        ws.title = "出院"
        for r in _sheet(_keyed(prefix)):
            ws.append(r)
        edit(ws)
        path = folder / "discharges.xlsx"
        wb.save(path)
        if ns_prefix:
            with zipfile.ZipFile(path) as zf:
                parts = {n: zf.read(n) for n in zf.namelist()}
            xml = parts["xl/worksheets/sheet1.xml"].decode()
            xml = re.sub(r"<(/?)(?!\?)([A-Za-z]+)", r"<\1x:\2", xml)
            xml = xml.replace('<x:worksheet xmlns="', '<x:worksheet xmlns:x="')
            parts["xl/worksheets/sheet1.xml"] = xml.encode()
            with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
                for name, data in parts.items():
                    zf.writestr(name, data)
        return path

    return write


def _letter(column: str) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(COLS.index(column) + 1)


def _uncached_formula(ws) -> None:
    ws[f"{_letter('cost_western_drugs')}3"] = "=1000+1"  # saved with no value


def _merged_rows(ws) -> None:
    ws.merge_cells(f"{_letter('department')}3:{_letter('department')}4")


KINDS += [
    Scenario(
        "quarantine-fixed-via-other-spelling",
        _keyed_csv("Q", {"sex": "M"}),
        (3, 0),
        _fixed_via_other_spelling,
    ),
    Scenario(
        "quarantine-new-file-same-path", _keyed_csv("R", {"sex": "M"}), (3, 1), _new_file_same_path
    ),
    Scenario("duplicate-key-across-files", _two_files_one_key, (6, 1), _across_files),
    Kind("xlsx-formula-without-value", _xlsx_edited(_uncached_formula, "F"), (3, 1)),
    Kind("xlsx-merged-data-range", _xlsx_edited(_merged_rows, "G"), REFUSE),
    Kind("xlsx-merged-range-ns-prefix", _xlsx_edited(_merged_rows, "H", ns_prefix=True), REFUSE),
]
# -- end of the issue 17 block (what a file is, keys across files, Excel cells) ----------------


# -- issue 17, the auditor's other kinds: ID forms in every column and table, the reader's
# lines and bytes, typed cells, headers, values, duplicates across runs, directories ---------
def _id_with_x() -> str:
    """A valid ID number whose check character is X."""
    for n in range(1000):
        found = id_number(f"13042319800101{n:03d}")
        if found.endswith("X"):
            return found
    raise AssertionError("no X check character")


RAW_X = _id_with_x()
DASHED = f"{RAW[:6]}-{RAW[6:14]}-{RAW[14:]}"
OLD15 = RAW[:6] + RAW[8:17]
IDS = (*IDS, RAW_X)
NAMES = (*NAMES, "歐陽震華")
#: what must never be shown or stored: every ID number of the corpus in every spelling.
NEEDLES = (*IDS, *NAMES, SPACED, FULL, DASHED, OLD15, *(i[:15] for i in IDS))


def leaked(*texts: object) -> list[str]:
    """The needles found in what ingest said (an error, a report's notices and samples)."""
    joined = " ".join(map(str, texts))
    return [n for n in NEEDLES if n in joined]


def said(report) -> list[object]:
    """Everything a report shows on the console."""
    return [report.file, *report.notices, *report.samples, *report.errors_by_rule]


def _table_rows(name: str, bad: dict[str, str] | None = None) -> list[dict[str, str]]:
    base: dict[str, list[dict[str, str]]] = {
        "settlements": _settlement_rows(),
        "outpatient_visits": [
            {"visit_id": f"V-A{i}", "institution_id": "H1", "patient_id_number": RAW2,
             "visit_date": "2024-03-01", "visit_type": "outpatient", "department": "内科",
             "diagnosis_code": "I10.x00", "payer": "2", "total_cost": "120.00",
             "cost_drugs": "50.00", "is_appointment": "false", "has_prescription": "true",
             "is_special_needs": "false"}
            for i in range(3)
        ],
        "bed_stats": [
            {"institution_id": "H1", "year": str(2021 + i), "approved_beds": "500",
             "open_beds": "520", "open_bed_days": "189800", "occupied_bed_days": "150000"}
            for i in range(3)
        ],
        "population": [
            {"division_code": "130423", "year": str(2021 + i),
             "resident_population": "600000", "registered_population": "650000"}
            for i in range(3)
        ],
        "referrals": [
            {"referral_id": f"R-A{i}", "patient_id_number": RAW2, "from_institution_id": "T1",
             "to_institution_id": "H1", "direction": "up", "setting": "inpatient",
             "status": "requested", "diagnosis_code": "I10.x00", "request_date": "2024-03-01",
             "is_out_of_county": "false", "within_community": "true"}
            for i in range(3)
        ],
        "persons": [
            {"id_number": id_number(f"1304232000010100{i}"), "sex": "1",
             "division_code": "130423", "birth_date": "2000-01-01", "scheme": "resident"}
            for i in range(3)
        ],
    }  # fmt: skip
    rows = [dict(r) for r in base[name]]
    if bad is not None:
        rows[1] = {**rows[1], **bad}
    return rows


def _table_csv(
    name: str, bad: dict[str, str] | None = None, rows: list[dict[str, str]] | None = None
) -> Callable[[Path], Path]:
    def write(folder: Path) -> Path:
        cols = list(table(name).file_columns())
        path = folder / f"{name}.csv"
        with path.open("w", newline="", encoding="utf-8") as fh:
            w = csv.DictWriter(fh, cols, extrasaction="ignore")
            w.writeheader()
            for r in rows if rows is not None else _table_rows(name, bad):
                w.writerow({c: r.get(c, "") for c in cols})
        return path

    return write


def _header_edit(edit: Callable[[list[str]], list[str]]) -> Callable[[Path], Path]:
    """The good rows under a header `edit` changed (cells of the first line)."""

    def change(lines: list[str]) -> list[str]:
        return [",".join(edit(lines[0].split(","))), *lines[1:]]

    return _text_lines(change)


def _renamed(old: str, new: str) -> Callable[[list[str]], list[str]]:
    return lambda cells: [new if c == old else c for c in cells]


def _raw_bytes(edit: Callable[[bytes], bytes]) -> Callable[[Path], Path]:
    """The good file's bytes, `edit`ed."""

    def write(folder: Path) -> Path:
        path = _csv(_rows())(folder)
        path.write_bytes(edit(path.read_bytes()))
        return path

    return write


def _text_file(text: str, encoding: str, name: str = "discharges.csv") -> Callable[[Path], Path]:
    def write(folder: Path) -> Path:
        path = folder / name
        path.write_bytes(text.encode(encoding))
        return path

    return write


def _good_text(department: str = "内科", name: str = NAME) -> str:
    buf = []
    for r in _rows():
        r = {**r, "department": department, "patient_name": name}
        buf.append(",".join(r.get(c, "") for c in COLS))
    return ",".join(COLS) + "\n" + "\n".join(buf) + "\n"


def _renamed_file(make: Callable[[Path], Path], name: str) -> Callable[[Path], Path]:
    """What `make` writes, under another file name (a file disguised as another type)."""

    def write(folder: Path) -> Path:
        inner = folder / "inner"
        inner.mkdir(exist_ok=True)
        return make(inner).rename(folder / name)

    return write


def _truncated(make: Callable[[Path], Path], keep: float) -> Callable[[Path], Path]:
    def write(folder: Path) -> Path:
        path = make(folder)
        data = path.read_bytes()
        path.write_bytes(data[: int(len(data) * keep)])
        return path

    return write


def _typed_xlsx(column: str, value: object, fmt: str | None = None) -> Callable[[Path], Path]:
    """A workbook of the good rows with row 3's `column` a typed cell (a number, a date…)."""

    def edit(ws) -> None:
        cell = ws[f"{_letter(column)}3"]
        cell.value = value
        if fmt:
            cell.number_format = fmt

    return _xlsx_edited(edit, "A")


def _xlsx_book(edit: Callable) -> Callable[[Path], Path]:
    """A workbook of the good rows on sheet 出院, `edit(wb)` applied."""

    def write(folder: Path) -> Path:
        from openpyxl import Workbook

        wb = Workbook()
        ws = wb.active
        ws.title = "出院"
        for r in _sheet(_rows()):
            ws.append(r)
        edit(wb)
        path = folder / "discharges.xlsx"
        wb.save(path)
        return path

    return write


def _hidden_sheet(wb) -> None:
    ws = wb.create_sheet("隐藏")
    for r in _sheet(_keyed("Z")):
        ws.append(r)
    ws.sheet_state = "hidden"


def _hidden_other(wb) -> None:
    ws = wb.create_sheet("旧表")
    ws.append(["备注", "x"])
    ws.append(["a", "b"])
    ws.sheet_state = "hidden"


def _title_rows(wb) -> None:
    ws = wb["出院"]
    ws.insert_rows(1, 2)
    ws["A1"] = "住院病案首页 2024年3月"


def _merged_header(wb) -> None:
    ws = wb["出院"]
    ws.insert_rows(1)
    ws["A1"] = "病案"
    ws.merge_cells("A1:C1")


def _blank_rows_xlsx(wb) -> None:
    wb["出院"].insert_rows(3, 2)


def _sheet_named_by_id(wb) -> None:
    wb["出院"].title = RAW
    ws = wb.create_sheet("说明")
    ws.append(["备注", "x"])


def _parquet_typed(column: str, values: list, dtype: pa.DataType) -> Callable[[Path], Path]:
    return _parquet(column, values, dtype)


def _dup_rows(*extra: dict[str, str]) -> Callable[[Path], Path]:
    return _csv([*_rows(), *extra])


def _files_dir(*names: str, data: bool = True) -> Callable[[Path], Path]:
    """A folder with the good discharges file and other files (`names`) beside it."""

    def write(folder: Path) -> Path:
        d = folder / "extract"
        d.mkdir(exist_ok=True)
        if data:
            _csv(_rows())(d)
        for n in names:
            p = d / n
            if n.endswith("/"):
                p.mkdir(exist_ok=True)
                (p / "x.csv").write_text("a,b\n1,2\n", encoding="utf-8")
            else:
                p.write_text("备注,x\na,b\n", encoding="utf-8")
        return d

    return write


def _dir_listing(wh, path: Path):
    """A folder's ingest: (read, rejected), or which files were neither loaded nor listed."""
    from tests.ingest.conftest import KEY
    from yigong.ingest import ingest_paths

    skipped: list[tuple[Path, str]] = []
    # replace: the good file's keys are every kind's (a changed row of another kind's file
    # would be a duplicate across runs, which is not what this kind is about)
    reports = ingest_paths(wh, [path], key=KEY, skipped=skipped, replace=True)
    loaded = {Path(r.file).name for r in reports}
    listed = {p.name for p, why in skipped if why}
    unseen = {f.name for f in path.iterdir() if not f.name.startswith((".", "_"))}
    unseen -= loaded | listed
    if unseen:
        return f"not loaded and not listed: {sorted(unseen)}"
    return (sum(r.rows_read for r in reports), sum(r.rows_rejected for r in reports))


def _later_run(prefix: str, *, same_file: bool = False, replace: bool = False):
    """Ingest `path`, then (another run) a file at another path carrying its second key — or
    the same file again — and return the second run's (read, rejected)."""

    def run(wh, path: Path):
        from tests.ingest.conftest import KEY
        from yigong.ingest import ingest_paths

        ingest_paths(wh, [path], key=KEY)
        if same_file:
            again = path
        else:
            other = path.parent / "later"
            other.mkdir(exist_ok=True)
            rows = _keyed(prefix + "L")
            rows[1] = {**rows[1], "discharge_id": f"H1-{prefix}1-1", "department": "外科"}
            again = _csv(rows)(other)
        extra = {"replace": True} if replace else {}
        (rep,) = ingest_paths(wh, [again], key=KEY, **extra)
        return (rep.rows_read, rep.rows_rejected)

    return run


def _keyless_fixed_elsewhere(wh, path: Path):
    """A file whose bad row has no key (a short line) is fixed and ingested from another
    folder: the keyless reject is cleared (quarantine rows of the old content left)."""
    from tests.ingest.conftest import KEY
    from yigong.ingest import ingest_paths

    ingest_paths(wh, [path], key=KEY)
    old = _sha(path)
    fixed = path.parent / "fixed"
    fixed.mkdir(exist_ok=True)
    good = _keyed_csv("K")(fixed)
    (rep,) = ingest_paths(wh, [good], key=KEY)
    return (rep.rows_read, _left(wh, old))


def _short_keyless(folder: Path) -> Path:
    path = _keyed_csv("K")(folder)
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[2] = ",".join(lines[2].split(",")[:3])  # the key is there, the row is cut short
    lines[2] = "," + lines[2].split(",", 1)[1]  # and its key cell empty: no readable key
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _mkdir(folder: Path) -> Path:
    folder.mkdir(exist_ok=True)
    return folder


def _settlements_xlsx(bad: dict) -> Callable[[Path], Path]:
    def write(folder: Path) -> Path:
        from openpyxl import Workbook

        wb = Workbook()
        ws = wb.active
        ws.title = "结算"
        ws.append(SETTLE_COLS)
        for r in _table_rows("settlements", bad):
            ws.append([r.get(c, "") for c in SETTLE_COLS])
        path = folder / "settlements.xlsx"
        wb.save(path)
        return path

    return write


def _error_cell(ws) -> None:
    ws[f"{_letter('total_cost')}3"] = "#DIV/0!"
    ws[f"{_letter('total_cost')}3"].data_type = "e"


KINDS += [
    # raw ID numbers in every form, in every kind of column and table (privacy)
    Kind("id-x-check-in-text", _cell({"department": f"内科{RAW_X}"}), (3, 1)),
    Kind("id-lower-x-in-text", _cell({"department": f"内科{RAW_X[:17]}x"}), (3, 1)),
    Kind("id-x-check-in-int-column", _cell({"length_of_stay": RAW_X}), (3, 1)),
    Kind("id-inside-free-text", _cell({"department": f"患者身份证{RAW}已核"}), (3, 1)),
    Kind("id-dashed-in-text", _cell({"department": f"内科 {DASHED}"}), (3, 1)),
    Kind("id-old-15-in-text", _cell({"department": f"内科{OLD15}"}), (3, 1)),
    Kind("id-spaced-in-case-no", _cell({"case_no": SPACED}), (3, 1)),
    Kind("id-full-width-in-case-no", _cell({"case_no": FULL}), (3, 1)),
    Kind("id-full-width-in-int-column", _cell({"age_years": FULL}), (3, 1)),
    Kind("id-spaced-in-int-column", _cell({"length_of_stay": SPACED}), (3, 1)),
    Kind(
        "id-ideographic-space-in-text",
        _cell({"department": RAW.replace(RAW[6], RAW[6] + "\u3000", 1)}),
        (3, 1),
    ),  # noqa: E501
    Kind("id-in-doctor-column", _cell({"attending_doctor_key": RAW}), (3, 1)),
    Kind(
        "id-in-procedure-dates-list", _cell({"procedure_codes": "", "procedure_dates": RAW}), (3, 1)
    ),  # noqa: E501
    Kind("id-in-population-int", _table_csv("population", {"registered_population": RAW}), (3, 1)),  # noqa: E501
    Kind("id-in-bed-days", _table_csv("bed_stats", {"open_bed_days": RAW}), (3, 1)),
    Kind("id-in-settlement-money", _table_csv("settlements", {"total_cost": RAW}), (3, 1)),
    Kind(
        "id-in-settlement-provider-name",
        _table_csv("settlements", {"provider_name": f"卫生院{SPACED}"}),
        (3, 1),
    ),  # noqa: E501
    Kind("id-in-visit-diagnosis", _table_csv("outpatient_visits", {"diagnosis_code": RAW}), (3, 1)),  # noqa: E501
    Kind("id-in-visit-department", _table_csv("outpatient_visits", {"department": FULL}), (3, 1)),  # noqa: E501
    Kind("id-in-referral-status", _table_csv("referrals", {"status": RAW}), (3, 1)),
    Kind("id-in-folder-name", lambda f: _cell({"sex": "M"})(_mkdir(f / RAW)), (3, 1)),
    Kind(
        "id-in-file-name",
        lambda f: _cell({"sex": "M"})(f).rename(f / f"discharges.{RAW}.csv"),
        (3, 1),
    ),  # noqa: E501
    Kind("id-as-header-name", _header_edit(lambda cells: [*cells[:-1], RAW]), (3, 0)),
    Kind("id-as-xlsx-sheet-name", _xlsx_book(_sheet_named_by_id), REFUSE),
    Kind("id-bad-check-in-persons", _table_csv("persons", {"id_number": RAW[:17] + "1"}), (3, 1)),  # noqa: E501
    Kind(
        "id-numeric-in-xlsx-settlements", _settlements_xlsx({"person_id_number": int(RAW)}), (3, 1)
    ),  # noqa: E501
    # the reader: quotes, line ends, bytes, encodings
    Kind(
        "unterminated-quote-first-row",
        _text_lines(lambda ls: [ls[0], ls[1].replace("内科", '"内科', 1), *ls[2:]]),
        (3, 3),
    ),  # noqa: E501
    Kind(
        "unterminated-quote-last-row",
        _text_lines(lambda ls: [*ls[:3], ls[3].replace("内科", '"内科', 1)]),
        (3, 1),
    ),  # noqa: E501
    Kind(
        "unterminated-quote-in-header",
        _text_lines(lambda ls: [ls[0].replace("department", '"department', 1), *ls[1:]]),
        REFUSE,
    ),  # noqa: E501
    Kind("quoted-newline-in-cell", _cell({"department": "内\n科"}), (3, 1)),
    Kind(
        "cr-only-lines",
        _raw_bytes(lambda b: b.replace(b"\r\n", b"\n").replace(b"\n", b"\r")),
        (3, 0),
    ),  # noqa: E501
    Kind(
        "mixed-line-ends",  # joined from two systems: refused naming the line
        _raw_bytes(lambda b: b.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n", 2)),
        REFUSE,
    ),
    Kind("nul-byte-in-text-cell", _cell({"department": "内\x00科"}), (3, 1)),
    # a line of NUL bytes at the end is a physical row of its own, rejected
    Kind("nul-bytes-after-last-line", _raw_bytes(lambda b: b + b"\x00" * 64), (4, 1)),
    # a doubled byte-order mark is read as one (the header's first name intact)
    Kind("utf8-bom-twice", _raw_bytes(lambda b: b"\xef\xbb\xbf" + b), (3, 0)),
    Kind("utf16-le-no-bom", _text_file(_good_text(), "utf-16-le"), REFUSE),
    Kind("utf16-be-bom", _text_file(_good_text(), "utf-16"), REFUSE),
    Kind("utf32-bom", _text_file(_good_text(), "utf-32"), REFUSE),
    Kind("gb18030-four-byte-chars", _text_file(_good_text("内科㐀"), "gb18030"), (3, 0)),
    Kind("big5-file", _text_file(_good_text("內科門診", "歐陽震華"), "big5"), REFUSE),
    Kind(
        "cp1252-smart-quotes",
        _text_file(_good_text("“Medicine” ward – café", "Zoë"), "cp1252"),
        REFUSE,
    ),  # noqa: E501
    Kind("private-use-in-gbk-file", _text_file(_good_text("内科\ue5e5"), "gb18030"), REFUSE),
    Kind("truncated-mid-row", _truncated(_csv(_rows()), 0.9), (3, 1)),
    Kind(
        "truncated-mid-utf8-char",
        _raw_bytes(lambda b: b.rstrip(b"\n")[: b.rstrip(b"\n").rfind(b"\xe5\x86\x85") + 1]),
        REFUSE,
    ),  # noqa: E501
    Kind("zero-byte-xlsx", _bytes(b"", "discharges.xlsx"), REFUSE),
    Kind("zero-byte-parquet", _bytes(b"", "discharges.parquet"), REFUSE),
    Kind(
        "pdf-named-csv",
        _bytes(
            b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n" + bytes(range(256)),
            "discharges.csv",
        ),
        REFUSE,
    ),  # noqa: E501
    Kind(
        "xlsx-named-csv", _renamed_file(_xlsx({"出院": _sheet(_rows())}), "discharges.csv"), REFUSE
    ),  # noqa: E501
    Kind("csv-named-xlsx", _renamed_file(_csv(_rows()), "discharges.xlsx"), REFUSE),
    Kind("csv-named-parquet", _renamed_file(_csv(_rows()), "discharges.parquet"), REFUSE),
    Kind("png-named-xlsx", _bytes(b"\x89PNG\r\n\x1a\n" + bytes(64), "discharges.xlsx"), REFUSE),
    Kind(
        "xls-biff-named-xlsx",
        _bytes(OLE2 + bytes(504) + "Workbook".encode("utf-16-le"), "discharges.xlsx"),
        REFUSE,
    ),  # noqa: E501
    Kind(
        "encrypted-xlsx",
        _bytes(OLE2 + bytes(504) + "EncryptionInfo".encode("utf-16-le"), "discharges.xlsx"),
        REFUSE,
    ),  # noqa: E501
    Kind("truncated-xlsx", _truncated(_xlsx({"出院": _sheet(_rows())}), 0.6), REFUSE),
    Kind(
        "truncated-parquet",
        _truncated(_parquet("department", ["内科"] * 3, pa.string()), 0.6),
        REFUSE,
    ),  # noqa: E501
    # workbooks
    Kind("xlsx-hidden-sheet-with-rows", _xlsx_book(_hidden_sheet), REFUSE),
    Kind("xlsx-hidden-sheet-other-table", _xlsx_book(_hidden_other), REFUSE),
    Kind("xlsx-header-on-row-3", _xlsx_book(_title_rows), (3, 0)),
    Kind("xlsx-merged-header-cells", _xlsx_book(_merged_header), REFUSE),
    Kind("xlsx-blank-rows-between", _xlsx_book(_blank_rows_xlsx), (3, 0)),
    Kind(
        "xlsx-three-sheets-one-table",
        _xlsx(
            {"1月": _sheet(_rows()[:1]), "2月": _sheet(_rows()[1:2]), "3月": _sheet(_rows()[2:])}
        ),
        (3, 0),
    ),  # noqa: E501
    Kind(
        "xlsx-typed-date-cell",
        _typed_xlsx("admission_date", dt.datetime(2024, 3, 1), "yyyy-mm-dd"),
        (3, 0),
    ),  # noqa: E501
    Kind(
        "xlsx-datetime-in-date-column",
        _typed_xlsx("admission_date", dt.datetime(2024, 3, 1, 14, 30)),
        (3, 1),
    ),  # noqa: E501
    Kind("xlsx-typed-int-cell", _typed_xlsx("length_of_stay", 7), (3, 0)),
    Kind("xlsx-float-in-int-column", _typed_xlsx("length_of_stay", 7.5), (3, 1)),
    Kind("xlsx-typed-money-cell", _typed_xlsx("total_cost", 5230.5), (3, 0)),
    Kind("xlsx-money-three-decimals", _typed_xlsx("total_cost", 12.345), (3, 1)),
    Kind("xlsx-error-cell", _xlsx_edited(_error_cell, "A"), (3, 1)),
    Kind("xlsx-float-id-column", _typed_xlsx("patient_id_number", float(RAW[:17] + "0")), (3, 1)),  # noqa: E501
    Kind("xlsx-date-in-text-column", _typed_xlsx("department", dt.datetime(2024, 3, 1)), (3, 0)),  # noqa: E501
    # typed Parquet columns, held to the rules of CSV text
    Kind(
        "parquet-datetime-in-date-column",
        _parquet_typed(
            "admission_date",
            [dt.datetime(2024, 3, 1)] * 2 + [dt.datetime(2024, 3, 1, 14, 30)],
            pa.timestamp("us"),
        ),
        (3, 1),
    ),  # noqa: E501
    # a float column is no integer column, whatever its values (7.0 is refused in CSV too)
    Kind(
        "parquet-float-in-int-column",
        _parquet_typed("length_of_stay", [7.0, 7.5, 7.0], pa.float64()),
        (3, 3),
    ),  # noqa: E501
    # a decimal(12, 3) column writes three decimals in every value, refused as in CSV
    Kind(
        "parquet-money-three-decimals",
        _parquet_typed(
            "total_cost",
            [Decimal("5230.50"), Decimal("12.345"), Decimal("5230.50")],
            pa.decimal128(12, 3),
        ),
        (3, 3),
    ),  # noqa: E501
    Kind(
        "parquet-money-nan",
        _parquet_typed("total_cost", [5230.5, float("nan"), 5230.5], pa.float64()),
        (3, 1),
    ),  # noqa: E501
    Kind(
        "parquet-money-inf",
        _parquet_typed("total_cost", [5230.5, float("inf"), 5230.5], pa.float64()),
        (3, 1),
    ),  # noqa: E501
    Kind(
        "parquet-int-id-column",
        _parquet_typed("patient_id_number", [int(RAW2[:17] + "0")] * 3, pa.int64()),
        (3, 3),
    ),  # noqa: E501
    Kind(
        "parquet-binary-text-column",
        _parquet_typed(
            "department",
            [b"\xe5\x86\x85\xe7\xa7\x91", b"\xff\xfe", b"\xe5\x86\x85\xe7\xa7\x91"],
            pa.binary(),
        ),
        (3, 1),
    ),  # noqa: E501
    Kind(
        "parquet-duplicate-key",
        _parquet_typed("discharge_id", ["H1-P0-1", "H1-P0-1", "H1-P2-1"], pa.string()),
        (3, 1),
    ),  # noqa: E501
    Kind(
        "parquet-control-char",
        _parquet_typed("department", ["内科", "内\x07科", "内科"], pa.string()),
        (3, 1),
    ),  # noqa: E501
    # headers
    Kind(
        "header-blank-cell-with-data",
        _text_lines(lambda ls: [ls[0] + ",", *[line + ",x" for line in ls[1:]]]),
        REFUSE,
    ),  # noqa: E501
    Kind(
        "header-two-blank-cells",
        _text_lines(lambda ls: [ls[0] + ",,", *[line + ",," for line in ls[1:]]]),
        REFUSE,
    ),  # noqa: E501
    Kind("header-padded-name", _header_edit(_renamed("department", " department ")), REFUSE),
    Kind(
        "header-full-width-name",
        _header_edit(_renamed("department", "ｄｅｐａｒｔｍｅｎｔ")),
        REFUSE,
    ),  # noqa: E501
    Kind("header-tab-in-name", _header_edit(_renamed("department", "department\t")), REFUSE),
    Kind("header-duplicate-after-trim", _header_edit(lambda c: [*c, " department"]), REFUSE),
    Kind("header-unknown-column", _header_edit(lambda c: [*c[:-1], "备注"]), (3, 0)),
    Kind(
        "header-missing-key-column", _csv(_rows(), [c for c in COLS if c != "discharge_id"]), (3, 3)
    ),  # noqa: E501
    Kind(
        "header-missing-money-column", _csv(_rows(), [c for c in COLS if c != "total_cost"]), (3, 3)
    ),  # noqa: E501
    # values
    Kind("control-char-in-text", _cell({"department": "内\x1b科"}), (3, 1)),
    Kind("tab-in-text", _cell({"department": "内\t科"}), (3, 1)),
    Kind("zero-width-space-in-key", _cell({"discharge_id": "H1-A1\u200b-1"}), (3, 1)),
    Kind("leading-padded-key", _cell({"discharge_id": " H1-A1-1"}), (3, 1)),
    Kind("padded-reference", _cell({"institution_id": "H1 "}), (3, 1)),
    Kind("padded-code", _cell({"sex": " 1"}), (3, 1)),
    Kind("feb-29-non-leap", _cell({"admission_date": "2023-02-29"}), (3, 1)),
    Kind("two-digit-year", _cell({"admission_date": "24-03-01"}), (3, 1)),
    Kind("excel-serial-date", _cell({"admission_date": "45352"}), (3, 1)),
    Kind("date-with-time", _cell({"discharge_date": "2024-03-08 10:00:00"}), (3, 1)),
    Kind("date-with-slashes", _cell({"admission_date": "2024/03/01"}), (3, 1)),
    Kind("date-in-chinese", _cell({"admission_date": "2024年3月1日"}), (3, 1)),
    Kind("negative-money", _cell({"total_cost": "-5230.50"}), (3, 1)),
    Kind("money-nan", _cell({"total_cost": "NaN"}), (3, 1)),
    Kind("money-inf", _cell({"total_cost": "inf"}), (3, 1)),
    Kind("money-currency-sign", _cell({"total_cost": "¥5230.50"}), (3, 1)),
    Kind("money-thousands-separator", _cell({"total_cost": "5,230.50"}), (3, 1)),
    Kind("money-exponent", _cell({"total_cost": "5.2305e3"}), (3, 1)),
    Kind("money-overflow", _cell({"total_cost": "9" * 30 + ".00"}), (3, 1)),
    Kind("int-overflow", _cell({"age_years": "9" * 25}), (3, 1)),
    Kind("negative-age", _cell({"age_years": "-3"}), (3, 1)),
    Kind("code-admission-route", _cell({"admission_route": "7"}), (3, 1)),
    Kind("code-discharge-mode", _cell({"discharge_mode": "8"}), (3, 1)),
    Kind("code-payer", _cell({"payer": "99"}), (3, 1)),
    Kind("code-admission-condition", _cell({"diagnosis_conditions": "1|7"}), (3, 1)),
    Kind("code-procedure-grade", _cell({"procedure_codes": "", "procedure_grades": "5"}), (3, 1)),  # noqa: E501
    Kind("code-scheme", _table_csv("settlements", {"scheme": "gold"}), (3, 1)),
    Kind("code-care-type", _table_csv("settlements", {"care_type": "spa"}), (3, 1)),
    Kind("code-payment-method", _table_csv("settlements", {"payment_method": "cash"}), (3, 1)),
    Kind("code-visit-type", _table_csv("outpatient_visits", {"visit_type": "drive-in"}), (3, 1)),  # noqa: E501
    Kind("code-referral-direction", _table_csv("referrals", {"direction": "sideways"}), (3, 1)),  # noqa: E501
    Kind("code-persons-sex", _table_csv("persons", {"sex": "0"}), (3, 1)),
    # duplicates: within a file, across files of a run, across runs
    Kind(
        "duplicate-key-three-times",
        _dup_rows(_rows()[0], _rows()[0] | {"department": "外科"}),
        (5, 2),
    ),  # noqa: E501
    Kind("duplicate-identical-row", _dup_rows(_rows()[2]), (4, 1)),
    Kind(
        "duplicate-person-key",
        _table_csv("persons", {"id_number": id_number("13042320000101000")}),
        (3, 1),
    ),  # noqa: E501
    Kind("duplicate-settlement-id", _table_csv("settlements", {"settlement_id": "JS-A0"}), (3, 1)),  # noqa: E501
    Kind("duplicate-composite-key", _table_csv("bed_stats", {"year": "2021"}), (3, 1)),
    Scenario("duplicate-key-across-runs", _keyed_csv("U"), (3, 1), _later_run("U")),
    Scenario("same-file-reingested", _keyed_csv("W"), (3, 0), _later_run("W", same_file=True)),
    Scenario(
        "duplicate-key-across-runs-replace", _keyed_csv("Y"), (3, 0), _later_run("Y", replace=True)
    ),  # noqa: E501
    Scenario("keyless-reject-fixed-elsewhere", _short_keyless, (3, 0), _keyless_fixed_elsewhere),  # noqa: E501
    # plausibility, on other tables and at the edges
    Kind("los-one-more-than-dates", _cell({"length_of_stay": "8"}), (3, 0)),
    Kind("los-two-more-than-dates", _cell({"length_of_stay": "9"}), (3, 1)),
    Kind("visit-year-2999", _table_csv("outpatient_visits", {"visit_date": "2999-03-01"}), (3, 1)),  # noqa: E501
    Kind("referral-year-0001", _table_csv("referrals", {"request_date": "0001-03-01"}), (3, 1)),  # noqa: E501
    Kind(
        "visit-part-above-total", _table_csv("outpatient_visits", {"cost_drugs": "999.00"}), (3, 1)
    ),  # noqa: E501
    # directories
    Scenario(
        "dir-with-unknown-file-types", _files_dir("notes.txt", "README"), (3, 0), _dir_listing
    ),  # noqa: E501
    Scenario("dir-with-unrecognised-csv", _files_dir("其他.csv"), (3, 0), _dir_listing),
    Scenario("dir-with-other-folder", _files_dir("old/"), (3, 0), _dir_listing),
    Scenario("dir-with-broken-xlsx", _files_dir("汇总.xlsx"), (3, 0), _dir_listing),
]
# -- end of the auditor's other kinds --------------------------------------------------------


def write_corpus(root: Path) -> dict[str, Path]:
    """Write every kind into its own folder under `root`; kind name -> file."""
    out = {}
    for kind in KINDS:
        folder = root / kind.name
        folder.mkdir(parents=True, exist_ok=True)
        out[kind.name] = kind.write(folder)
    return out


if __name__ == "__main__":
    written = write_corpus(Path(sys.argv[1] if len(sys.argv) > 1 else "bad-corpus"))
    print(f"{len(written)} kinds of bad input written")
