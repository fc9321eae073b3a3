"""Reform tasks (改革任务) at a division or community in scope: progress of each task from its
linked indicators and the manual entries, a new manual entry with its evidence (the service
behind ``yigong tasks record``), and the task report as a file (``yigong tasks report``).

Recording needs ``tasks.act`` (the health commission and the community office) and the node
inside the scope; every entry is an audit row as well as an append-only row of the workflow
store. A report download is a read audit row.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from yigong.access.errors import AccessError
from yigong.access.principal import Principal
from yigong.access.views.files import XLSX
from yigong.services import tasks as tasks_svc
from yigong.warehouse.hierarchy import NodeKind

__all__ = ["FORMATS", "progress", "record", "report_file"]

FORMATS = {"pdf": "application/pdf", "xlsx": None, "md": "text/markdown; charset=utf-8"}


def _node(p: Principal, node: str) -> str:
    n = p.node(node)
    if n.kind is NodeKind.INSTITUTION:
        raise AccessError(
            400,
            "bad_node",
            "reform tasks are followed at divisions and communities, not institutions",
        )
    return str(n)


def _task(tp: Any) -> dict[str, Any]:
    t = tp.task
    manual = tp.manual
    return {
        "task_id": t.id,
        "set_id": t.set_id,
        "title_zh": t.title_zh,
        "title_en": t.title_en,
        "source": t.source.model_dump(mode="json")
        if hasattr(t.source, "model_dump")
        else str(t.source),
        "deadline": t.deadline.isoformat(),
        "evidence_expected": list(t.evidence),
        "status": tp.status.value,
        "data_status": tp.data_status.value if tp.data_status else None,
        "percent": tp.percent,
        "share": tp.share,
        "indicators": [
            {
                "indicator": i.indicator,
                "name_zh": i.name_zh,
                "name_en": i.name_en,
                "value": i.value,
                "target_value": i.target_value,
                "deadline": i.deadline,
                "projected": i.projected,
                "verdict": i.verdict.value,
            }
            for i in tp.indicators
        ],
        "manual": None
        if manual is None
        else {
            "status": manual.status.value,
            "percent": manual.percent,
            "note": manual.note,
            "evidence": manual.evidence,
            "by": manual.recorded_by,
            "at": manual.recorded_at.isoformat(timespec="minutes"),
        },
        "history": [
            {
                "status": m.status.value,
                "percent": m.percent,
                "note": m.note,
                "evidence": m.evidence,
                "by": m.recorded_by,
                "at": m.recorded_at.isoformat(timespec="minutes"),
                "year": m.year,
            }
            for m in tp.history
        ],
    }


def progress(p: Principal, node: str, year: int) -> dict[str, Any]:
    """Every task binding the node's level in ``year``: status, share of linked indicators on
    track, the latest manual entry and the history."""

    code = _node(p, node)
    with p.state.tables() as wh:
        try:
            at = tasks_svc.node_progress(wh, code, year, p.state.workflow())
        except (LookupError, ValueError) as exc:
            raise AccessError(400, "bad_node", str(exc)) from exc
    items = [_task(tp) for tp in at.tasks]
    counts: dict[str, int] = {}
    for t in items:
        counts[t["status"]] = counts.get(t["status"], 0) + 1
    return {
        "node": code,
        "node_name": at.node_name,
        "level": at.level,
        "year": year,
        "period": str(year),
        "items": items,
        "counts": counts,
        "can_record": p.can("act", "tasks"),
        "statuses": ["done", "on_track", "at_risk", "behind"],
    }


def record(
    p: Principal,
    task_id: str,
    node: str,
    year: int,
    status: str,
    percent: int | None,
    note: str,
    evidence: str,
) -> dict[str, Any]:
    """One manual progress entry by the user (`yigong.services.tasks.record`); audited."""

    p.require("act", "tasks")
    code = _node(p, node)
    try:
        tasks_svc.book().task(task_id)
    except KeyError:
        raise AccessError(404, "not_found", f"no reform task {task_id!r}") from None
    try:
        entry = tasks_svc.record(
            p.state.workflow(),
            task_id,
            code,
            year,
            status,
            by=p.user.username,
            percent=percent,
            note=note,
            evidence=evidence,
        )
    except tasks_svc.RecordError as exc:
        p.audit("tasks.record.refused", {"task": task_id, "node": code, "reason": str(exc)})
        raise AccessError(400, "invalid_request", str(exc)) from exc
    p.audit(
        "tasks.record",
        {"task": task_id, "node": code, "year": year, "status": status, "evidence": evidence},
    )
    return {"task_id": entry.task_id, "node": entry.node, "year": entry.year, "status": status}


def report_file(p: Principal, node: str, year: int, fmt: str) -> tuple[bytes, str, str]:
    """The task report of a division in scope as PDF, XLSX or Markdown: (bytes, media type,
    file name); audited."""

    if fmt not in FORMATS:
        raise AccessError(400, "bad_request", f"format {fmt!r}: pdf, xlsx or md")
    code = _node(p, node)
    with p.state.tables() as wh:
        try:
            rep = tasks_svc.report(wh, code, year, p.state.workflow())
        except (LookupError, ValueError) as exc:
            raise AccessError(400, "bad_node", str(exc)) from exc
    with tempfile.TemporaryDirectory() as tmp:
        path = tasks_svc.write_report(rep, Path(tmp) / f"report.{fmt}", fmt)
        body = path.read_bytes()
    p.audit_read(f"reform-task report {code} {year}.{fmt}", len(rep.at.tasks), node=code)
    name = f"reform-tasks-{code.partition(':')[2]}-{year}.{fmt}"
    return body, FORMATS[fmt] or XLSX, name
