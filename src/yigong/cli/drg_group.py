"""``yigong drg group``: group a cases file (or the warehouse) by the file contract.

Its own module, importing only the grouper until the warehouse is asked for, so that the
entry point (`entry.py`) can run it without loading every other command: grouping a file
should cost the file, not the start-up of the whole tool.
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
    from yigong.casemix.contract import InputError  # lazy: start-up (drg group fast path)
    from yigong.casemix.packs import PackError
    from yigong.ingest.report import IngestError

    kind = "duckdb"  # a file is grouped the same on every backend
    if warehouse is not None or (backend or "duckdb").strip().lower() not in BACKENDS:
        from yigong.cli.backend_opts import chosen  # lazy: start-up (drg group fast path)

        kind = chosen(backend)  # checked: a usage error naming the choices
    try:
        if warehouse is not None:
            from yigong.services import casemix as service  # lazy: start-up (only with --warehouse)
            from yigong.services.warehouse import opened

            with opened(warehouse, backend=kind, master=spark_master, read_only=True) as wh:
                summary = service.group_discharges(wh, scheme)
            where = f"{warehouse}:{service.RESULTS_TABLE}"
        else:
            from yigong.services.drg_files import group_file  # lazy: start-up (drg group fast path)

            if input_csv is None or output is None:
                raise typer.BadParameter("give INPUT.csv and -o OUTPUT.csv, or --warehouse PATH")
            summary = group_file(input_csv, scheme, output, translate_codes, strict, profile)
            where = str(output)
            problems = summary.extra.get("input_problems", [])
            for line in problems[:20]:
                typer.echo(f"warning: {input_csv.name}: {line} -> invalid_input", err=True)
            if len(problems) > 20:
                typer.echo(f"warning: … and {len(problems) - 20} more malformed values", err=True)
            if summary.extra.get("keyed_by"):
                typer.echo(
                    f"read as a national front page; output keyed by "
                    f"{', '.join(summary.extra['keyed_by'])}"
                )
    except (InputError, PackError) as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc
    except IngestError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    counts = ", ".join(f"{k} {v}" for k, v in sorted(summary.statuses.items()))
    typer.echo(
        f"{summary.rows} cases grouped with {summary.scheme} {summary.pack_version} -> {where}: "
        f"{counts}; {summary.drgs} distinct DRGs"
    )
