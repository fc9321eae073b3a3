"""Canonical tables of hospital operations (运营管理): departments, their monthly costs and
workload, budgets with their approvals, adjustments and actuals, pay and the performance-pay
envelope.

They follow the national cost accounting standard 公立医院成本核算规范 (国卫财务发〔2021〕4号:
cost centres in four classes, seven cost items, monthly department cost reports), the
comprehensive budget management of public hospitals (公立医院全面预算管理制度实施办法,
国卫财务发〔2020〕30号: preparation, approval, execution, adjustment) and the pay structure of
public institutions (post pay, allowances, basic and incentive performance pay; the township
sub-items of [N] (3)2 `henan-2020-close-county-medical-community.txt`). Declared here and
listed in `tables.TABLES` like every other canonical table, so ingest validation, the
warehouse DDL and `docs/schema.md` are derived from them.
"""

from __future__ import annotations

from yigong.schema.model import Column, DateOrder, DType, Table

S, INT, D, F = DType.STRING, DType.INT, DType.DECIMAL, DType.FLOAT
DATE = DType.DATE

COST_STANDARD = "公立医院成本核算规范 (国卫财务发〔2021〕4号)"
BUDGET_STANDARD = "公立医院全面预算管理制度实施办法 (国卫财务发〔2020〕30号)"
PAY_SOURCE = "事业单位工资发放明细（岗位工资、薪级工资、津贴补贴、绩效工资）"


def _money(name: str, zh: str, national: str = "", required: bool = False, doc: str = "") -> Column:
    return Column(name, D, zh, national, required=required, minimum=0, doc=doc)


def _count(name: str, zh: str, national: str = "", required: bool = False, doc: str = "") -> Column:
    return Column(name, INT, zh, national, required=required, minimum=0, doc=doc)


def _inst(name: str = "institution_id") -> Column:
    return Column(name, S, "机构编码", required=True, ref="institutions.institution_id")


def _year() -> Column:
    return Column("year", INT, "年份", required=True, minimum=1949, maximum=2100)


def _month(name: str = "month", zh: str = "月份") -> Column:
    return Column(name, INT, zh, required=True, minimum=1, maximum=12)


def _department(required: bool, doc: str = "") -> Column:
    return Column(
        "department_id", S, "科室标识", required=required, ref="departments.department_id", doc=doc
    )


#: the seven cost items (成本项目) of the national standard, in its order: (column, 中文, note).
COST_ELEMENTS: tuple[tuple[str, str, str], ...] = (
    ("cost_personnel", "人员经费", "pay, social insurance and other personnel costs"),
    ("cost_consumables", "卫生材料费", "medical consumables used"),
    ("cost_drugs", "药品费", "drugs dispensed or used (zero mark-up: at purchase cost)"),
    ("cost_depreciation", "固定资产折旧费", "equipment and buildings"),
    ("cost_amortisation", "无形资产摊销费", "software and other intangible assets"),
    ("cost_risk_fund", "提取医疗风险基金", "the medical risk fund set aside"),
    ("cost_other", "其他运行费用", "energy, maintenance, services and other running costs"),
)
COST_ELEMENT_COLUMNS: tuple[str, ...] = tuple(c for c, _, _ in COST_ELEMENTS)

#: workload columns of a department-month, each usable as an allocation driver.
WORKLOAD_COLUMNS: tuple[str, ...] = (
    "outpatient_visits",
    "bed_days",
    "discharges",
    "exams",
)

DEPARTMENTS = Table(
    name="departments",
    zh="科室（成本核算单元）",
    grain="one department (cost centre) of one institution over one validity span",
    key=("department_id", "valid_from"),
    depends_on=("institutions",),
    source=f"{COST_STANDARD} 科室单元",
    columns=(
        Column(
            "department_id",
            S,
            "科室标识",
            required=True,
            doc="unique in the data: institution code + '-' + the institution's department code",
        ),
        _inst(),
        Column("code", S, "科室代码", "医院科室字典", required=True),
        Column(
            "name_zh",
            S,
            "科室名称",
            required=True,
            doc="for clinical departments, as written in 病案首页 出院科别 and 门诊就诊科室",
        ),
        Column(
            "category",
            S,
            "科室单元类别",
            f"{COST_STANDARD} 科室单元分类",
            required=True,
            codes="department_category",
        ),
        Column(
            "setting",
            S,
            "门诊/住院",
            required=True,
            codes="department_setting",
            doc="clinical departments: outpatient or inpatient cost centre; others: none",
        ),
        Column(
            "cost_driver",
            S,
            "分摊参数",
            codes="cost_driver",
            doc="the driver this department's cost is allocated by; empty: its class's default",
        ),
        Column("floor_area_m2", F, "占用面积（平方米）", minimum=0),
        _count("staff_count", "人员数"),
        _count("beds", "床位数"),
        Column("valid_from", DATE, "生效日期", required=True),
        Column("valid_to", DATE, "失效日期", doc="last day the row holds; empty = still valid"),
    ),
    date_orders=(DateOrder("valid_from", "valid_to"),),
)

DEPARTMENT_COSTS = Table(
    name="department_costs",
    zh="科室成本月报",
    grain="one department in one month: its direct costs by cost item, revenue and workload",
    key=("department_id", "year", "month"),
    depends_on=("institutions", "departments"),
    source=f"{COST_STANDARD} 科室直接成本（成本项目）与工作量",
    columns=(
        _department(True),
        _inst(),
        _year(),
        _month(),
        *(_money(c, zh, COST_STANDARD, required=True, doc=doc) for c, zh, doc in COST_ELEMENTS),
        _money(
            "medical_revenue",
            "科室医疗收入",
            doc="clinical: revenue ordered (开单收入); medical technology: revenue performed",
        ),
        _count("outpatient_visits", "门急诊人次"),
        _count("bed_days", "实际占用床日数"),
        _count("discharges", "出院人数"),
        _count("exams", "检查检验人次"),
    ),
)

_PLAN = tuple(
    _money(f"plan_m{m:02d}", f"{m}月计划", BUDGET_STANDARD, required=True) for m in range(1, 13)
)

BUDGET_LINES = Table(
    name="budget_lines",
    zh="预算批复",
    grain="one approved budget line: an institution (and department) and account in one year",
    key=("line_id",),
    depends_on=("institutions", "departments"),
    source=f"{BUDGET_STANDARD} 预算编制与审批",
    columns=(
        Column("line_id", S, "预算行标识", required=True),
        _inst(),
        _department(False, "empty: an institution-level line"),
        _year(),
        Column("account", S, "预算科目", required=True, codes="budget_account"),
        _money("annual_amount", "年度预算（批复数）", BUDGET_STANDARD, required=True),
        *_PLAN,
        Column("approved_on", DATE, "批复日期", required=True),
        Column("approved_by", S, "批复文号/批复人", required=True),
    ),
)

BUDGET_ADJUSTMENTS = Table(
    name="budget_adjustments",
    zh="预算调整",
    grain="one request to adjust one budget line, with its decision",
    key=("adjustment_id",),
    depends_on=("institutions", "budget_lines"),
    source=f"{BUDGET_STANDARD} 预算调整",
    date_orders=(DateOrder("requested_on", "decided_on"),),
    columns=(
        Column("adjustment_id", S, "调整单号", required=True),
        Column("line_id", S, "预算行标识", required=True, ref="budget_lines.line_id"),
        _inst(),
        _year(),
        _month("effective_month", "调整生效月份"),
        Column(
            "amount",
            D,
            "调整金额",
            required=True,
            doc="signed: + raises the line, − lowers it; spread over the remaining months",
        ),
        Column("reason", S, "调整理由", required=True),
        Column("requested_on", DATE, "申请日期", required=True),
        Column("requested_by", S, "申请人/科室"),
        Column("status", S, "审批状态", required=True, codes="adjustment_status"),
        Column("decided_on", DATE, "审批日期"),
        Column("decided_by", S, "审批人/会议"),
    ),
)

BUDGET_ACTUALS = Table(
    name="budget_actuals",
    zh="预算执行月报",
    grain="one budget line in one month: the amount actually earned or spent",
    key=("line_id", "month"),
    depends_on=("institutions", "budget_lines"),
    source=f"{BUDGET_STANDARD} 预算执行",
    columns=(
        Column("line_id", S, "预算行标识", required=True, ref="budget_lines.line_id"),
        _inst(),
        _year(),
        _month(),
        _money("actual_amount", "实际执行数", required=True),
    ),
)

#: the pay items of one staff-month: (column, 中文, note). Order = the file's order.
PAY_ITEMS: tuple[tuple[str, str, str], ...] = (
    ("post_pay", "岗位工资（含薪级工资）", "basic pay by post and grade"),
    ("allowances", "津贴补贴", "national and local allowances"),
    ("basic_performance", "基础性绩效工资", ""),
    ("incentive_performance", "奖励性绩效工资", "excluding the sub-items below"),
    ("gp_allowance", "全科医生岗位津贴", "[N] (3)2: listed separately in performance pay"),
    ("family_doctor_fee", "家庭医生签约服务费", "[N] (3)2: the team's share of contract income"),
    ("night_shift", "夜班及加班补助", "[N] (3)2 sub-item of incentive performance pay"),
    ("rural_subsidy", "下乡补助", "[N] (3)2 sub-item of incentive performance pay"),
    ("other_pay", "其他", ""),
)
PAY_ITEM_COLUMNS: tuple[str, ...] = tuple(c for c, _, _ in PAY_ITEMS)

STAFF_PAY = Table(
    name="staff_pay",
    zh="工资发放明细",
    grain="one staff member's pay at one institution in one month",
    key=("institution_id", "staff_key", "year", "month"),
    depends_on=("institutions", "departments", "staff"),
    source=PAY_SOURCE,
    columns=(
        _inst(),
        Column("staff_key", S, "人员标识（假名）", required=True, pseudonymise="staff_id_number"),
        _year(),
        _month(),
        _department(False, "the department the person worked in that month"),
        *(_money(c, zh, PAY_SOURCE, required=True, doc=doc) for c, zh, doc in PAY_ITEMS),
    ),
)

PERFORMANCE_PAY_ENVELOPES = Table(
    name="performance_pay_envelopes",
    zh="绩效工资总量核定",
    grain="one institution's approved total performance pay for one year",
    key=("institution_id", "year"),
    depends_on=("institutions",),
    source="绩效工资总量核定（人社、财政、卫生健康部门）; [H] 两个允许, 自主申报绩效工资总量",
    columns=(
        _inst(),
        _year(),
        _money("approved_total", "核定绩效工资总量", required=True),
        Column("approved_on", DATE, "核定日期"),
        Column("approved_by", S, "核定文号"),
        Column(
            "appraisal_score",
            F,
            "绩效考核得分",
            minimum=0,
            maximum=100,
            doc="the institution's appraisal score the envelope is linked to (previous year)",
        ),
        _money(
            "fund_withdrawals",
            "提取专用基金",
            doc="funds set aside from the year's balance before incentive pay ([N] (3)2)",
        ),
    ),
)

#: the operations tables, in dependency order (appended to `tables.TABLES`).
OPERATIONS_TABLES: tuple[Table, ...] = (
    DEPARTMENTS,
    DEPARTMENT_COSTS,
    BUDGET_LINES,
    BUDGET_ADJUSTMENTS,
    BUDGET_ACTUALS,
    STAFF_PAY,
    PERFORMANCE_PAY_ENVELOPES,
)
