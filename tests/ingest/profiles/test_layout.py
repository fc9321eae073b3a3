"""The projection's SQL reads every cell of the file once (an inner pass trims, formats and maps
it; lists, aligned lists and the profile's checks use that value), and the layout's other SQL
(`finish`, the sub-list joins) still reads the staged file itself."""

from __future__ import annotations

import duckdb

from tests.ingest.profiles.frontpage import front_page
from yigong.ingest.profiles.apply import stage_text_csv
from yigong.ingest.profiles.detect import detect, file_header
from yigong.ingest.profiles.layout import Layout, q


def test_each_cell_is_read_once_and_the_rows_are_the_files(tmp_path) -> None:
    rows = [{"其他诊断编码1": "J18.900", "手术及操作编码1": "", "麻醉方式1": "全麻"}, {}]
    path = front_page(tmp_path / "病案首页.csv", rows, diagnoses=40, procedures=20)
    found = detect(file_header(path, str(path)), str(path), table="discharges")
    assert found.binding is not None
    layout = Layout(found.binding)
    sql = layout.project_sql()
    inner, outer = sql.split(f" FROM {layout.raw} r) ", 1)
    assert 'r."' not in outer  # lists, derived columns and checks read the inner pass only
    for b in found.binding.bound:
        assert f"r.{q(b.header)}" in inner, b.header
    # outside the projection the layout's expressions read the staged file again
    anaesthesia = found.binding.by_name("麻醉方式1") or next(
        b for b in found.binding.bound if b.header == "麻醉方式1"
    )
    assert f"r.{q('麻醉方式1')}" in layout.mapped(anaesthesia)
    con = duckdb.connect()
    stage_text_csv(con, path, "stg_raw", str(path))
    got = con.execute(f"SELECT diagnosis_codes, procedure_anaesthesia FROM ({sql})").fetchall()
    assert len(got) == 2 and got[0][0].split("|")[1] == "J18.900"
