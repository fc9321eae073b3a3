"""`yigong health build|rates|overdue|register|assess|subsidy|rules`: basic public health and
chronic disease in family-doctor teams (thin commands over `yigong.services.public_health`)."""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from yigong.public_health.loader import PublicHealthRulesError
from yigong.schema.codes import PH_DISEASE, PUBLIC_HEALTH_PROGRAM
from yigong.schema.money import Money
from yigong.services import public_health as svc
from yigong.warehouse import DEFAULT_DB

app = typer.Typer(
    help="Basic public health: chronic-disease registers, overdue follow-ups, control rates, "
    "village assessment and subsidy.",
    no_args_is_help=True,
)
console = Console()

Db = Annotated[Path, typer.Option("--db", help="DuckDB warehouse file.")]
Year = Annotated[int, typer.Option("--year", help="Year, e.g. 2024.")]
Rules = Annotated[
    str | None,
    typer.Option("--rules", help="Public-health rules pack id or folder (default national-2017)."),
]
Team = Annotated[str | None, typer.Option("--team", help="Family-doctor team id (T…).")]
Inst = Annotated[
    str | None, typer.Option("--institution", help="Village clinic or township centre id (H…).")
]
Area = Annotated[
    str | None, typer.Option("--area", help="Residence division code prefix (township, village).")
]
Json = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def _fail(exc: Exception) -> typer.Exit:
    typer.echo(f"error: {exc}", err=True)
    return typer.Exit(2)  # a known error: the value named in the message


def _print_json(data: Any) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


@app.command("build")
def build_cmd(
    db: Db = DEFAULT_DB,
    year: Annotated[list[int] | None, typer.Option("--year", help="Years (default: all).")] = None,
    rules: Rules = None,
) -> None:
    """Build the registers, expected patients, workload and admission links (the ph_* tables)."""
    try:
        counts = svc.build(db, year or None, rules=rules)
    except (FileNotFoundError, PublicHealthRulesError, LookupError) as exc:
        raise _fail(exc) from None
    for name, n in counts.items():
        typer.echo(f"{name}: {n:,} rows")


def print_rates(summary: dict[str, Any]) -> None:
    """The control and standardised management rates, county then townships."""
    t = Table(title=f"慢病管理 {summary['year']}")
    for col in ("乡镇", "高血压 已管理", "规范管理率", "血压控制率", "糖尿病 已管理", "规范管理率",
                "血糖控制率", "逾期"):  # fmt: skip
        t.add_column(col, justify="right" if col != "乡镇" else "left")

    def row(name: str, s: dict[str, Any]) -> list[str]:
        h, d = s["hypertension"], s["diabetes"]
        return [name, f"{h['managed']:,}", _p(h["standard_rate"]), _p(h["control_rate"]),
                f"{d['managed']:,}", _p(d["standard_rate"]), _p(d["control_rate"]),
                f"{h['overdue'] + d['overdue']:,}"]  # fmt: skip

    t.add_row(*row("全县 (county)", summary["total"]), style="bold")
    for town in summary["townships"]:
        t.add_row(*row(town["name"], town))
    console.print(t)


def _p(v: str | None) -> str:
    return "—" if v is None else f"{v} %"


@app.command("rates")
def rates_cmd(
    db: Db = DEFAULT_DB, year: Year = 2024, area: Area = None, as_json: Json = False
) -> None:
    """Registered, standardised and controlled patients and their rates, by township."""
    try:
        s = svc.county_summary(db, year, area)
    except (FileNotFoundError, LookupError) as exc:
        raise _fail(exc) from None
    if as_json:
        _print_json(s)
    else:
        print_rates(s)


def _patients(rows: list[dict[str, Any]], title: str) -> None:
    t = Table(title=title)
    for col in ("居民", "病种", "年龄", "村", "管理机构", "团队", "最近随访", "应随访", "逾期天数"):
        t.add_column(col)
    for r in rows:
        t.add_row(r["person"], PH_DISEASE[r["disease"]][0], str(r["age"] or ""), r["village"] or "",
                  r["institution"] or "", r["team_id"] or "", str(r["last_followup"] or ""),
                  str(r["next_due"] or ""), str(r["days_overdue"] or ""))  # fmt: skip
    console.print(t)


@app.command("overdue")
def overdue_cmd(
    db: Db = DEFAULT_DB, year: Year = 2024, team: Team = None, institution: Inst = None,
    area: Area = None, limit: Annotated[int, typer.Option("--limit", min=1)] = 50, as_json: Json = False,
) -> None:  # fmt: skip
    """Patients whose follow-up is overdue, most overdue first (a team, a clinic or an area)."""
    try:
        data = svc.overdue(db, year, team=team, institution=institution, area=area, limit=limit)
    except (FileNotFoundError, LookupError) as exc:
        raise _fail(exc) from None
    if as_json:
        _print_json(data)
    else:
        _patients(
            data["patients"], f"随访逾期 {data['count']:,} 人（显示 {len(data['patients'])}）"
        )


@app.command("register")
def register_cmd(
    db: Db = DEFAULT_DB, year: Year = 2024, team: Team = None, institution: Inst = None,
    area: Area = None, as_json: Json = False,
) -> None:  # fmt: skip
    """The chronic-disease register of a team, a clinic or an area, with its rates."""
    try:
        data = svc.register(db, year, team=team, institution=institution, area=area)
    except (FileNotFoundError, LookupError) as exc:
        raise _fail(exc) from None
    if as_json:
        _print_json(data)
        return
    _patients(data["patients"], f"慢病管理登记 {year}")
    print_rates({"year": year, "total": data["summary"], "townships": []})


@app.command("assess")
def assess_cmd(
    db: Db = DEFAULT_DB, year: Year = 2024, institution: Annotated[list[str] | None,
    typer.Option("--institution")] = None, township: Annotated[str | None, typer.Option(
        "--township", help="A township centre id: the centre and its village clinics.")] = None,
    rules: Rules = None, as_json: Json = False,
) -> None:  # fmt: skip
    """Programme completion (each in its own unit) and assessment scores; the village share."""
    try:
        data = svc.assessments(db, year, institutions=institution, township=township, rules=rules)
    except (FileNotFoundError, PublicHealthRulesError) as exc:
        raise _fail(exc) from None
    if as_json:
        _print_json(data)
        return
    t = Table(title=f"基本公卫考核 {year}（村卫生室标化工作量占比 {_p(data['village_share'])}）")
    for col in ("机构", "得分", "项目", "单位", "任务量", "完成量", "完成率"):
        t.add_column(col)
    for a in data["institutions"]:
        for k, p in enumerate(a["programmes"]):
            t.add_row(a["name"] if k == 0 else "", a["score"] if k == 0 else "",
                      PUBLIC_HEALTH_PROGRAM.get(p["program"], (p["program"],))[0], p["unit"],
                      f"{p['assigned']:,}", f"{p['done']:,}", _p(p["completion"]))  # fmt: skip
    console.print(t)


@app.command("subsidy")
def subsidy_cmd(
    db: Db = DEFAULT_DB, year: Year = 2024,
    township: Annotated[str | None, typer.Option("--township")] = None,
    fund: Annotated[str | None, typer.Option("--fund", help="Fund in yuan (default: the clinics' "
                                             "public-health funds of the year).")] = None,
    rules: Rules = None, ledger: Annotated[Path | None, typer.Option("--ledger",
                                          help="Write the ledger lines as CSV.")] = None,
    as_json: Json = False,
) -> None:  # fmt: skip
    """Share the village fund by assessment score × assigned workload, to the fen."""
    try:
        run = svc.subsidy(db, year, township=township, fund=Money.of(fund) if fund else None,
                          rules=rules)  # fmt: skip
    except (FileNotFoundError, PublicHealthRulesError, ValueError) as exc:
        raise _fail(exc) from None
    if ledger is not None:
        _write_ledger(run, ledger)
    if as_json:
        _print_json({"fund": str(run.fund), "paid": str(run.paid), "unallocated": str(run.unallocated),
                     "lines": [{"institution_id": ln.institution_id, "score": str(ln.score),
                                "workload_assigned": str(ln.workload_assigned),
                                "weight": str(ln.weight), "amount": str(ln.amount)}
                               for ln in run.lines]})  # fmt: skip
        return
    t = Table(title=f"村卫生室基本公卫补助 {year}: 资金 {run.fund} 元，已拨 {run.paid} 元")
    for col in ("村卫生室", "得分", "任务标化工作量", "权重", "补助（元）"):
        t.add_column(col, justify="right")
    for ln in run.lines:
        t.add_row(ln.institution_id, str(ln.score), f"{ln.workload_assigned:,}",
                  f"{ln.weight.quantize(Decimal('0.01')):,}", f"{ln.amount.amount:,}")  # fmt: skip
    console.print(t)


def _write_ledger(run: svc.SubsidyRun, path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["line_id", "entry_id", "date", "period", "account", "counterparty", "amount",
                    "rule_id", "clause", "inputs", "memo"])  # fmt: skip
        for ln in run.ledger.lines:
            w.writerow([ln.line_id, ln.entry_id, ln.date, ln.period, ln.account, ln.counterparty,
                        str(ln.amount), ln.rule_id, ln.clause,
                        json.dumps({k: str(v) for k, v in ln.inputs.items()}, ensure_ascii=False),
                        ln.memo])  # fmt: skip
