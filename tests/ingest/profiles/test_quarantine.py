"""Bad rows of a national file are quarantined with file, row, the file's own column name and
the reason; values the profile does not know are refused, never guessed."""

from __future__ import annotations

from pathlib import Path

from tests.ingest.conftest import KEY, id_number
from tests.ingest.profiles.frontpage import front_page
from yigong.ingest import ingest_paths


def _errors(wh, path: Path) -> list[tuple]:
    return wh.duck.execute(
        "SELECT row_no, field, rule, reason FROM quarantine WHERE file = ? ORDER BY row_no, field",
        [str(path)],
    ).fetchall()


def test_a_clean_national_row_is_loaded_with_mapped_codes(files, wh, tmp_path):
    ingest_paths(wh, [files], key=KEY)
    path = front_page(
        tmp_path / "病案首页.csv",
        [
            {
                "其他诊断编码1": "I10.x00",
                "其他诊断入院病情1": "有",
                "手术及操作编码1": "36.0601",
                "手术及操作日期1": "2024/03/02",
                "手术级别1": "四级",
                "切口等级1": "Ⅰ",
                "切口愈合类别1": "甲",
                "麻醉方式1": "全麻",
            }
        ],
    )
    (rep,) = ingest_paths(wh, [path], key=KEY)
    assert (rep.table, rep.profile, rep.rows_accepted) == ("discharges", "ws445-frontpage", 1)
    row = wh.duck.execute(
        "SELECT discharge_id, sex, payer, admission_date, diagnosis_codes, diagnosis_conditions, "
        "procedure_dates, procedure_grades, procedure_incision_classes, procedure_healing_grades, "
        "procedure_anaesthesia, cost_general_service FROM discharges"
    ).fetchone()
    assert row[0] == "H1-BA001-01"  # derived: 组织机构代码-病案号-住院次数
    assert row[1:3] == ("1", "2")  # 男 → 1; 新农合 (3) → 城乡居民 (2)
    assert str(row[3]) == "2024-03-01"
    assert row[4:6] == (["I21.000", "I10.x00"], ["1", "1"])
    assert row[6:11] == (["2024-03-02"], ["4"], ["1"], ["1"], ["1"])
    assert str(row[11]) == "175.50"  # the four items of 综合医疗服务类 added up


def test_errors_name_the_files_columns(files, wh, tmp_path):
    ingest_paths(wh, [files], key=KEY)
    path = front_page(
        tmp_path / "病案首页.csv",
        [
            {"病案号": "OK1"},
            {"病案号": "B2", "性别": "男性"},  # not a 性别 value the profile knows
            {"病案号": "B3", "其他诊断编码2": "I21.Q99", "其他诊断入院病情2": "1"},  # unknown ICD
            {"病案号": "B4", "护理费": "-5.00"},  # a negative cost item
            {"病案号": "B5", "医疗付费方式": "12"},  # not a 医疗付费方式 code
            {"病案号": "B6", "其他诊断入院病情1": "1"},  # a condition without its diagnosis
            {"病案号": "B7", "手术及操作编码1": "36.0601", "手术及操作日期1": "昨天"},
            {"病案号": "B8", "出院时间": "2023-01-01"},  # before the admission
        ],
    )
    (rep,) = ingest_paths(wh, [path], key=KEY)
    assert (rep.rows_read, rep.rows_accepted, rep.rows_rejected) == (8, 1, 7)
    errors = _errors(wh, path)
    fields = {(r, f): (rule, reason) for r, f, rule, reason in errors}
    assert fields[(2, "性别")][0] == "code" and "男性" in fields[(2, "性别")][1]
    assert fields[(3, "其他诊断编码2")][0] == "code"
    assert fields[(4, "护理费")] == ("minimum", "minimum: -5.00 is below 0")
    assert "ws445-frontpage" in fields[(5, "医疗付费方式")][1]
    assert fields[(6, "其他诊断入院病情1")][0] == "list_alignment"
    assert fields[(7, "手术及操作日期1")][0] == "type"
    assert fields[(8, "出院时间")][0] == "date_order"
    # one error per bad cell: the profile's own reason replaces the table's for the same cell
    assert sum(1 for r, f, *_ in errors if (r, f) == (2, "性别")) == 1


def test_a_missing_required_column_names_the_expected_header(files, wh, tmp_path):
    ingest_paths(wh, [files], key=KEY)
    path = front_page(tmp_path / "病案首页.csv", [{}])
    text = path.read_text(encoding="utf-8").replace("离院方式", "离院情况")
    path.write_text(text, encoding="utf-8")
    (rep,) = ingest_paths(wh, [path], key=KEY)
    assert rep.rows_rejected == 1
    (error,) = _errors(wh, path)
    assert error[1] == "离院方式 (LYFS)" and error[2] == "missing_column"
    notices = "\n".join(rep.notices)
    assert "column '离院情况' is not in profile ws445-frontpage" in notices
    assert "closest known: 离院方式" in notices
    assert "离院方式 (LYFS) is missing" in notices


def test_a_settlement_sub_list_error_is_reported_on_its_settlement(files, wh, tmp_path):
    ingest_paths(wh, [files], key=KEY)
    folder = tmp_path / "export"
    folder.mkdir()
    main = folder / "结算清单.csv"
    person = id_number("13042319570101001")
    main.write_text(
        "结算ID,定点医药机构编号,证件号码,险种类型,医疗类别,就医地医保区划,参保地,"
        "结算结束日期,个人账户支出,个人现金支付,医保支付方式\n"
        f"S1,H1,{person},310,21,130423,130423,2024-03-09,10.00,20.00,4\n"
        f"S2,H1,{person},390,11,130423,130423,2024-03-09,0,5.00,1\n",
        encoding="utf-8",
    )
    (folder / "结算清单_收费项目信息.csv").write_text(
        "结算ID,医疗收费项目,金额\nS1,01,100.00\nS1,09,50.50\nS2,02,abc\nS9,01,1.00\n",
        encoding="utf-8",
    )
    (folder / "结算清单_基金支付信息.csv").write_text(
        "结算ID,基金支付类型,基金支付金额\nS1,310100,120.50\nS2,390100,1.00\n", encoding="utf-8"
    )
    (rep,) = ingest_paths(wh, [main], key=KEY)
    assert (rep.profile, rep.rows_accepted, rep.rows_rejected) == ("nhsa-settlement-list", 1, 1)
    s1 = wh.duck.execute(
        "SELECT scheme, care_type, payment_method, total_cost, fund_paid, personal_paid "
        "FROM settlements"
    ).fetchone()
    assert tuple(map(str, s1)) == ("employee", "inpatient", "drg", "150.50", "120.50", "30.00")
    (error,) = _errors(wh, main)
    assert error[:3] == (2, "收费项目信息.金额", "type")
    assert "结算清单_收费项目信息.csv row 3" in error[3]
    assert any("1 of them for no row of the main file" in n for n in rep.notices)
    # a sub-list given alone is refused with what to do
    import pytest

    from yigong.ingest import IngestError

    with pytest.raises(IngestError, match="sub-list of a settlements layout"):
        ingest_paths(wh, [folder / "结算清单_收费项目信息.csv"], key=KEY)
