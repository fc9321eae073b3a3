"""Derived tables: engine results stored next to the canonical tables (never ingested).

They are declared like the canonical tables so the indicator language can read them (a
measure's ``table``) and the catalog check can verify the columns a measure names. Their rows
come from an engine through a service (``yigong health build`` writes the ``ph_*`` tables from
`yigong.public_health`); the warehouse replaces them whole.
"""

from __future__ import annotations

from yigong.schema.model import Column, DType, Table

S, INT, F, B, DATE = DType.STRING, DType.INT, DType.FLOAT, DType.BOOL, DType.DATE
PH = "yigong.public_health (国家基本公共卫生服务规范（第三版）)"

PH_REGISTER = Table(
    name="ph_register",
    zh="慢病管理登记（高血压、2型糖尿病）",
    grain="one person and disease in one year's register (found or on the register)",
    key=("year", "person_key", "disease"),
    source=f"{PH}: register.build_register",
    columns=(
        Column("year", INT, "年份", required=True),
        Column("person_key", S, "居民标识（假名）", required=True),
        Column("disease", S, "病种", required=True, codes="ph_disease"),
        Column("division_code", S, "常住地区划代码"),
        Column("age", INT, "年龄（截至日）"),
        Column("found", B, "年内诊断发现", doc="diagnosed in a visit or stay of the year"),
        Column("on_register", B, "在册", doc="a follow-up this year or last year"),
        Column("managed", B, "年内已管理", doc="at least one follow-up in the year"),
        Column("followups", INT, "年内随访次数"),
        Column("quarters", INT, "有随访的季度数"),
        Column("on_schedule", B, "按季随访", doc="a follow-up in every quarter since joining"),
        Column("standard", B, "规范管理", doc="at least the yearly number of follow-ups"),
        Column("controlled", B, "最近一次随访控制满意"),
        Column("overdue", B, "随访逾期"),
        Column("days_overdue", INT, "逾期天数"),
        Column("last_followup", DATE, "最近一次随访日期"),
        Column("next_due", DATE, "下次随访应到日期"),
        Column("last_sbp", INT, "最近收缩压"),
        Column("last_dbp", INT, "最近舒张压"),
        Column("last_glucose", F, "最近空腹血糖"),
        Column("last_hba1c", F, "最近糖化血红蛋白"),
        Column("has_prescription", B, "年内有处方"),
        Column("long_prescription", B, "年内有长处方"),
        Column("contracted", B, "已签约家庭医生"),
        Column("institution_id", S, "管理机构编码"),
        Column("team_id", S, "家庭医生团队编码"),
        Column("provider_key", S, "责任医生（假名）"),
        Column("as_of", DATE, "截至日期"),
    ),
)

PH_EXPECTED = Table(
    name="ph_expected",
    zh="慢病应管理人数估算",
    grain="one residence division, disease and year",
    key=("year", "division_code", "disease"),
    source=f"{PH}: 辖区常住成年人口总数 × 成年人患病率 (register.expected_rows)",
    columns=(
        Column("year", INT, "年份", required=True),
        Column("division_code", S, "常住地区划代码", required=True),
        Column("disease", S, "病种", required=True, codes="ph_disease"),
        Column("adults", INT, "成年常住人口"),
        Column("expected", F, "估算患者人数"),
    ),
)

PH_WORKLOAD = Table(
    name="ph_workload",
    zh="基本公卫任务标化工作当量",
    grain="one programme at one institution in one year",
    key=("year", "institution_id", "program"),
    source=f"{PH}: assessment.workload_table (任务量 × 标化工作当量)",
    columns=(
        Column("year", INT, "年份", required=True),
        Column("institution_id", S, "机构编码", required=True, ref="institutions.institution_id"),
        Column("program", S, "服务项目", required=True, codes="public_health_program"),
        Column("unit", S, "任务量单位", codes="ph_task_unit"),
        Column("tasks_assigned", INT, "任务量"),
        Column("tasks_done", INT, "完成量"),
        Column("equivalent", F, "标化工作当量（每单位）"),
        Column("workload_assigned", F, "任务标化工作量"),
        Column("workload_done", F, "完成标化工作量"),
        Column("weight", F, "考核权重"),
        Column("problem", S, "未计入原因"),
    ),
)

PH_ADMISSION_LINKS = Table(
    name="ph_admission_links",
    zh="慢病住院与基层管理关联（医防协同）",
    grain="one inpatient stay with hypertension or diabetes among its diagnoses, per disease",
    key=("discharge_id", "disease"),
    source=f"{PH}: links.admission_links",
    columns=(
        Column("discharge_id", S, "住院记录标识", required=True),
        Column("year", INT, "出院年份", required=True),
        Column("person_key", S, "患者标识（假名）"),
        Column("disease", S, "病种", required=True, codes="ph_disease"),
        Column("residence_code", S, "现住址区划代码"),
        Column("institution_id", S, "住院机构编码", ref="institutions.institution_id"),
        Column("admission_date", DATE, "入院日期"),
        Column("discharge_date", DATE, "出院日期"),
        Column("principal_code", S, "主要诊断编码"),
        Column("principal", B, "主要诊断为该病"),
        Column("avoidable", B, "可避免住院（ACSC）"),
        Column("registered", B, "入院前已纳入管理"),
        Column("followed_up", B, "入院前按期随访"),
        Column("last_followup", DATE, "入院前最近一次随访"),
    ),
)

#: derived tables by name.
DERIVED_TABLES: dict[str, Table] = {
    t.name: t for t in (PH_REGISTER, PH_EXPECTED, PH_WORKLOAD, PH_ADMISSION_LINKS)
}
