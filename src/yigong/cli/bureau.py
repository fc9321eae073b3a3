"""``yigong fund`` and ``yigong agreements``: the insurance bureau's desk (医保局) — coverage and
fund running, designated providers, the annual agreement assessment and settlement time limits.
Thin commands over :mod:`yigong.services.fund` and :mod:`yigong.services.agreements`."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from yigong.cli.settle import (
    JsonOpt,
    OutOpt,
    PolicyOpt,
    ReplaceOpt,
    _guard,
    _print_rows,
    _print_summary,
)

fund_app = typer.Typer(
    help="The fund as a whole: coverage (参保率), fund running (可支付月数), time-elapsed progress (序时进度).",
    no_args_is_help=True,
)
agreements_app = typer.Typer(
    help="Designated providers (定点医药机构): registry, annual agreement assessment, settlement time limits.",
    no_args_is_help=True,
)

DbOpt = Annotated[Path, typer.Option("--db", help="The warehouse.")]
CountyOpt = Annotated[str, typer.Option(help="County code.")]
YearOpt = Annotated[int, typer.Option(help="Year.")]


def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, dict):
        return ", ".join(f"{k} {w}" for k, w in v.items())
    return str(v)


def _show(data: Any, rows: list[dict[str, Any]], columns: list[str], as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    for note in data.get("notes", []) if isinstance(data, dict) else []:
        typer.echo(f"note: {note}", err=True)
    _print_rows(
        [{c: "" if r.get(c) is None else str(r.get(c)) for c in columns} for r in rows], False
    )


@fund_app.command("coverage")
def coverage(
    db: DbOpt,
    county: CountyOpt,
    year: Annotated[list[int], typer.Option(help="Year(s); repeat for several.")],
    policy: PolicyOpt = "henan-default",
    as_json: JsonOpt = False,
) -> None:
    """Insured vs resident population by scheme and area (参保率), against the target."""
    from yigong.services.fund import coverage_report  # lazy: start-up

    data = _guard(lambda: coverage_report(db, county, year, policy))
    _show(data, data["rows"], ["division_code", "name", "year", "insured", "resident_population",
                               "rate", "target", "meets_target", "short_of_target"], as_json)  # fmt: skip


@fund_app.command("running")
def running(
    db: DbOpt, county: CountyOpt, policy: PolicyOpt = "henan-default", as_json: JsonOpt = False
) -> None:
    """Income, expenditure, current and accumulated balance, months of payment, per scheme-year."""
    from yigong.services.fund import fund_report  # lazy: start-up

    data = _guard(lambda: fund_report(db, county, policy))
    _show(data, data["rows"], ["year", "scheme", "insured", "income", "expenditure",
                               "current_balance", "accumulated_balance", "months_payable", "band"],
          as_json)  # fmt: skip


@fund_app.command("progress")
def progress(
    db: DbOpt,
    county: CountyOpt,
    year: YearOpt,
    month: Annotated[
        int | None, typer.Option(help="Show this month only (default: the last).")
    ] = None,
    policy: PolicyOpt = "henan-default",
    as_json: JsonOpt = False,
) -> None:
    """Spending to date against the annual quota beside time elapsed, per community and institution."""
    from yigong.services.fund import progress_report  # lazy: start-up

    data = _guard(lambda: progress_report(db, county, year, policy))
    last = month or max((r["month"] for r in data["rows"]), default=12)
    rows = [r for r in data["rows"] if r["month"] == last]
    _show({**data, "rows": rows} if month else data, rows,
          ["kind", "subject", "name", "month", "quota", "spent_to_date", "progress", "elapsed",
           "flag"], as_json)  # fmt: skip


@agreements_app.command("list")
def registry(db: DbOpt, county: CountyOpt, year: YearOpt, as_json: JsonOpt = False) -> None:
    """Designated institutions and pharmacies with their agreement of the year."""
    from yigong.services.agreements import provider_registry  # lazy: start-up

    rows = _guard(lambda: provider_registry(db, county, year))
    _show(rows, rows, ["provider_code", "name_zh", "provider_kind", "designated_from",
                       "designated_to", "termination_reason", "agreement_id", "annual_quota",
                       "deposit", "settlement_days"], as_json)  # fmt: skip


@agreements_app.command("assess")
def assess(
    db: DbOpt,
    county: CountyOpt,
    year: YearOpt,
    out: OutOpt,
    policy: PolicyOpt = "henan-default",
    replace: ReplaceOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """The annual assessment: item points, score, rank, elimination, deposit returned (a run)."""
    from yigong.services.agreements import assess_run  # lazy: start-up

    summary = _guard(lambda: assess_run(db, county, year, policy, out, replace=replace), out)
    _print_summary(summary, as_json)


@agreements_app.command("time-limits")
def limits(
    db: DbOpt,
    county: CountyOpt,
    year: YearOpt,
    as_of: Annotated[
        str | None, typer.Option(help="Report day (default: the last date on file).")
    ] = None,
    policy: PolicyOpt = "henan-default",
    as_json: JsonOpt = False,
) -> None:
    """Days from each monthly claim to its payment against the limit; overdue alerts."""
    from yigong.services.agreements import time_limit_report  # lazy: start-up

    day = None
    if as_of is not None:
        try:
            day = date.fromisoformat(as_of)
        except ValueError as exc:
            raise typer.BadParameter(f"--as-of {as_of!r}: a date YYYY-MM-DD") from exc
    data = _guard(lambda: time_limit_report(db, county, year, day, policy))
    if not as_json:
        typer.echo(f"as of {data['as_of']}: {data['counts']}")
    _show(data, data["alerts"], ["provider_code", "year", "month", "submitted", "paid_on",
                                 "limit_days", "days", "status", "claimed"], as_json)  # fmt: skip
