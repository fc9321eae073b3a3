"""`yigong drugs procurement|use|check-master`: volume-based procurement and drug-use monitoring."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from yigong.drugs.policy import ProcurementPolicyError
from yigong.services import drugs as svc
from yigong.warehouse import DEFAULT_DB

app = typer.Typer(
    help="Drugs and consumables (药品耗材): VBP completion and the retained fund, platform share, "
    "unified distribution, drug-use monitoring.",
    no_args_is_help=True,
)
console = Console()

Db = Annotated[Path, typer.Option("--db", help="DuckDB warehouse file.")]
Node = Annotated[str, typer.Option("--node", help="division:130423 | community:C1 | inst:H…")]
Json = Annotated[bool, typer.Option("--json", help="Print the whole result as JSON.")]


def _fail(exc: Exception, code: int = 2) -> typer.Exit:
    typer.echo(f"error: {exc}", err=True)
    return typer.Exit(code)


def _pct(v: float | None) -> str:
    return "—" if v is None else f"{v:.1%}"


def _yuan(text: str) -> str:
    return f"{float(text):,.2f}"


@app.command("procurement")
def procurement_cmd(
    year: Annotated[int, typer.Option("--year", help="contract year")],
    node: Node,
    db: Db = Path(DEFAULT_DB),
    policy: Annotated[
        str, typer.Option("--policy", help="procurement policy pack id or folder")
    ] = "procurement-2024",
    as_json: Json = False,
) -> None:
    """VBP completion and savings, the retained fund split 60–70 % to staff pay, the platform
    share (≥ 80 % for secondary+ hospitals) and unified distribution, for a node's year."""
    try:
        r = svc.procurement(db, node, year, policy=policy)
    except (ProcurementPolicyError, FileNotFoundError, ValueError, LookupError) as exc:
        raise _fail(exc) from exc
    if as_json:
        typer.echo(json.dumps(r, ensure_ascii=False, indent=2))
        return
    t = r["totals"]
    typer.echo(
        f"{node} {year} (policy {r['policy']}): {t['completed']} of {t['agreements']} agreements "
        f"completed; savings {_yuan(t['savings'])} yuan, fund saved {_yuan(t['fund_savings'])}, "
        f"retained {_yuan(t['retained'])} = staff {_yuan(t['staff'])} + development "
        f"{_yuan(t['development'])}"
    )
    tab = Table("institution", "agreements", "completed", "savings", "retained", "staff",
                "development", title="retained fund (结余留用)")  # fmt: skip
    for f in r["retained_funds"]:
        tab.add_row(f"{f['institution']} {f['institution_id']}", str(f["agreements"]),
                    str(f["completed"]), _yuan(f["savings"]), _yuan(f["retained"]),
                    _yuan(f["staff"]), _yuan(f["development"]))  # fmt: skip
    console.print(tab)
    tab = Table("institution", "drugs bought", "via platform", "share", "target", "met",
                title="platform purchase share")  # fmt: skip
    for p in r["platform"]:
        met = "—" if p["ok"] is None else ("yes" if p["ok"] else "NO")
        tab.add_row(f"{p['institution']} {p['institution_id']}", _yuan(p["total"]),
                    _yuan(p["via_platform"]), _pct(p["share"]),
                    f"≥ {float(p['target']):.0%}" if p["bound"] else "—", met)  # fmt: skip
    console.print(tab)
    tab = Table("member", "delivered by the centre", "own purchases", "share",
                title="unified distribution")  # fmt: skip
    for d in r["distribution"]:
        tab.add_row(f"{d['institution']} {d['institution_id']}", _yuan(d["delivered"]),
                    _yuan(d["own_purchases"]), _pct(d["share"]))  # fmt: skip
    console.print(tab)


@app.command("use")
def use_cmd(
    period: Annotated[str, typer.Option("--period", help="2024 | 2024Q1 | 2024-03")],
    node: Node,
    db: Db = Path(DEFAULT_DB),
    by: Annotated[str | None, typer.Option("--by", help="prescriber")] = None,
    indicator: Annotated[str | None, typer.Option("--indicator", help="for --by")] = None,
    as_json: Json = False,
) -> None:
    """The drug-use catalog (R01–R08) for a node and period, optionally per prescriber."""
    try:
        r = svc.drug_use(db, node, period, by=by, indicator=indicator)
    except (FileNotFoundError, ValueError, KeyError, LookupError) as exc:
        raise _fail(exc) from exc
    if as_json:
        typer.echo(json.dumps(r, ensure_ascii=False, indent=2, default=str))
        return
    tab = Table("id", "indicator", "value", "numerator", "denominator", "target",
                title=f"{r['node_name']} {period}")  # fmt: skip
    for x in r["results"]:
        tgt = x["target"]
        target = (
            ""
            if tgt is None
            else f"{tgt['comparator']} {tgt['value']:g}"
            + ("" if tgt["met"] is None else (" ✓" if tgt["met"] else " ✗"))
        )
        tab.add_row(x["indicator"], x["name_zh"], x["formatted"], str(x["numerator"]),
                    str(x["denominator"]), target)  # fmt: skip
    console.print(tab)
    b: dict[str, Any] | None = r.get("breakdown")
    if b:
        tab = Table("prescriber", "numerator", "denominator", "value",
                    title=f"{b['indicator']} by {b['by']}")  # fmt: skip
        for row in b["rows"]:
            v = "—" if row["value"] is None else f"{row['value']:.2f}"
            tab.add_row(str(row["key"]), str(row["numerator"]), str(row["denominator"]), v)
        console.print(tab)
        for note in b["notes"]:
            typer.echo(f"note: {note}")


@app.command("check-master")
def check_master_cmd(db: Db = Path(DEFAULT_DB)) -> None:
    """Compare every antimicrobial's DDD in drug_master with the WHO's (shipped table)."""
    try:
        problems = svc.check_master(db)
    except (FileNotFoundError, LookupError) as exc:
        raise _fail(exc) from exc
    for p in problems:
        typer.echo(
            f"{p['item_code']} {p['generic_name']} {p['atc_code']} {p['route']}: {p['reason']}"
        )
    if problems:
        raise typer.Exit(1)
    typer.echo("drug master: every antimicrobial's DDD agrees with the WHO ATC/DDD index")
