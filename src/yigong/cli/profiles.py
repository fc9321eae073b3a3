"""``yigong profiles``: the layout profiles national exports are read with (list, show, check)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(
    help="Layout profiles: how national export layouts (病案首页, 结算清单, HIS visit lists) map to "
    "the canonical tables.",
    no_args_is_help=True,
)
DirsOpt = Annotated[
    list[Path] | None,
    typer.Option("--profiles", help="A further folder of profiles (a county's local variants)."),
]


@app.command("list")
def list_cmd(
    dirs: DirsOpt = None, as_json: Annotated[bool, typer.Option("--json")] = False
) -> None:
    """List the profiles on the search path (shipped, $YIGONG_PROFILES, --profiles)."""
    from yigong.services.profiles import list_profiles  # lazy: start-up

    rows = list_profiles(dirs)
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for r in rows:
        subs = f", sub-lists {', '.join(r['sublists'])}" if r["sublists"] else ""
        typer.echo(f"{r['id']}\t{r['version']}\t→ {r['table']}\t{r['fields']} fields{subs}")
        typer.echo(f"  {r['title']}  [{r['folder']}]")


@app.command("show")
def show_cmd(name: str, dirs: DirsOpt = None) -> None:
    """The fields of one profile: header, identifier, canonical column, value map."""
    from yigong.services.profiles import describe_profile  # lazy: start-up

    try:
        typer.echo(describe_profile(name, dirs))
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc


@app.command("check")
def check_cmd(
    folders: Annotated[
        list[Path] | None, typer.Argument(help="profile folders (default: all)")
    ] = None,
) -> None:
    """Check profile packs: columns exist, value maps give valid codes, headers are unique."""
    from yigong.services.profiles import check_profiles  # lazy: start-up

    absent = [str(f) for f in folders or [] if not f.is_dir()]
    if absent:
        typer.echo(f"error: no profile folder {absent[0]}", err=True)
        raise typer.Exit(2)
    failed = False
    for where, problems in check_profiles(folders).items():
        failed |= bool(problems)
        typer.echo(f"{where}: {'OK' if not problems else f'{len(problems)} problem(s)'}")
        for p in problems:
            typer.echo(f"  {p}")
    raise typer.Exit(1 if failed else 0)
