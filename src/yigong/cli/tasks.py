"""`yigong tasks list|check|progress|record|history|report`: the reform tasks of the policy texts
and their progress (thin commands over `yigong.services.tasks`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from yigong.reform.progress import TaskStatus
from yigong.rulepacks import Level
from yigong.services import tasks as svc
from yigong.store import open_store
from yigong.warehouse import DEFAULT_DB

app = typer.Typer(
    help="Reform tasks: list and check the task files, record and report progress.",
    no_args_is_help=True,
)
console = Console()

Db = Annotated[Path, typer.Option("--db", help="DuckDB warehouse file.")]
NodeOpt = Annotated[
    str,
    typer.Option(
        "--node",
        help="division:<code> (a county, or a province/"
        "city for a roll-up over its counties) | community:<id>",
    ),
]
YearOpt = Annotated[int, typer.Option("--year", help="Reporting year, e.g. 2024.")]
StoreOpt = Annotated[
    str | None,
    typer.Option(
        "--store",
        "-s",
        help="Workflow store holding manual entries: SQLite path or SQLAlchemy URL "
        "(default: YIGONG_STORE_URL, else yigong-workflow.sqlite if it exists).",
    ),
]

_COLOUR = {
    TaskStatus.DONE: "green",
    TaskStatus.ON_TRACK: "green",
    TaskStatus.AT_RISK: "yellow",
    TaskStatus.BEHIND: "red",
    TaskStatus.NO_DATA: "dim",
}


def _fail(exc: Exception) -> typer.Exit:
    typer.echo(f"error: {exc}", err=True)
    return typer.Exit(2)  # a known error: the value named in the message


@app.command("list")
def list_cmd(
    set_id: Annotated[str | None, typer.Option("--set", help="Only this task set.")] = None,
) -> None:
    """List the tasks: id, titles, source paragraph, deadline, levels, linked indicators."""
    t = Table()
    for col in ("id", "任务", "task", "source", "deadline", "binds", "indicators"):
        t.add_column(col, overflow="fold")
    b = svc.book()
    for task in svc.list_tasks(set_id):
        letter = b.sets[task.set_id].source.letter
        t.add_row(
            task.id,
            task.title_zh,
            task.title_en,
            f"{letter} ¶{task.source.para}",
            f"{task.deadline:%Y-%m-%d}",
            ", ".join(x.value for x in task.binds),
            ", ".join(task.indicators) or "— (manual)",
        )
    console.print(t)


@app.command("check")
def check(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Task files or pack folders (default: the built-in reform/packs/)."),
    ] = None,
) -> None:
    """Validate task files: schema, duplicate ids, deadlines, linked indicator ids."""
    issues = svc.check_tasks(paths or None)
    for issue in issues:
        console.print(str(issue), markup=False, highlight=False)
    errors = sum(1 for i in issues if i.level is Level.ERROR)
    console.print(f"{errors} error(s), {len(issues) - errors} warning(s)")
    raise typer.Exit(1 if errors else 0)


@app.command("progress")
def progress(
    node: NodeOpt,
    year: YearOpt,
    db: Db = Path(DEFAULT_DB),
    store: StoreOpt = None,
    task: Annotated[list[str] | None, typer.Option("--task", help="Only these tasks.")] = None,
) -> None:
    """Progress of each task at a node: status, the rule applied, indicators and manual entries."""
    st = svc.open_entries_store(store)
    try:
        res = svc.node_progress(db, node, year, st, task)
    except (FileNotFoundError, LookupError, KeyError, ValueError) as exc:
        raise _fail(exc) from exc
    finally:
        if st is not None:
            st.dispose()
    console.print(
        f"{res.node_name} ({res.node}, {res.level}), {year}; manual entries: "
        f"{st.url if st else 'no workflow store'}"
    )
    t = Table(show_lines=True)
    for col in (
        "id",
        "task",
        "status",
        "share",
        "indicators (value · target · verdict)",
        "manual",
        "rule",
    ):
        t.add_column(col, overflow="fold")
    for p in res.tasks:
        inds = "\n".join(
            f"{i.indicator} {i.formatted} · {i.target or 'no target'} · {i.verdict.value}"
            for i in p.indicators
        )
        manual = (
            ""
            if p.manual is None
            else (
                f"{p.manual.status.value} {'' if p.manual.percent is None else str(p.manual.percent) + ' %'}"
                f" by {p.manual.recorded_by} {p.manual.recorded_at:%Y-%m-%d}"
                f"{'; evidence: ' + p.manual.evidence if p.manual.evidence else ''}"
            )
        )
        t.add_row(
            p.task.id,
            p.task.title_zh,
            f"[{_COLOUR[p.status]}]{p.status.label_en}[/]",
            "" if p.share is None else f"{p.share:.0%}",
            inds,
            manual,
            p.rule,
        )
    console.print(t)


@app.command("record")
def record(
    task_id: Annotated[str, typer.Argument(help="Task id, e.g. K22-03.")],
    node: NodeOpt,
    year: YearOpt,
    status: Annotated[str, typer.Option(help="done | on_track | at_risk | behind")],
    by: Annotated[str, typer.Option("--by", help="Who records (user id).")],
    percent: Annotated[int | None, typer.Option(help="0–100.")] = None,
    note: Annotated[str, typer.Option(help="What was done / what is missing.")] = "",
    evidence: Annotated[
        str, typer.Option(help="Evidence reference (document no., file, link); required for done.")
    ] = "",
    store: StoreOpt = None,
) -> None:
    """Append a manual progress entry (append-only: a correction is a new entry)."""
    st = open_store(store)
    try:
        e = svc.record(
            st, task_id, node, year, status, by=by, percent=percent, note=note, evidence=evidence
        )
    except (svc.RecordError, KeyError, ValueError) as exc:
        raise _fail(exc) from exc
    finally:
        st.dispose()
    console.print(
        f"recorded entry {e.entry_id}: {e.task_id} at {e.node} for {e.year}: "
        f"{e.status.value} by {e.recorded_by} at {e.recorded_at:%Y-%m-%d %H:%M} UTC "
        f"(store {st.url})",
        markup=False,
    )


@app.command("history")
def history(
    node: Annotated[str | None, typer.Option("--node")] = None,
    task: Annotated[str | None, typer.Option("--task")] = None,
    store: StoreOpt = None,
) -> None:
    """Every manual entry, oldest first (the append-only audit history)."""
    st = svc.open_entries_store(store)
    try:
        rows = svc.entries(st, node=node, task_id=task)
    finally:
        if st is not None:
            st.dispose()
    t = Table()
    for col in (
        "entry",
        "task",
        "node",
        "year",
        "status",
        "%",
        "by",
        "at (UTC)",
        "note",
        "evidence",
    ):
        t.add_column(col, overflow="fold")
    for e in rows:
        t.add_row(
            str(e.entry_id),
            e.task_id,
            e.node,
            str(e.year),
            e.status.value,
            "" if e.percent is None else str(e.percent),
            e.recorded_by,
            f"{e.recorded_at:%Y-%m-%d %H:%M}",
            e.note,
            e.evidence,
        )
    console.print(t)
    console.print(f"{len(rows)} entr{'y' if len(rows) == 1 else 'ies'}")


@app.command("report")
def report(
    node: NodeOpt,
    year: YearOpt,
    output: Annotated[Path, typer.Option("-o", "--output", help="Report file.")],
    fmt: Annotated[
        str | None, typer.Option("--format", help="md | xlsx | pdf (default: the file suffix)")
    ] = None,
    db: Db = Path(DEFAULT_DB),
    store: StoreOpt = None,
) -> None:
    """The task report of a county, or of a province/city rolled up with one column per county."""
    st = svc.open_entries_store(store)
    try:
        rep = svc.report(db, node, year, st)
        path = svc.write_report(rep, output, fmt)
    except (FileNotFoundError, LookupError, KeyError, ValueError) as exc:
        raise _fail(exc) from exc
    finally:
        if st is not None:
            st.dispose()
    s = rep.summary()
    counts = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in s["status"].items())
    console.print(
        f"{path}: {s['tasks']} tasks at {s['node_name']} ({s['node']}), {year}: "
        f"{counts}" + (f"; {len(s['counties'])} counties" if s["counties"] else ""),
        markup=False,
    )
