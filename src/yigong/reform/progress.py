"""Progress of a reform task at one node in one year, computed from indicator results and
manual entries (pure: no warehouse, no store — the caller passes both in).

Per linked indicator (an `IndicatorResult` of the indicator engine) a **verdict**:

- ``met``: the year's value meets the binding target;
- ``on_track``: not met yet, the deadline year not reached, and the trajectory (least-squares
  trend of the yearly values) reaches the target by the deadline;
- ``off_track``: not met, and the deadline year is reached or the trend misses the target;
- ``no_data``: no value, a benchmark target without a value, or no trend to read;
- ``no_target``: no target binds the node (shown for context, not counted).

The **indicator share** is (met + on_track) / (met + on_track + off_track). From it the data
status: every counted indicator met → ``done`` if the indicators measure the whole task
(``measured_by_indicators: full``), else ``on_track``; share = 1 → ``on_track``; share ≥ 1/2 →
``at_risk``; otherwise ``behind``. The latest manual entry (of the year or an earlier one)
gives the manual status. The task's **status**: ``no_data`` when neither exists; the one that
exists; with both, the worse of the two (behind < at risk < on track < done) — a manual
``done`` stands only when every counted indicator is met.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from yigong.indicators.evaluate import IndicatorResult, Status
from yigong.reform.spec import Coverage, Task

__all__ = [
    "IndicatorProgress",
    "ManualEntry",
    "TaskProgress",
    "TaskStatus",
    "Verdict",
    "indicator_progress",
    "task_progress",
]


class Verdict(StrEnum):
    MET = "met"
    ON_TRACK = "on_track"
    OFF_TRACK = "off_track"
    NO_DATA = "no_data"
    NO_TARGET = "no_target"


class TaskStatus(StrEnum):
    DONE = "done"
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    BEHIND = "behind"
    NO_DATA = "no_data"

    @property
    def label_en(self) -> str:
        return self.value.replace("_", " ")

    @property
    def label_zh(self) -> str:
        return _ZH[self]


_ZH = {
    TaskStatus.DONE: "已完成",
    TaskStatus.ON_TRACK: "按期推进",
    TaskStatus.AT_RISK: "存在风险",
    TaskStatus.BEHIND: "滞后",
    TaskStatus.NO_DATA: "无数据",
}
_RANK = {TaskStatus.BEHIND: 0, TaskStatus.AT_RISK: 1, TaskStatus.ON_TRACK: 2, TaskStatus.DONE: 3}
#: statuses a person may record by hand
MANUAL_STATUSES = (TaskStatus.DONE, TaskStatus.ON_TRACK, TaskStatus.AT_RISK, TaskStatus.BEHIND)


@dataclass(frozen=True)
class ManualEntry:
    """One hand-entered progress record (from the workflow store): who said what, when, on what evidence."""

    task_id: str
    node: str
    year: int
    status: TaskStatus
    percent: int | None
    note: str
    evidence: str
    recorded_by: str
    recorded_at: datetime
    entry_id: int | None = None


@dataclass(frozen=True)
class IndicatorProgress:
    """One linked indicator's value against its target, and the verdict drawn from it."""

    indicator: str
    name_zh: str
    name_en: str
    value: float | None
    formatted: str
    numerator: object
    denominator: object
    target: str  # e.g. ">= 5.9 by 2025 [H]"
    target_value: float | None
    deadline: int | None
    gap: float | None
    met: bool | None
    projected: float | None
    will_meet: bool | None
    trajectory: str
    verdict: Verdict
    reason: str

    @property
    def counted(self) -> bool:
        return self.verdict in (Verdict.MET, Verdict.ON_TRACK, Verdict.OFF_TRACK)


@dataclass(frozen=True)
class TaskProgress:
    """A task at one node and year: indicators, manual entries, status and the rule applied."""

    task: Task
    node: str
    node_name: str
    year: int
    indicators: tuple[IndicatorProgress, ...]
    share: float | None
    data_status: TaskStatus | None
    manual: ManualEntry | None
    history: tuple[ManualEntry, ...]
    status: TaskStatus
    rule: str

    @property
    def percent(self) -> int | None:
        """Manual percent when entered, else the indicator share in percent."""
        if self.manual is not None and self.manual.percent is not None:
            return self.manual.percent
        return None if self.share is None else round(self.share * 100)


def _target_text(r: IndicatorResult) -> str:
    t = r.target
    if t is None:
        return ""
    value = f"{t.value:g}" if t.value is not None else t.benchmark
    return f"{t.comparator} {value} by {t.deadline} [{t.source}]"


def indicator_progress(r: IndicatorResult, year: int) -> IndicatorProgress:
    """The verdict for one indicator result of ``year`` (rule in the module docstring)."""
    t, traj = r.target, r.trajectory
    if r.status is not Status.OK:
        verdict, reason = Verdict.NO_DATA, f"{r.status.value}: {r.note}".rstrip(": ")
    elif t is None:
        verdict, reason = Verdict.NO_TARGET, "no target binds this node: shown, not counted"
    elif t.value is None:
        verdict, reason = Verdict.NO_DATA, f"target is a benchmark ({t.benchmark}) not supplied"
    elif t.met:
        verdict, reason = Verdict.MET, f"{r.formatted()} meets the target"
    elif year >= t.deadline:
        verdict, reason = (
            Verdict.OFF_TRACK,
            (f"{r.formatted()} misses the target and the deadline year {t.deadline} is reached"),
        )
    elif traj is None or traj.will_meet is None:
        verdict, reason = (
            Verdict.NO_DATA,
            (f"target not met; no trend to read ({traj.note if traj else 'no trajectory'})"),
        )
    elif traj.will_meet:
        verdict, reason = (
            Verdict.ON_TRACK,
            (f"trend reaches {traj.projected:.{r.decimals}f} in {traj.deadline}"),
        )
    else:
        verdict, reason = (
            Verdict.OFF_TRACK,
            (f"trend reaches only {traj.projected:.{r.decimals}f} in {traj.deadline}"),
        )
    return IndicatorProgress(
        indicator=r.indicator,
        name_zh=r.name_zh,
        name_en=r.name_en,
        value=r.value,
        formatted=r.formatted(),
        numerator=r.numerator,
        denominator=r.denominator,
        target=_target_text(r),
        target_value=t.value if t else None,
        deadline=t.deadline if t else None,
        gap=t.gap if t else None,
        met=t.met if t else None,
        projected=traj.projected if traj else None,
        will_meet=traj.will_meet if traj else None,
        trajectory=traj.note if traj else "",
        verdict=verdict,
        reason=reason,
    )


def _data_status(
    task: Task, items: Sequence[IndicatorProgress]
) -> tuple[float | None, TaskStatus | None, str]:
    counted = [i for i in items if i.counted]
    if not counted:
        return None, None, "no linked indicator with a target and data"
    good = [i for i in counted if i.verdict in (Verdict.MET, Verdict.ON_TRACK)]
    share = len(good) / len(counted)
    text = f"{len(good)} of {len(counted)} indicators met or on track"
    if all(i.verdict is Verdict.MET for i in counted):
        if task.measured_by_indicators is Coverage.FULL:
            return share, TaskStatus.DONE, text + "; all met and they measure the whole task → done"
        return (
            share,
            TaskStatus.ON_TRACK,
            text + "; all met (they measure part of the task) → on track",
        )
    if share == 1:
        return share, TaskStatus.ON_TRACK, text + " → on track"
    if share >= 0.5:
        return share, TaskStatus.AT_RISK, text + " (≥ 1/2) → at risk"
    return share, TaskStatus.BEHIND, text + " (< 1/2) → behind"


def latest_entry(entries: Iterable[ManualEntry], year: int) -> ManualEntry | None:
    """The latest entry for ``year`` or an earlier year (by year, then time recorded)."""
    usable = [e for e in entries if e.year <= year]
    return max(usable, key=lambda e: (e.year, e.recorded_at, e.entry_id or 0)) if usable else None


def task_progress(
    task: Task,
    node: str,
    node_name: str,
    year: int,
    results: Sequence[IndicatorResult],
    entries: Sequence[ManualEntry] = (),
) -> TaskProgress:
    """Progress of ``task`` at ``node`` in ``year`` from its indicators' results and entries.

    ``results`` are the evaluator's results for the task's linked indicators (extra results
    are ignored; a linked indicator without a result is reported ``no_data``).
    """
    by_id = {r.indicator: r for r in results}
    items = []
    for ident in task.indicators:
        r = by_id.get(ident)
        if r is None:
            items.append(
                IndicatorProgress(
                    ident,
                    "",
                    "",
                    None,
                    "—",
                    None,
                    None,
                    "",
                    None,
                    None,
                    None,
                    None,
                    None,
                    None,
                    "",
                    Verdict.NO_DATA,
                    "not evaluated",
                )
            )
        else:
            items.append(indicator_progress(r, year))
    share, data, data_text = _data_status(task, items)
    mine = sorted(
        (e for e in entries if e.task_id == task.id and e.node == node),
        key=lambda e: (e.recorded_at, e.entry_id or 0),
    )
    manual = latest_entry(mine, year)
    if data is None and manual is None:
        status, rule = TaskStatus.NO_DATA, data_text + "; no manual entry → no data"
    elif manual is None:
        assert data is not None
        status, rule = data, data_text
    elif data is None:
        status, rule = (
            manual.status,
            (
                f"{data_text}; manual entry by {manual.recorded_by} on "
                f"{manual.recorded_at:%Y-%m-%d}: {manual.status.label_en}"
            ),
        )
    else:
        all_met = all(i.verdict is Verdict.MET for i in items if i.counted)
        m = manual.status
        if m is TaskStatus.DONE and all_met:
            status = TaskStatus.DONE
        else:
            m_cmp = TaskStatus.ON_TRACK if m is TaskStatus.DONE else m
            d_cmp = TaskStatus.ON_TRACK if data is TaskStatus.DONE else data
            status = min(m_cmp, d_cmp, key=_RANK.__getitem__)
        rule = (
            f"{data_text}; manual entry by {manual.recorded_by}: {m.label_en}; "
            f"the worse of the two → {status.label_en}"
        )
    return TaskProgress(
        task, node, node_name, year, tuple(items), share, data, manual, tuple(mine), status, rule
    )
