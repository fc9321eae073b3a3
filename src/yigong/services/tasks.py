"""Reform-task use cases shared by the CLI (and later the API): list and check the task files,
record manual progress, compute progress at a node, and build and write the task report.

Progress is computed by the pure `yigong.reform.progress` from the indicator engine's results
for the linked indicators and from the manual entries of the workflow store
(`yigong.store.reform_models`, append-only). A county report covers the tasks binding
counties; a report for a division above the county (a province, a city) covers every task
binding its level or the county level, evaluated at the division itself (numerators and
denominators summed, never rates averaged) with one column per county of the warehouse inside it.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import select

import yigong.store.reform_models as _models  # noqa: F401 - registers the table before a store opens
from yigong.indicators.evaluate import evaluate
from yigong.indicators.periods import Period
from yigong.indicators.spec import PeriodType
from yigong.reform import report as writers
from yigong.reform.loader import TaskBook, load_tasks, require_valid, validate
from yigong.reform.progress import (
    MANUAL_STATUSES,
    ManualEntry,
    TaskStatus,
    task_progress,
)
from yigong.reform.report import NodeProgress, TaskReport
from yigong.reform.spec import Level, Task
from yigong.rulepacks import Issue
from yigong.services import packs
from yigong.services.indicators import catalog
from yigong.services.warehouse import Where, opened
from yigong.store import ENV_VAR, Store, open_store
from yigong.store.reform_models import ReformProgressEntry
from yigong.store.session import DEFAULT_PATH
from yigong.warehouse import Tables
from yigong.warehouse.hierarchy import NodeKind, division_prefix, parse_node, resolve

__all__ = [
    "NodeProgress",
    "RecordError",
    "TaskReport",
    "book",
    "check_tasks",
    "demo_report",
    "entries",
    "list_tasks",
    "node_progress",
    "open_entries_store",
    "record",
    "report",
    "write_report",
]

#: the declared feature reform tasks need of the backend (see `yigong.warehouse.capabilities`).
NEEDS = ("workflow",)


class RecordError(ValueError):
    """A manual entry refused: names the field and the reason."""


def check_tasks(paths: list[Path] | None = None) -> list[Issue]:
    """Load and validate task files or pack folders (the built-in packs, with their folder
    convention, by default) against the indicator catalog."""
    if paths is None:
        return packs.check_kind("reform-tasks")
    return validate(load_tasks(paths), catalog())


@cache
def book() -> TaskBook:
    """The built-in task files, validated once; raises `TaskError` if they have errors."""
    return require_valid(load_tasks(), catalog())


def list_tasks(set_id: str | None = None) -> list[Task]:
    b = book()
    if set_id is not None and set_id not in b.sets:
        raise KeyError(f"no task set {set_id!r}; known: {', '.join(b.sets)}")
    return [t for t in b.tasks.values() if set_id is None or t.set_id == set_id]


# ---- manual entries (workflow store) ---------------------------------------------------------


def open_entries_store(target: str | None) -> Store | None:
    """The store named by ``target`` / the environment, or None when neither is given and the
    default store file does not exist (a report then says no manual entries were read)."""
    if target is None and not os.environ.get(ENV_VAR) and not Path(DEFAULT_PATH).exists():
        return None
    return open_store(target)


def _entry(row: ReformProgressEntry) -> ManualEntry:
    return ManualEntry(
        row.task_id,
        row.node,
        row.year,
        TaskStatus(row.status),
        row.percent,
        row.note,
        row.evidence,
        row.recorded_by,
        row.recorded_at,
        row.entry_id,
    )


def record(
    store: Store,
    task_id: str,
    node: str,
    year: int,
    status: str,
    *,
    by: str,
    percent: int | None = None,
    note: str = "",
    evidence: str = "",
    at: datetime | None = None,
) -> ManualEntry:
    """Append one manual progress entry (never changes an earlier one)."""
    task = book().task(task_id)
    n = parse_node(node)
    try:
        st = TaskStatus(status)
    except ValueError:
        st = None
    if st not in MANUAL_STATUSES:
        raise RecordError(
            f"status {status!r}: one of {', '.join(s.value for s in MANUAL_STATUSES)}"
        )
    if percent is not None and not 0 <= percent <= 100:
        raise RecordError(f"percent {percent}: between 0 and 100")
    if not by.strip():
        raise RecordError("by: who records the entry is required")
    if st is TaskStatus.DONE and not evidence.strip():
        raise RecordError("evidence: a 'done' entry needs the evidence reference that shows it")
    if not 2000 <= year <= 2100:
        raise RecordError(f"year {year}: a calendar year")
    when = at or datetime.now(UTC)
    if when.tzinfo is not None:
        when = when.astimezone(UTC).replace(tzinfo=None)  # the store keeps naive UTC
    row = ReformProgressEntry(
        task_id=task.id,
        node=str(n),
        year=year,
        status=st.value,
        percent=percent,
        note=note,
        evidence=evidence,
        recorded_by=by.strip(),
        recorded_at=when,
    )
    with store.transaction() as s:
        s.add(row)
        s.flush()
        return _entry(row)


def entries(
    store: Store | None, *, node: str | None = None, task_id: str | None = None
) -> list[ManualEntry]:
    """Every manual entry (the append-only history), oldest first, optionally filtered."""
    if store is None:
        return []
    q = select(ReformProgressEntry).order_by(
        ReformProgressEntry.recorded_at, ReformProgressEntry.entry_id
    )
    if node is not None:
        q = q.where(ReformProgressEntry.node == str(parse_node(node)))
    if task_id is not None:
        q = q.where(ReformProgressEntry.task_id == task_id)
    with store.transaction() as s:
        return [_entry(r) for r in s.scalars(q)]


def _rows(expr: Any) -> list[dict[str, Any]]:
    return expr.to_pyarrow().to_pylist()


# ---- progress --------------------------------------------------------------------------------


def _level(tables: Tables, node: str) -> str:
    n = parse_node(node)
    if n.kind is NodeKind.COMMUNITY:
        return Level.COMMUNITY.value
    if n.kind is NodeKind.INSTITUTION:
        raise ValueError(
            f"{node}: task progress is reported for divisions and communities, not institutions"
        )
    div = tables.table("admin_divisions")
    rows = _rows(div.filter(div.division_code == n.id).select("level"))
    if not rows:
        raise LookupError(f"no administrative division {n.id!r} in the warehouse")
    return str(rows[0]["level"])


def _tasks_for(level: str, rollup: bool) -> list[Task]:
    """Tasks binding ``level`` (and, in a roll-up over counties, those binding counties)."""
    return [
        t for t in book().tasks.values() if level in t.binds or (rollup and Level.COUNTY in t.binds)
    ]


def _progress_at(
    tables: Tables, node: str, year: int, tasks: list[Task], manual: list[ManualEntry]
) -> NodeProgress:
    n = parse_node(node)
    period = Period(year, PeriodType.YEAR)
    ids = sorted({i for t in tasks for i in t.indicators})
    cat = catalog()
    if ids:
        ev = evaluate(tables, cat, n, period, ids)
        results, name = ev.results, ev.node.name
    else:
        results, name = [], resolve(tables, n, period.end).name
    level = _level(tables, node)
    return NodeProgress(
        str(n),
        name,
        level,
        year,
        [task_progress(t, str(n), name, year, results, manual) for t in tasks],
    )


def node_progress(
    db: Where,
    node: str,
    year: int,
    store: Store | None = None,
    task_ids: list[str] | None = None,
) -> NodeProgress:
    """Progress of the tasks binding the node's level (or ``task_ids``) in ``year``."""
    with opened(db, needs=NEEDS, read_only=True) as tables:
        level = _level(tables, node)
        tasks = [book().task(i) for i in task_ids] if task_ids else _tasks_for(level, False)
        return _progress_at(tables, node, year, tasks, entries(store, node=node))


# ---- report ----------------------------------------------------------------------------------


def _counties(tables: Tables, node: str, level: str) -> list[str]:
    div = tables.table("admin_divisions")
    prefix = division_prefix(parse_node(node).id, level)
    rows = _rows(
        div.filter((div.level == "county") & div.division_code.startswith(prefix))
        .select("division_code")
        .order_by("division_code")
    )
    return [f"division:{r['division_code']}" for r in rows]


def report(db: Where, node: str, year: int, store: Store | None = None) -> TaskReport:
    """The task report of a county, or of a division above it rolled up over its counties."""
    with opened(db, needs=NEEDS, read_only=True) as tables:
        level = _level(tables, node)
        manual = entries(store)
        source = store.url if store is not None else "none (no workflow store given)"
        if level in (Level.COUNTY.value, Level.COMMUNITY.value):
            at = _progress_at(tables, node, year, _tasks_for(level, False), manual)
            return TaskReport(at, [], dict(book().sets), source)
        tasks = _tasks_for(level, True)
        at = _progress_at(tables, node, year, tasks, manual)
        county_tasks = _tasks_for(Level.COUNTY.value, False)
        counties = [
            _progress_at(tables, c, year, county_tasks, manual)
            for c in _counties(tables, node, level)
        ]
        return TaskReport(at, counties, dict(book().sets), source)


def write_report(rep: TaskReport, path: Path, fmt: str | None = None) -> Path:
    """Write the report as ``md``, ``xlsx`` or ``pdf`` (from ``fmt`` or the file suffix)."""

    kind = (fmt or path.suffix.lstrip(".")).lower()
    path.parent.mkdir(parents=True, exist_ok=True)
    if kind == "md":
        path.write_text(writers.markdown(rep), encoding="utf-8")
    elif kind == "xlsx":
        writers.write_xlsx(rep, path)
    elif kind == "pdf":
        writers.write_pdf(rep, path)
    else:
        raise ValueError(f"{path}: format {kind!r}; write md, xlsx or pdf")
    return path


def demo_report(
    db: Path, out_dir: Path, year: int, node: str | None = None, store: Store | None = None
) -> dict[str, Any]:
    """For ``make demo``: the county report of ``node`` (default: the warehouse's first county
    with a medical community) as XLSX and PDF in ``out_dir``; returns the summary and paths."""
    with opened(db, needs=NEEDS, read_only=True) as tables:
        if node is None:
            com = tables.table("communities")
            rows = _rows(com.select("county_code").distinct().order_by("county_code"))
            if not rows:
                raise LookupError(f"{db}: no medical community, no county to report on")
            node = f"division:{rows[0]['county_code']}"
        rep = report(tables, node, year, store)
    code = parse_node(node).id
    xlsx = write_report(rep, out_dir / f"reform-tasks-{code}-{year}.xlsx")
    pdf = write_report(rep, out_dir / f"reform-tasks-{code}-{year}.pdf")
    return {**rep.summary(), "xlsx": str(xlsx), "pdf": str(pdf)}
