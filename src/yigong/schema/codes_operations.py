"""Code systems of hospital operations: department classes, cost drivers, budget accounts, the
states of a budget adjustment.

Department classes follow the four classes of cost centres (科室单元) of the national cost
accounting standard 公立医院成本核算规范 (国卫财务发〔2021〕4号); budget accounts follow the
revenue and expense items of the government accounting system for hospitals (政府会计制度 /
医院执行的收入费用科目), condensed to what a county hospital budgets per department.
"""

from __future__ import annotations

Labels = dict[str, tuple[str, str]]

#: 科室单元分类 (公立医院成本核算规范): the order is the order of the step-down allocation.
DEPARTMENT_CATEGORY: Labels = {
    "administrative": ("行政后勤类", "administration and logistics"),
    "medical_support": ("医疗辅助类", "medical support"),
    "medical_technology": ("医疗技术类", "medical technology"),
    "clinical": ("临床服务类", "clinical service"),
}

#: where a clinical cost centre serves patients (门诊科室 / 住院科室 are separate cost centres).
DEPARTMENT_SETTING: Labels = {
    "outpatient": ("门急诊", "outpatient and emergency"),
    "inpatient": ("住院", "inpatient"),
    "none": ("不直接服务患者", "not a patient-facing cost centre"),
}

#: 分摊参数: what a department's cost is allocated by (a department may name its own).
COST_DRIVER: Labels = {
    "staff": ("人员数", "staff headcount"),
    "area": ("占用面积", "floor area"),
    "beds": ("床位数", "beds"),
    "revenue": ("医疗收入", "medical revenue"),
    "outpatient_visits": ("门急诊人次", "outpatient and emergency visits"),
    "bed_days": ("实际占用床日数", "occupied bed-days"),
    "discharges": ("出院人数", "discharges"),
    "exams": ("检查检验人次", "examinations and tests"),
}

#: 预算科目: revenue accounts (收入) and expense accounts (费用).
BUDGET_ACCOUNT: Labels = {
    "revenue_outpatient": ("门急诊收入", "outpatient and emergency revenue"),
    "revenue_inpatient": ("住院收入", "inpatient revenue"),
    "revenue_fiscal": ("财政补助收入", "fiscal subsidy revenue"),
    "revenue_other": ("其他收入", "other revenue"),
    "expense_personnel": ("人员经费", "personnel expense"),
    "expense_drugs": ("药品费", "drugs"),
    "expense_consumables": ("卫生材料费", "medical consumables"),
    "expense_depreciation": ("固定资产折旧费", "depreciation"),
    "expense_other": ("其他运行费用", "other operating expense"),
}

ADJUSTMENT_STATUS: Labels = {
    "requested": ("已申请（待审批）", "requested, awaiting approval"),
    "approved": ("已批准", "approved"),
    "rejected": ("未批准", "rejected"),
}

OPERATIONS_CODE_SYSTEMS: dict[str, Labels] = {
    "department_category": DEPARTMENT_CATEGORY,
    "department_setting": DEPARTMENT_SETTING,
    "cost_driver": COST_DRIVER,
    "budget_account": BUDGET_ACCOUNT,
    "adjustment_status": ADJUSTMENT_STATUS,
}


def is_revenue_account(account: str) -> bool:
    """Revenue accounts start with ``revenue_``; every other account is an expense."""
    return account.startswith("revenue_")
