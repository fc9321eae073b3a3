"""``yigong interop``: exports for other systems, each checked before it is called done.

- ``fhir``: every referral of the workflow store as a FHIR R4 collection Bundle, one a line
  (NDJSON), validated with the ``fhir.resources`` R4B models;
- ``dhis2``: DHIS2 metadata and the indicator values of a period as data values by code (JSON,
  CSV, ADX), checked against the DHIS2 documentation's shapes and read back.

Exit code 1 when a check fails (the files are written anyway, for inspection).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from yigong.indicators.periods import parse_period
from yigong.store import open_store

app = typer.Typer(
    help="Interoperability: referrals as FHIR R4, indicators as DHIS2 (docs/interop.md).",
    no_args_is_help=True,
)


@app.command("fhir")
def fhir_cmd(
    out: Annotated[Path, typer.Option("--out", help="NDJSON file to write.")] = Path(
        "referrals.ndjson"
    ),
    store: Annotated[
        str | None, typer.Option("--store", "-s", help="Workflow store (SQLite path or URL).")
    ] = None,
    db: Annotated[
        Path | None, typer.Option("--db", help="Warehouse, for institution names and divisions.")
    ] = None,
) -> None:
    """Every referral as a validated FHIR R4 Bundle (ServiceRequest, Task, Provenance,
    Organizations, pseudonymous Patient)."""
    from yigong.interop.fhir.validate import FhirModelsMissing  # lazy: start-up
    from yigong.services.fhir import export_referrals

    st = open_store(store)
    try:
        done = export_referrals(st, out, db)
    except FhirModelsMissing as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    finally:
        st.dispose()
    typer.echo(json.dumps(done.as_dict(), ensure_ascii=False, indent=2))
    if done.valid != done.referrals:
        raise typer.Exit(1)


@app.command("dhis2")
def dhis2_cmd(
    period: Annotated[str, typer.Option(help="DHIS2 period code: 2024, 2024Q1, 202401.")],
    db: Annotated[Path, typer.Option("--db", help="Warehouse file.")] = Path("yigong.duckdb"),
    out: Annotated[Path, typer.Option("--out", help="Folder to write into.")] = Path("dhis2"),
    node: Annotated[
        list[str] | None,
        typer.Option(help="Node (repeatable); default every county, community, institution."),
    ] = None,
) -> None:
    """DHIS2 metadata.json and dataValueSet.json / .csv / .adx.xml, checked and read back."""
    from yigong.services.dhis2 import export_dhis2  # lazy: start-up

    try:
        parse_period(period)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--period") from None
    if not db.exists():
        typer.echo(f"error: no warehouse at {db} (run `yigong demo` or pass --db)", err=True)
        raise typer.Exit(2)
    done = export_dhis2(db, out, period, node or None)
    typer.echo(json.dumps(done.as_dict(), ensure_ascii=False, indent=2))
    if done.problems:
        raise typer.Exit(1)
