"""A generated corpus of bad input files for ingest (issue 17): each kind is one file written
here (nothing checked in) with what a correct ingest does with it — refuse the file in one line,
or read every physical row and reject exactly the bad ones. `python -m tests.ingest.corpus DIR`
writes the corpus; `tests/ingest/test_corpus.py` ingests it, counts handled and mishandled
kinds, and scans the warehouse for the identity numbers and names it holds."""

from __future__ import annotations

import csv
import sys
from collections.abc import Callable
from dataclasses import dataclass
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
