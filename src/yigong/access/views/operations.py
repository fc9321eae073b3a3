"""Hospital operations as the API and the cockpit show them: budget execution, department costs
after the step-down, DRG profit and loss, pay checks — each for the institutions of a node
that lie in the user's scope.

Results are computed by the services (`yigong.services.operations`, `operations_pay`) and kept
per node, year and data version (`AccessState.memo`); rows of institutions outside the scope
are left out, and every value passes the scope's redaction. Money is text with two decimals
(exact); the cockpit formats it in 元 with thousands separators.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from yigong.access.principal import Principal
from yigong.payment.errors import PaymentInputError
from yigong.schema.codes_operations import DEPARTMENT_CATEGORY
from yigong.services import hierarchy
from yigong.services import operations as ops
from yigong.services.operations_data import department_names
from yigong.services.operations_pay import pay_checks as run_pay_checks
from yigong.services.operations_rows import (
    allocation_tables,
    budget_tables,
    consolidated_table,
    pay_check_table,
    pnl_table,
    write_tables,
)
from yigong.warehouse.hierarchy import NodeKind

__all__ = ["REPORTS", "budget", "costs", "drg_pnl", "pay_checks", "report_file"]

#: the reports a user can download as XLSX (every table of the report, a sheet each)
REPORTS = ("budget", "costs", "drg-pnl", "pay-checks")
#: the rule ids of the pay checks, in Chinese and English (the cockpit shows no raw codes)
RULES = {
    "township_incentive": ("乡镇卫生院奖励性绩效占医疗服务结余比例", "township incentive pay share of the balance"),
    "family_doctor": ("家庭医生签约服务费用于团队分配比例", "family-doctor fees paid to the team"),
    "gp_parity": ("全科医生收入与县级医院同职称临床医师平均收入之比", "GP income against county clinicians of the same title"),
    "fixed_salary_share": ("固定薪酬占比", "fixed-salary share"),
    "personnel_share": ("人员支出占业务支出比重（%）", "personnel share of business expenditure (%)"),
}  # fmt: skip
TITLES = {
    "senior": ("正高", "senior"),
    "deputy_senior": ("副高", "deputy senior"),
    "intermediate": ("中级", "intermediate"),
    "junior": ("初级", "junior"),
    "none": ("无职称", "no title"),
}


def _members(p: Principal, node: str) -> tuple[Any, frozenset[str]]:
    n = p.node(node)
    with p.state.tables() as wh:
        return n, hierarchy.members(wh, n) & p.scope.institutions


def budget(p: Principal, node: str, year: int, through_month: int | None = None) -> dict[str, Any]:
    """Plan vs actual of every budget line of the node's institutions in scope, the alerts,
    the approval trails and, for a community, the consolidated statement."""
    n, members = _members(p, node)

    def run() -> dict[str, Any]:
        with p.state.tables() as wh:
            x = ops.budget_execution(wh, str(n), year, through_month=through_month)
            names = department_names(wh, {e.line.department_id for e in x.lines
                                          if e.line.department_id})  # fmt: skip
        return {"tables": budget_tables(x), "departments": names,
                "consolidated": consolidated_table(ops.consolidate_lines(x))}  # fmt: skip

    got = p.state.memo(("ops.budget", str(n), year, through_month), run)
    t = got["tables"]
    lines = [dict(r, institution=p.scope.names.get(r["institution_id"], r["institution_id"]),
                  department=got["departments"].get(r["department_id"] or "", ""))
             for r in t["lines"] if r["institution_id"] in members]  # fmt: skip
    shown = {r["line_id"] for r in lines}
    out = {
        "node": str(n),
        "year": year,
        "through_month": through_month,
        "lines": lines,
        "alerts": [a for a in t["alerts"] if a["line_id"] in shown],
        "trail": [a for a in t["trail"] if a["line_id"] in shown],
        "consolidated": got["consolidated"] if n.kind is NodeKind.COMMUNITY else [],
    }
    return p.redact(out)  # type: ignore[no-any-return]


def costs(p: Principal, node: str, year: int) -> dict[str, Any]:
    """Department costs after the step-down (direct, full, what each tier brought) and the
    cost per bed-day, visit, discharge and examination, for the institutions in scope."""
    n, members = _members(p, node)

    def run() -> dict[str, Any]:
        with p.state.tables() as wh:
            try:
                report = ops.cost_allocation(wh, str(n), year)
            except ValueError:  # no department costs under the node in that year
                return {"tables": {"departments": [], "unit_costs": []}, "conserved": True}
        return {"tables": allocation_tables(report),
                "conserved": not any(i.code == "allocation.conservation" for i in report.issues)}  # fmt: skip

    got = p.state.memo(("ops.costs", str(n), year), run)
    deps = [d for d in got["tables"]["departments"] if d["institution_id"] in members]
    ids = {d["department_id"] for d in deps}
    units = [u for u in got["tables"]["unit_costs"] if u["department_id"] in ids]
    for d in deps:
        d["institution"] = p.scope.names.get(d["institution_id"], d["institution"])
    out = {"node": str(n), "year": year, "conserved": got["conserved"], "departments": deps,
           "unit_costs": units, "categories": {k: v[0] for k, v in DEPARTMENT_CATEGORY.items()}}  # fmt: skip
    return p.redact(out)  # type: ignore[no-any-return]


def _counties(p: Principal, members: frozenset[str]) -> list[str]:
    """The counties the institutions lie in (DRG payment is settled county by county)."""
    with p.state.tables() as wh:
        inst = wh.table("institutions")
        rows = inst.filter(inst.institution_id.isin(sorted(members) or [""])).select(
            "division_code").distinct().to_pyarrow().column("division_code").to_pylist()  # fmt: skip
    return sorted({str(c)[:6] for c in rows if c})


def drg_pnl(
    p: Principal,
    node: str,
    year: int,
    by: str = "group",
    institution: str | None = None,
    scheme: str = "chs-drg-1.1-handan-2022",
) -> dict[str, Any]:
    """DRG profit and loss of the institutions in scope (per group, department, doctor or
    institution), the five worst-losing groups of one institution, and whether each county's
    figures reconcile with the payment engine and the case costs."""
    n, members = _members(p, node)
    reports, notes = [], []
    for county in _counties(p, members):

        def run(county: str = county) -> Any:
            with p.state.tables() as wh:
                try:
                    return ops.drg_profit_and_loss(wh, county, year, scheme=scheme)
                except (PaymentInputError, ValueError) as exc:
                    return str(exc).splitlines()[0]

        got = p.state.memo(("ops.drg_pnl", county, year, scheme), run)
        if isinstance(got, str):
            notes.append(got)
        else:
            reports.append(got)
    rows, worst_rows, hospitals = [], [], []
    for report in reports:
        rows += pnl_table(report, [r for r in report.rows(by) if (r.institution or "") in members
                                   or (by == "institution" and r.key in members)], by == "group")  # fmt: skip
        hospitals += [i for i in members if i in report.institution_names]
    hospitals = sorted(set(hospitals))
    chosen = institution if institution in hospitals else next(
        (i for i in hospitals if i.endswith("00001")), hospitals[0] if hospitals else None)  # fmt: skip
    for report in reports:
        if chosen in report.institution_names:
            worst_rows = pnl_table(report, report.worst(chosen, 5, min_cases=5))
    names = {i: p.scope.names.get(i, i) for i in hospitals}
    for r in rows + worst_rows:
        r["institution"] = names.get(r["institution_id"] or "", r["institution"])
    out = {
        "node": str(n), "year": year, "scheme": scheme, "by": by, "institution": chosen,
        "institution_name": names.get(chosen or "", ""),
        "institutions": [{"id": i, "name": names[i]} for i in hospitals],
        "rows": rows, "worst": worst_rows,
        "reconciled": bool(reports) and all(not r.reconciliation for r in reports),
        "counties": [r.county for r in reports], "not_computed": notes,
    }  # fmt: skip
    return p.redact(out)  # type: ignore[no-any-return]


def _requirement(r: dict[str, Any]) -> tuple[str, str]:
    """The requirement of a check in Chinese and English (the engine's text is English)."""
    t = r.get("threshold")
    share = f"{float(t):.0%}" if t not in (None, "") else ""
    placeholder = "PLACEHOLDER" in (r.get("requirement") or "")
    return {
        "township_incentive": (f"奖励性绩效工资不低于医疗服务收支结余的{share}",
                               f"incentive pay ≥ {share} of the medical-service balance"),
        "family_doctor": (f"签约服务费不低于{share}用于签约团队",
                          f"≥ {share} of the contract fees to the team"),
        "gp_parity": ("不低于县级综合医院同职称临床医师平均收入",
                      "≥ the mean of county general-hospital clinicians of the same title"),
        "fixed_salary_share": (f"固定薪酬（岗位工资、津贴补贴、基础性绩效工资）占比不低于{share}",
                               f"fixed pay (post pay, allowances, basic performance pay) ≥ {share}"),
        "personnel_share": (f"不低于全国中位数 {t}%" + ("（占位值，非官方数据）" if placeholder else ""),
                            f"≥ national median {t} %" + (" (placeholder, not official)"
                                                          if placeholder else "")),
    }.get(r["rule"], (r.get("requirement") or "", r.get("requirement") or ""))  # fmt: skip


def pay_checks(p: Principal, node: str, year: int) -> dict[str, Any]:
    """The pay checks of the institutions in scope, with the rule's name in both languages."""
    n, members = _members(p, node)

    def run() -> list[dict[str, Any]]:
        with p.state.tables() as wh:
            return pay_check_table(run_pay_checks(wh, str(n), year))

    rows = [dict(r, rule_zh=RULES.get(r["rule"], (r["rule"], r["rule"]))[0],
                 rule_en=RULES.get(r["rule"], (r["rule"], r["rule"]))[1],
                 subject_zh=TITLES.get(r["subject"], (r["subject"], r["subject"]))[0],
                 subject_en=TITLES.get(r["subject"], (r["subject"], r["subject"]))[1],
                 institution=p.scope.names.get(r["institution_id"], r["institution"]),
                 requirement_zh=_requirement(r)[0], requirement_en=_requirement(r)[1],
                 not_applicable=bool(r["note"]) and r["rule"] == "township_incentive")
            for r in p.state.memo(("ops.pay_checks", str(n), year), run)
            if r["institution_id"] in members]  # fmt: skip
    return p.redact({"node": str(n), "year": year, "checks": rows})  # type: ignore[no-any-return]


def report_file(p: Principal, report: str, node: str, year: int) -> bytes:
    """Every table of a report (as the page shows it for this user) as an XLSX workbook."""

    if report == "budget":
        data = budget(p, node, year)
        tables = {k: data[k] for k in ("lines", "alerts", "trail", "consolidated")}
    elif report == "costs":
        data = costs(p, node, year)
        tables = {k: data[k] for k in ("departments", "unit_costs")}
    elif report == "drg-pnl":
        data = drg_pnl(p, node, year)
        tables = {k: data[k] for k in ("rows", "worst")}
    else:
        p.require("read", "pay")
        tables = {"checks": pay_checks(p, node, year)["checks"]}
    with tempfile.TemporaryDirectory() as tmp:
        body = write_tables(Path(tmp) / "report.xlsx", tables).read_bytes()
    p.audit_read(f"operations {report} {year}.xlsx", sum(len(v) for v in tables.values()),
                 node=node)  # fmt: skip
    return body
