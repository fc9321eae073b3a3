"""`yigong charges reconcile|daily-list|price-sim`: itemised charges."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from yigong.charges.policy import PricePolicyError
from yigong.charges.pricing import NothingToRaise
from yigong.services import charges as svc
from yigong.warehouse import DEFAULT_DB

app = typer.Typer(
    help="Itemised charges (费用明细): reconciliation, the daily list, price adjustment.",
    no_args_is_help=True,
)
console = Console()
Db = Annotated[Path, typer.Option("--db", help="DuckDB warehouse file.")]
Json = Annotated[bool, typer.Option("--json", help="Print the whole result as JSON.")]


def _fail(exc: Exception, code: int = 2) -> typer.Exit:
    typer.echo(f"error: {exc}", err=True)
    return typer.Exit(code)


@app.command("reconcile")
def reconcile_cmd(
    db: Db = Path(DEFAULT_DB),
    year: Annotated[int | None, typer.Option("--year")] = None,
    as_json: Json = False,
) -> None:
    """Items against front pages and settlements; exit 1 when a stay does not reconcile."""
    try:
        r = svc.reconciliation(db, year)
    except (FileNotFoundError, LookupError) as exc:
        raise _fail(exc) from exc
    if as_json:
        typer.echo(json.dumps(r, ensure_ascii=False, indent=2, default=str))
    else:
        for s in r["by_setting"]:
            typer.echo(f"{s['setting']:10} {s['encounters']:>9,} encounters {s['lines']:>12,} "
                       f"lines {float(s['amount']):>18,.2f} yuan")  # fmt: skip
        q = r["quarantined"]
        typer.echo(f"quarantined by the reconciliation rule: {q['lines']:,} lines of "
                   f"{q['encounters']:,} encounters")  # fmt: skip
        typer.echo(f"stays whose items differ from the front page: {r['front_page_mismatches']}")
        typer.echo(f"settled stays checked {r['settled_stays_checked']:,}, differing from the "
                   f"settlement: {r['settlement_mismatches']}")  # fmt: skip
    if r["front_page_mismatches"] or r["settlement_mismatches"]:
        raise typer.Exit(1)


@app.command("daily-list")
def daily_list_cmd(
    stay: Annotated[str, typer.Argument(help="discharge_id of the stay")],
    db: Db = Path(DEFAULT_DB),
    lang: Annotated[str, typer.Option("--lang", help="zh | en")] = "zh",
    out: Annotated[Path | None, typer.Option("-o", help=".pdf, .csv or .xlsx")] = None,
) -> None:
    """The daily charge list (一日清单) of one stay: printed, or written as PDF/CSV/XLSX."""
    if lang not in ("zh", "en"):
        raise _fail(ValueError("--lang is zh or en"))
    try:
        dl = svc.stay_daily_list(db, stay)
    except (FileNotFoundError, LookupError) as exc:
        raise _fail(exc) from exc
    if out is not None:
        fmt = out.suffix.lower().lstrip(".")
        try:
            out.write_bytes(svc.daily_list_export(dl, fmt, lang))
        except ValueError as exc:
            raise _fail(exc) from exc
        typer.echo(f"wrote {out} ({dl.lines} lines, total {dl.total} yuan)")
        return
    h = dl.header
    typer.echo(f"{h.discharge_id} {h.institution_name} {h.department} {h.admission_date} → "
               f"{h.discharge_date}")  # fmt: skip
    tab = Table("day", "item", "qty", "unit price", "amount", "running total")
    for p in dl.days:
        for ln in p.lines:
            tab.add_row(p.day.isoformat(), ln.item_name, f"{ln.quantity:g}", str(ln.unit_price),
                        str(ln.amount), "")  # fmt: skip
        tab.add_row("", f"[b]day total {p.total}[/b]", "", "", "", str(p.running_total))
    console.print(tab)
    s = dl.settlement
    typer.echo(f"total {dl.total}; front page {h.front_page_total} "
               f"({'agrees' if dl.matches_front_page else 'DIFFERS'})")  # fmt: skip
    if s is not None:
        typer.echo(f"settlement {s.settlement_id}: {s.total_cost} "
                   f"({'agrees' if dl.matches_settlement else 'DIFFERS'}); fund {s.fund_paid}, "
                   f"patient {s.personal_paid}")  # fmt: skip


@app.command("price-sim")
def price_sim_cmd(
    year: Annotated[int, typer.Option("--year")],
    node: Annotated[str, typer.Option("--node", help="division:130423 | community:C1 | inst:H…")],
    db: Db = Path(DEFAULT_DB),
    policy: Annotated[str, typer.Option("--policy")] = "price-adjustment-2024",
    force: Annotated[bool, typer.Option("--force", help="simulate even if not triggered")] = False,
    as_json: Json = False,
) -> None:
    """Trigger indicators and a revenue-neutral price adjustment under total control."""
    try:
        r = svc.price_simulation(db, node, year, policy=policy, force=force)
    except (PricePolicyError, FileNotFoundError, LookupError, NothingToRaise) as exc:
        raise _fail(exc) from exc
    if as_json:
        typer.echo(json.dumps(r, ensure_ascii=False, indent=2, default=str))
        return
    f = r["figures"]
    typer.echo(f"{node} {year}: medical revenue {float(f['medical']):,.2f}, medical-service "
               f"{float(f['service']):,.2f} ({f['service_share']:.1%}); VBP savings "
               f"{float(f['vbp_savings']):,.2f}, room {float(f['room']):,.2f}")  # fmt: skip
    for t in r["triggers"]:
        v = "—" if t["value"] is None else f"{t['value']:.4f}"
        typer.echo(f"  trigger {t['metric']}: {v} {t['comparator']} {t['threshold']} → "
                   f"{'met' if t['met'] else 'not met'}")  # fmt: skip
    typer.echo(f"adjustment {'starts' if r['started'] else 'does not start'} "
               f"(start when {r['start_when']})")  # fmt: skip
    if not r["simulated"]:
        return
    a = r["adjustment"]
    typer.echo(f"raise {a['raise_categories']} by {a['raise_rate']:.2%}, lower "
               f"{a['lower_categories']} by {a['lower_rate']:.2%}: change {a['change']} "
               f"(room {a['room']}, residual {a['residual']}); fund {a['fund_change']}, "
               f"patients {a['patient_change']}")  # fmt: skip
    tab = Table("institution", "service share before", "after", "change", "fund", "patients")
    for e in r["institutions"]:
        tab.add_row(f"{e['institution']} {e['institution_id']}",
                    "—" if e["share_before"] is None else f"{e['share_before']:.1%}",
                    "—" if e["share_after"] is None else f"{e['share_after']:.1%}",
                    e["change"], e["fund_change"], e["patient_change"])  # fmt: skip
    console.print(tab)
