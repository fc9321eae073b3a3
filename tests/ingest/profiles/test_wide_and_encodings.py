"""A front page with 40 other diagnoses and 20 procedures is read fully; GBK, GB18030, UTF-8
with a byte-order mark and XLSX all load the same rows."""

from __future__ import annotations

import csv

import pytest
from openpyxl import Workbook

from tests.ingest.conftest import KEY
from tests.ingest.profiles.frontpage import front_page
from yigong.ingest import ingest_paths
from yigong.schema.codes import national_codes

ICD10 = [c for c in national_codes("icd10") if c.startswith(("E", "I", "J", "K", "N"))][:40]
ICD9 = [c for c in national_codes("icd9cm3") if c[:2].isdigit()][:20]


def _wide_row() -> dict[str, str]:
    row: dict[str, str] = {}
    for n, code in enumerate(ICD10, start=1):
        row[f"其他诊断编码{n}"] = code
        row[f"其他诊断入院病情{n}"] = "1234"[n % 4]
    for n, code in enumerate(ICD9, start=1):
        row |= {
            f"手术及操作编码{n}": code,
            f"手术及操作日期{n}": f"2024-03-{1 + n % 8:02d}",
            f"手术级别{n}": "1234"[n % 4],
            f"切口等级{n}": "0123"[n % 4] if n % 5 else "",
            f"切口愈合类别{n}": "甲" if n % 5 else "",
            f"麻醉方式{n}": "全麻" if n % 2 else "22",
        }
    return row


def test_forty_other_diagnoses_and_twenty_procedures_are_read_fully(files, wh, tmp_path):
    ingest_paths(wh, [files], key=KEY)
    path = front_page(tmp_path / "病案首页.csv", [_wide_row()], diagnoses=40, procedures=20)
    (rep,) = ingest_paths(wh, [path], key=KEY)
    assert rep.rows_accepted == 1, rep.samples
    dx, cond, px, incision, anaesthesia = wh.duck.execute(
        "SELECT diagnosis_codes, diagnosis_conditions, procedure_codes, "
        "procedure_incision_classes, procedure_anaesthesia FROM discharges"
    ).fetchone()
    assert dx == ["I21.000", *ICD10] and len(cond) == 41
    assert px == ICD9 and len(incision) == 20 and incision[4] == ""
    assert anaesthesia[:2] == ["1", "22"]
    children = wh.duck.execute(
        "SELECT (SELECT count(*) FROM discharge_diagnoses), "
        "(SELECT count(*) FROM discharge_procedures), "
        "(SELECT count(*) FROM discharge_procedures WHERE incision_class IS NULL)"
    ).fetchone()
    assert children == (41, 20, 4)


ROWS = [{"病案号": f"B{i}", "其他诊断编码1": "I10.x00", "其他诊断入院病情1": "1"} for i in range(3)]


def _xlsx(path, rows):
    header = list(
        front_page(path.with_suffix(".csv"), rows).read_text("utf-8").splitlines()[0].split(",")
    )
    wb = Workbook()
    ws = wb.active
    ws.append(["住院病案首页（2024年3月）"])  # a title banner above the header
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    ws.append(header)
    with path.with_suffix(".csv").open(encoding="utf-8") as fh:
        for r in list(csv.reader(fh))[1:]:
            ws.append(r)
    path.with_suffix(".csv").unlink()
    wb.save(path)
    return path


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8-sig", "utf-8", "xlsx"])
def test_every_export_encoding_loads_the_same_rows(files, wh, tmp_path, encoding):
    ingest_paths(wh, [files], key=KEY)
    folder = tmp_path / encoding
    folder.mkdir()
    if encoding == "xlsx":
        path = _xlsx(folder / "病案首页.xlsx", ROWS)
    else:
        rows = [dict(r) for r in ROWS]
        if encoding == "gb18030":  # a character GBK does not have (𧿹, in a procedure name)
            rows[0] |= {"手术及操作编码1": "77.5900", "手术及操作日期1": "2024-03-02"}
        path = front_page(folder / "病案首页.csv", rows, encoding=encoding)
        if encoding == "gb18030":
            text = path.read_text(encoding="gb18030").replace(
                "住院次数", "住院次数,手术及操作名称1", 1
            )
            lines = text.splitlines()
            lines[1:] = [ln.replace(",1,", ",1,𧿹囊切除术,", 1) for ln in lines[1:]]
            path.write_text("\n".join(lines) + "\n", encoding="gb18030")
    (rep,) = ingest_paths(wh, [path], key=KEY)
    assert (rep.profile, rep.rows_read, rep.rows_accepted) == ("ws445-frontpage", 3, 3), rep.samples
    got = wh.duck.execute(
        "SELECT case_no, sex, diagnosis_codes, department FROM discharges ORDER BY case_no"
    ).fetchall()
    assert got == [(f"B{i}", "1", ["I21.000", "I10.x00"], "心血管内科") for i in range(3)]
    if encoding in ("gbk", "gb18030"):
        assert any("GB18030" in n for n in rep.notices)
