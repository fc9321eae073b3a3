"""Manual progress entries in the workflow store (SQLite): append-only, validated, audited."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from yigong.services import tasks as svc
from yigong.store import Store
from yigong.store.reform_models import AppendOnlyError, ReformProgressEntry


@pytest.fixture
def store(tmp_path):
    st = Store(f"sqlite:///{tmp_path / 'wf.sqlite'}")
    yield st
    st.dispose()


def test_record_appends_and_history_keeps_every_entry(store):
    a = svc.record(
        store,
        "K22-03",
        "130423",
        2024,
        "at_risk",
        by="office1",
        percent=30,
        note="4 of 12 townships",
        at=datetime(2024, 3, 1),
    )
    b = svc.record(
        store,
        "K22-03",
        "division:130423",
        2024,
        "on_track",
        by="office2",
        percent=60,
        evidence="冀卫〔2024〕1号",
        at=datetime(2024, 9, 1),
    )
    svc.record(store, "K22-04", "division:130402", 2024, "behind", by="office3")
    assert a.node == "division:130423" and a.entry_id < b.entry_id
    hist = svc.entries(store, node="division:130423")
    assert [(e.status.value, e.recorded_by, e.percent) for e in hist] == [
        ("at_risk", "office1", 30),
        ("on_track", "office2", 60),
    ]
    assert len(svc.entries(store)) == 3
    assert [e.task_id for e in svc.entries(store, task_id="K22-04")] == ["K22-04"]


def test_entries_cannot_be_changed_or_deleted(store):
    e = svc.record(store, "K22-03", "130423", 2024, "on_track", by="office1")
    with pytest.raises(AppendOnlyError), store.transaction() as s:
        row = s.scalars(select(ReformProgressEntry)).one()
        row.status = "done"
    with pytest.raises(AppendOnlyError), store.transaction() as s:
        s.delete(s.scalars(select(ReformProgressEntry)).one())
    assert [x.status.value for x in svc.entries(store)] == ["on_track"]
    assert svc.entries(store)[0].entry_id == e.entry_id


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(status="finished"), "status 'finished'"),
        (dict(status="no_data"), "status 'no_data'"),
        (dict(status="done"), "evidence"),
        (dict(percent=140), "percent 140"),
        (dict(by=" "), "by:"),
    ],
)
def test_refused_entries_name_the_field(store, kwargs, message):
    args = dict(status="on_track", by="office1") | kwargs
    with pytest.raises(svc.RecordError, match=message):
        svc.record(store, "K22-03", "130423", 2024, **args)
    assert svc.entries(store) == []


def test_unknown_task(store):
    with pytest.raises(KeyError, match="no reform task 'Z-1'"):
        svc.record(store, "Z-1", "130423", 2024, "on_track", by="x")


def test_time_is_stored_as_utc(store):
    from datetime import timedelta, timezone

    beijing = timezone(timedelta(hours=8))
    e = svc.record(
        store,
        "K22-03",
        "130423",
        2024,
        "on_track",
        by="office1",
        at=datetime(2024, 9, 1, 9, 30, tzinfo=beijing),
    )
    assert e.recorded_at == datetime(2024, 9, 1, 1, 30)
    assert svc.entries(store)[0].recorded_at == datetime(2024, 9, 1, 1, 30)
