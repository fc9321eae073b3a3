"""Progress computation on hand-made indicator results (no warehouse)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from yigong.indicators.evaluate import IndicatorResult, Status
from yigong.indicators.targets import TargetCheck, Trajectory
from yigong.reform.progress import (
    ManualEntry,
    TaskStatus,
    Verdict,
    indicator_progress,
    latest_entry,
    task_progress,
)
from yigong.reform.spec import Coverage, Level, SourceRef, Task

NODE = "division:130423"


def task(ids: list[str], coverage: Coverage = Coverage.PARTIAL, deadline: int = 2025) -> Task:
    return Task(
        id="X-1",
        title_zh="测试任务",
        title_en="test task",
        source=SourceRef(para=1, quote="q"),
        lead_note="none named",
        owner=Level.COUNTY,
        binds=[Level.COUNTY],
        deadline=date(deadline, 12, 31),
        indicators=ids,
        measured_by_indicators=coverage,
        evidence=["e"],
    )


def result(
    ident: str,
    value: float | None,
    *,
    target: float | None = 10.0,
    deadline: int = 2025,
    projected: float | None = None,
    status: Status = Status.OK,
    note: str = "",
    benchmark: str = "",
) -> IndicatorResult:
    tgt = None
    traj = None
    if target is not None or benchmark:
        gap = None if value is None or target is None else target - value
        met = None if gap is None else gap <= 0
        tgt = TargetCheck(target, ">=", deadline, gap, met, "H", "text", benchmark)
        if projected is not None:
            traj = Trajectory(
                ((2022, 1.0), (2023, 2.0)),
                1.0,
                projected,
                deadline,
                projected >= (target or 0),
                "linear trend over 2 years",
            )
        else:
            traj = Trajectory(
                ((2023, 1.0),),
                None,
                None,
                deadline,
                None,
                "fewer than two years of history: no trend",
            )
    return IndicatorResult(
        indicator=ident,
        code=ident,
        name_zh=ident,
        name_en=ident,
        catalog="c",
        edition="1",
        node=NODE,
        node_name="临漳县",
        period="2024",
        status=status,
        value=value,
        numerator=1,
        denominator=2,
        unit="%",
        target=tgt,
        trajectory=traj,
        note=note,
    )


def entry(
    status: TaskStatus,
    year: int = 2024,
    day: int = 1,
    eid: int = 1,
    node: str = NODE,
    percent: int | None = None,
) -> ManualEntry:
    return ManualEntry(
        "X-1", node, year, status, percent, "note", "doc 1", "office", datetime(2024, 6, day), eid
    )


@pytest.mark.parametrize(
    ("res", "year", "verdict"),
    [
        (result("A", 12.0), 2024, Verdict.MET),
        (result("A", 5.0, projected=11.0), 2024, Verdict.ON_TRACK),
        (result("A", 5.0, projected=8.0), 2024, Verdict.OFF_TRACK),
        (
            result("A", 5.0, projected=11.0, deadline=2024),
            2024,
            Verdict.OFF_TRACK,
        ),  # deadline year reached
        (result("A", 5.0), 2024, Verdict.NO_DATA),  # no trend
        (result("A", 5.0, target=None), 2024, Verdict.NO_TARGET),
        (result("A", 5.0, target=None, benchmark="national median"), 2024, Verdict.NO_DATA),
        (
            result("A", None, status=Status.NOT_COMPUTABLE, note="needs casemix"),
            2024,
            Verdict.NO_DATA,
        ),
    ],
)
def test_indicator_verdicts(res, year, verdict):
    assert indicator_progress(res, year).verdict is verdict


def test_indicator_detail_explains_itself():
    ip = indicator_progress(result("A", 5.0, projected=8.0), 2024)
    assert ip.gap == 5.0 and ip.projected == 8.0 and ip.will_meet is False
    assert ip.target == ">= 10 by 2025 [H]" and "8.00 in 2025" in ip.reason


def test_share_and_data_status():
    t = task(["A", "B", "C", "D"])
    res = [
        result("A", 12.0),
        result("B", 5.0, projected=11.0),
        result("C", 5.0, projected=8.0),
        result("D", 5.0, target=None),
    ]
    p = task_progress(t, NODE, "临漳县", 2024, res)
    assert p.share == pytest.approx(2 / 3)  # D has no target: shown, not counted
    assert p.status is TaskStatus.AT_RISK and "2 of 3" in p.rule
    assert [i.verdict for i in p.indicators] == [
        Verdict.MET,
        Verdict.ON_TRACK,
        Verdict.OFF_TRACK,
        Verdict.NO_TARGET,
    ]
    assert p.percent == 67


def test_behind_on_track_and_done_rules():
    one = [result("A", 5.0, projected=8.0), result("B", 5.0, projected=8.0), result("C", 12.0)]
    assert task_progress(task(["A", "B", "C"]), NODE, "", 2024, one).status is TaskStatus.BEHIND
    on = [result("A", 5.0, projected=11.0), result("B", 12.0)]
    assert task_progress(task(["A", "B"]), NODE, "", 2024, on).status is TaskStatus.ON_TRACK
    met = [result("A", 12.0)]
    assert task_progress(task(["A"]), NODE, "", 2024, met).status is TaskStatus.ON_TRACK
    assert task_progress(task(["A"], Coverage.FULL), NODE, "", 2024, met).status is TaskStatus.DONE


def test_missing_result_and_no_data():
    p = task_progress(task(["A"]), NODE, "", 2024, [])
    assert p.indicators[0].verdict is Verdict.NO_DATA and p.status is TaskStatus.NO_DATA
    assert p.share is None and p.percent is None


def test_manual_only_and_latest_entry():
    t = task([])
    es = [
        entry(TaskStatus.AT_RISK, day=1, eid=1),
        entry(TaskStatus.ON_TRACK, day=2, eid=2, percent=40),
        entry(TaskStatus.DONE, year=2025, day=3, eid=3),
        entry(TaskStatus.BEHIND, day=4, eid=4, node="division:130402"),
    ]
    p = task_progress(t, NODE, "", 2024, [], es)
    assert p.status is TaskStatus.ON_TRACK and p.percent == 40  # 2025 entry is in the future
    assert [e.entry_id for e in p.history] == [1, 2, 3]  # other node's entry not mixed in
    assert latest_entry(es[:3], 2025).entry_id == 3
    assert latest_entry(es, 2023) is None


def test_manual_and_data_worse_of_two():
    off = [result("A", 5.0, projected=8.0)]
    p = task_progress(task(["A"]), NODE, "", 2024, off, [entry(TaskStatus.ON_TRACK)])
    assert p.data_status is TaskStatus.BEHIND and p.status is TaskStatus.BEHIND
    on = [result("A", 5.0, projected=11.0)]
    p = task_progress(task(["A"]), NODE, "", 2024, on, [entry(TaskStatus.AT_RISK)])
    assert p.status is TaskStatus.AT_RISK
    # a manual 'done' stands only when every counted indicator is met
    p = task_progress(task(["A"]), NODE, "", 2024, on, [entry(TaskStatus.DONE)])
    assert p.status is TaskStatus.ON_TRACK
    p = task_progress(task(["A"]), NODE, "", 2024, [result("A", 12.0)], [entry(TaskStatus.DONE)])
    assert p.status is TaskStatus.DONE and "office" in p.rule
