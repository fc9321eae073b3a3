"""Hand-made front pages in the national layout (for the quarantine and width tests)."""

from __future__ import annotations

import csv
from pathlib import Path

from tests.ingest.conftest import id_number

MAIN = {
    "组织机构代码": "H1",
    "病案号": "BA001",
    "住院次数": "1",
    "性别": "男",
    "年龄": "67",
    "身份证号": id_number("13042319570101001"),
    "医疗付费方式": "3",
    "入院途径": "2",
    "入院时间": "2024-03-01 08:30:00",
    "出院时间": "2024-03-09 10:00:00",
    "实际住院(天)": "8",
    "出院科别": "心血管内科",
    "离院方式": "1",
    "主要诊断编码": "I21.000",
    "主要诊断入院病情": "1",
    "总费用": "12345.67",
    "一般医疗服务费": "100.00",
    "一般治疗操作费": "50.00",
    "护理费": "25.50",
    "其他费用": "0",
}


def front_page(
    path: Path,
    rows: list[dict[str, str]],
    diagnoses: int = 3,
    procedures: int = 2,
    encoding: str = "utf-8",
) -> Path:
    """Write rows (MAIN plus each row's changes) with `diagnoses` other diagnoses and
    `procedures` procedures as wide columns."""
    header = list(MAIN)
    for n in range(1, diagnoses + 1):
        header += [f"其他诊断编码{n}", f"其他诊断入院病情{n}"]
    for n in range(1, procedures + 1):
        header += [f"手术及操作编码{n}", f"手术及操作日期{n}", f"手术级别{n}", f"切口等级{n}"]
        header += [f"切口愈合类别{n}", f"麻醉方式{n}"]
    with path.open("w", encoding=encoding, newline="") as fh:
        w = csv.DictWriter(fh, header, restval="")
        w.writeheader()
        for r in rows:
            w.writerow({**MAIN, **r})
    return path
