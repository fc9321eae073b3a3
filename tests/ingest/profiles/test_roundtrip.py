"""National exports in, the same warehouse out: each profile round-trips on generated files.

The tiny world is written once in the canonical layout and once in the national layouts (the
front page in the 卫统4-1 / WS 445 layout, the settlement list in the NHSA 4101 layout with its
sub-lists, the HIS visit list; GBK CSV, and XLSX); both are ingested and every canonical and
child table must hold the same rows, and the DRG grouper must give the same results.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from tests.ingest.profiles.conftest import load
from yigong.schema.tables import CHILD_TABLES, TABLES
from yigong.services.casemix import group_discharges
from yigong.synth import generate
from yigong.warehouse.backends.duckdb import DuckDBWarehouse

ALL = [t.name for t in (*TABLES, *CHILD_TABLES)]


def rows(db: Path, table: str) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(f'SELECT * FROM "{table}" ORDER BY ALL').fetchall()
    finally:
        con.close()


def test_the_national_files_are_what_a_county_exports(national_dir: Path):
    names = {p.name for p in national_dir.iterdir()}
    assert {"住院病案首页.csv", "医疗保障基金结算清单.csv", "门急诊就诊记录.csv"} <= names
    assert "医疗保障基金结算清单_住院诊断信息.csv" in names
    assert "discharges.csv" not in names
    head = (national_dir / "住院病案首页.csv").read_bytes().split(b"\n")[0]
    with pytest.raises(UnicodeDecodeError):
        head.decode("utf-8")  # GBK, as hospital systems export
    header = head.decode("gbk").split(",")
    assert header[:4] == ["组织机构代码", "医疗付费方式", "住院次数", "病案号"]
    assert {"其他诊断编码15", "手术及操作编码7", "切口等级1", "麻醉方式1"} <= set(header)


def test_each_profile_detected_and_every_row_accepted(national_load):
    _db, reports = national_load
    by_table = {r.table: r for r in reports}
    assert by_table["discharges"].profile == "ws445-frontpage"
    assert by_table["settlements"].profile == "nhsa-settlement-list"
    assert by_table["outpatient_visits"].profile == "his-outpatient-visits"
    assert by_table["institutions"].profile is None
    for r in reports:
        assert r.rows_rejected == 0, (r.file, r.samples[:3])
    notices = " ".join(by_table["settlements"].notices)
    assert "sub-list 收费项目信息" in notices and "layout profile nhsa-settlement-list" in notices
    assert not any("_yg" in n for r in reports for n in r.notices)  # no internal column shows


@pytest.mark.parametrize("table", ALL)
def test_national_and_canonical_give_identical_tables(canonical_db, national_load, table):
    db, _ = national_load
    expected = rows(canonical_db, table)
    assert expected or table in ("communities",), f"{table} is empty: nothing was compared"
    assert rows(db, table) == expected


def test_identical_drg_results(canonical_db, national_load, tmp_path):
    results = []
    for db in (canonical_db, national_load[0]):
        copy = tmp_path / db.name
        copy.write_bytes(db.read_bytes())
        with DuckDBWarehouse(copy) as wh:
            group_discharges(wh, "chs-drg-1.1")
            results.append(
                wh.duck.execute(
                    "SELECT discharge_id, status, mdc, adrg, drg FROM drg_results ORDER BY ALL"
                ).fetchall()
            )
    assert results[0] == results[1] and len(results[0]) > 500
    assert sum(1 for r in results[0] if r[1] == "grouped") > 400


def test_xlsx_national_workbooks_round_trip(canonical_db, tmp_path):
    out = tmp_path / "xlsx"
    generate("tiny", out, seed=2024, layout="national", fmt="xlsx")
    assert (out / "医疗保障基金结算清单.xlsx").exists()
    db, reports = load(out, tmp_path / "x.duckdb")
    assert {r.table: r.profile for r in reports}["settlements"] == "nhsa-settlement-list"
    assert all(r.rows_rejected == 0 for r in reports)
    for table in ("discharges", "settlements", "outpatient_visits", "discharge_procedures"):
        assert rows(db, table) == rows(canonical_db, table), table
