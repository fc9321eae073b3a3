"""``yigong drg group``: group a cases file (or the warehouse) by the file contract.

Its own module, importing only the grouper until the warehouse is asked for, so that the
entry point (`entry.py`) can run it without loading every other command: grouping a file
should cost the file, not the start-up of the whole tool. A file is grouped by
`drg_fast.group_into_file`, which the plain command lines reach without this module (and
without Typer) at all.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from yigong.cli.backend_flags import BACKENDS, BackendOpt, MasterOpt

SchemeOpt = Annotated[
    str, typer.Option("--scheme", "-s", help="pack id, e.g. chs-drg-1.1 or chs-drg-1.1-handan-2022")
]


def group_cmd(
    input_csv: Annotated[
        Path | None,
        typer.Argument(
            help="cases CSV (contract columns), or a front page in a national layout (病案首页 "
            "CSV/XLSX); omit with --warehouse"
        ),
    ] = None,
    scheme: SchemeOpt = "chs-drg-1.1",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="result CSV")] = None,
    warehouse: Annotated[
        Path | None, typer.Option(help="group the warehouse's discharges instead")
    ] = None,
    translate_codes: Annotated[
        bool, typer.Option(help="optional step 0: translate codes via the pack maps")
    ] = False,
    strict: Annotated[
        bool, typer.Option(help="refuse the file on any malformed value (default: invalid_input)")
    ] = False,
    profile: Annotated[
        str | None,
        typer.Option(help="layout profile of a national front page (default: from its header)"),
    ] = None,
    backend: BackendOpt = None,
    spark_master: MasterOpt = None,
) -> None:
    """Group cases: INPUT.csv -> OUTPUT.csv (case_id,status,mdc,adrg,drg), or the warehouse
    (a DuckDB file, or with --backend spark a Parquet warehouse directory). A national front
    page is grouped directly; its output rows carry the export's 病案号 and 住院次数."""
    kind = "duckdb"  # a file is grouped the same on every backend
    if warehouse is not None or (backend or "duckdb").strip().lower() not in BACKENDS:
        from yigong.cli.backend_opts import chosen  # lazy: start-up (drg group fast path)

        kind = chosen(backend)  # checked: a usage error naming the choices
    if warehouse is None:
        if input_csv is None or output is None:
            raise typer.BadParameter("give INPUT.csv and -o OUTPUT.csv, or --warehouse PATH")
        from yigong.cli.drg_fast import (  # lazy: start-up (loads the grouper and Arrow)
            GroupArgs,
            group_into_file,
        )

        args = GroupArgs(input_csv, output, scheme, translate_codes, strict, profile)
        group_into_file(args, typer.echo)
        return
    from yigong.casemix.contract import InputError  # lazy: start-up (only with --warehouse)
    from yigong.casemix.packs import PackError
    from yigong.ingest.report import IngestError
    from yigong.services import casemix as service
    from yigong.services.warehouse import opened

    try:
        with opened(warehouse, backend=kind, master=spark_master, read_only=True) as wh:
            summary = service.group_discharges(wh, scheme)
    except (InputError, PackError) as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc
    except IngestError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    counts = ", ".join(f"{k} {v}" for k, v in sorted(summary.statuses.items()))
    typer.echo(
        f"{summary.rows} cases grouped with {summary.scheme} {summary.pack_version} -> "
        f"{warehouse}:{service.RESULTS_TABLE}: {counts}; {summary.drgs} distinct DRGs"
    )
