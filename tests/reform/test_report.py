"""Task reports on the hand-made county: progress from real indicator results, and report files
(XLSX, PDF, Markdown) written and read back."""

from __future__ import annotations

import base64
import re
import zlib
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from yigong.reform.progress import TaskStatus, Verdict
from yigong.services import tasks as svc
from yigong.store import Store

COUNTY, PROVINCE = "division:410101", "division:410000"


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    st = Store(f"sqlite:///{tmp_path_factory.mktemp('st') / 'wf.sqlite'}")
    svc.record(
        st, "K22-03", COUNTY, 2024, "at_risk", by="office1", percent=20, at=datetime(2024, 3, 1)
    )
    svc.record(
        st,
        "K22-03",
        COUNTY,
        2024,
        "on_track",
        by="office2",
        percent=60,
        note="8 of 12 townships",
        evidence="县医改办〔2024〕3号",
        at=datetime(2024, 9, 1),
    )
    svc.record(st, "K22-01", PROVINCE, 2024, "behind", by="province1", at=datetime(2024, 9, 2))
    yield st
    st.dispose()


@pytest.fixture(scope="module")
def county(wh_path, store):
    return svc.report(wh_path, COUNTY, 2024, store)


@pytest.fixture(scope="module")
def province(wh_path, store):
    return svc.report(wh_path, PROVINCE, 2024, store)


def by_id(node_progress):
    return {p.task.id: p for p in node_progress.tasks}


def test_county_report_progress(county):
    assert county.at.node_name == "甲县" and not county.is_rollup
    tasks = by_id(county.at)
    assert "K22-01" not in tasks and len(tasks) == 13  # province-only tasks left out
    # C01 = 2 of 4 admissions in the county (tests/indicators) against 90 % by 2025; 2023 had
    # 2 of 3, so the trend reaches only 33.33 % in 2025: the whole task is behind
    h5 = tasks["H25-05"]
    assert h5.indicators[0].value == pytest.approx(50.0) and h5.status is TaskStatus.BEHIND
    assert h5.indicators[0].verdict is Verdict.OFF_TRACK
    assert h5.indicators[0].projected == pytest.approx(100 / 3)
    # P16 met (the tertiary hospital has EMR 4+), P17 missed after its 2022 deadline
    k5 = tasks["K22-05"]
    assert [(i.indicator, i.verdict) for i in k5.indicators] == [
        ("P16", Verdict.MET),
        ("P17", Verdict.OFF_TRACK),
    ]
    assert k5.status is TaskStatus.AT_RISK and k5.share == 0.5
    # manual-only task: the latest entry, with the whole history behind it
    k3 = tasks["K22-03"]
    assert k3.status is TaskStatus.ON_TRACK and k3.percent == 60
    assert [e.recorded_by for e in k3.history] == ["office1", "office2"]
    assert tasks["K22-04"].status is TaskStatus.NO_DATA


def test_province_rollup(province):
    assert province.is_rollup
    assert [c.node for c in province.counties] == [COUNTY, "division:410102"]
    tasks = by_id(province.at)
    assert len(tasks) == 16 and tasks["K22-01"].status is TaskStatus.BEHIND
    assert province.county_cell(province.counties[0], "K22-01") is None
    # the province value is formed from summed numerators/denominators, not county averages
    c_vals = [province.county_cell(c, "H25-05").indicators[0] for c in province.counties]
    p_val = tasks["H25-05"].indicators[0]
    assert p_val.value not in {c.value for c in c_vals}
    s = province.summary()
    assert s["tasks"] == 16 and sum(s["status"].values()) == 16
    assert set(s["counties"]) == {COUNTY, "division:410102"} and s["manual_entries"] == 3


def test_xlsx_reads_back(province, tmp_path):
    path = svc.write_report(province, tmp_path / "p.xlsx")
    wb = load_workbook(path)
    assert wb.sheetnames == ["tasks", "indicators", "entries", "sources"]
    ws = wb["tasks"]
    head = [c.value for c in ws[3]]
    assert head[:3] == ["id", "set", "title_zh"] and head[-2:] == [
        "甲县 (division:410101)",
        "乙县 (division:410102)",
    ]
    rows = {r[0]: r for r in ws.iter_rows(min_row=4, values_only=True)}
    assert len(rows) == 16
    assert rows["K22-01"][head.index("status")] == "behind"
    assert rows["K22-01"][head.index("甲县 (division:410101)")] == "(not a county task)"
    assert rows["H25-05"][head.index("甲县 (division:410101)")] == "behind"
    assert rows["H25-05"][head.index("乙县 (division:410102)")] == "done"  # s9: 1 of 1
    ind = list(wb["indicators"].iter_rows(values_only=True))
    ih = ind[0]
    c01 = [r for r in ind[1:] if r[0] == "H25-05" and r[1] == COUNTY][0]
    assert c01[ih.index("value")] == pytest.approx(50.0) and c01[ih.index("verdict")] == "off_track"
    ent = list(wb["entries"].iter_rows(values_only=True))
    assert len(ent) == 4 and {r[ent[0].index("recorded_by")] for r in ent[1:]} == {
        "office1",
        "office2",
        "province1",
    }
    src = list(wb["sources"].iter_rows(values_only=True))
    assert {r[1] for r in src[1:]} == {"K", "H"}


def pdf_text(path: Path) -> str:
    """The text drawn on the pages (reportlab: ASCII85 + Flate streams, UCS-2 CID strings)."""
    data = path.read_bytes()
    out = []
    for m in re.finditer(rb"stream\r?\n(.*?)endstream", data, re.S):
        raw = m.group(1).strip().removesuffix(b"~>")
        stream = zlib.decompress(base64.a85decode(raw))
        for s in re.finditer(rb"\(((?:\\.|[^\\)])*)\) Tj", stream):
            b = re.sub(rb"\\([0-7]{3})", lambda x: bytes([int(x.group(1), 8)]), s.group(1))
            b = re.sub(rb"\\(.)", rb"\1", b)
            out.append(b.decode("utf-16-be", errors="replace"))
    return "\n".join(out)


def test_pdf(county, province, tmp_path):
    one = svc.write_report(county, tmp_path / "c.pdf")
    data = one.read_bytes()
    assert data.startswith(b"%PDF")
    pages = int(re.findall(rb"/Count (\d+)", data)[0])
    assert pages == len(re.findall(rb"/Type /Page[^s]", data)) >= 2
    text = pdf_text(one)
    assert "甲县" in text and "K22-05" in text and "滞后" in text and "县医改办" in text
    many = svc.write_report(province, tmp_path / "p.pdf")
    assert int(re.findall(rb"/Count (\d+)", many.read_bytes())[0]) > pages  # county sections added
    assert "乙县" in pdf_text(many)


def test_markdown(county, tmp_path):
    text = svc.write_report(county, tmp_path / "c.md").read_text(encoding="utf-8")
    assert text.startswith("# 改革任务进展报告 Reform task report — 甲县")
    assert "| H25-05 |" in text and "已完成 done" in text and "office2" in text
    assert "[K]" in text and "[H]" in text


def test_bad_format(county, tmp_path):
    with pytest.raises(ValueError, match="md, xlsx or pdf"):
        svc.write_report(county, tmp_path / "c.docx")


def test_demo_report(wh_path, tmp_path):
    s = svc.demo_report(wh_path, tmp_path, 2024)
    assert s["node"] == COUNTY and s["tasks"] == 13
    assert Path(s["xlsx"]).exists() and Path(s["pdf"]).read_bytes().startswith(b"%PDF")
