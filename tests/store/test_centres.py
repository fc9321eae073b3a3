"""Shared centres and mutual recognition on a real store (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest

import yigong.services.centres as svc
from yigong.graded_care.centres.catalog import CentreRequestStatus
from yigong.graded_care.centres.recognition import RecognitionStatus
from yigong.graded_care.errors import IllegalTransition, InvalidRequest, NotPermitted
from yigong.store import Store

from .world import actor, build

T0 = datetime(2025, 5, 1, 9, 0)


@pytest.fixture
def world(store: Store) -> Store:
    build(store)
    return store


def _order(store: Store, code: str, at: datetime, frm: str = "T1", patient: str = "P1"):  # type: ignore[no-untyped-def]
    return svc.order_centre_service(
        store, actor(frm), patient_key=patient, service_code=code, centre_institution="H1", at=at
    )


def _reported(store: Store, code: str, at: datetime, patient: str = "P1") -> str:
    order = _order(store, code, at, patient=patient)
    assert order.recognition is None
    svc.report_centre_request(
        store,
        order.request.request_id,
        actor("H1"),
        report_text="未见异常",
        at=at + timedelta(hours=3),
    )
    return order.request.request_id


def test_request_report_turnaround(world: Store) -> None:
    order = _order(world, "IMG-CT-HEAD", T0)
    assert order.request.status is CentreRequestStatus.REQUESTED
    assert order.request.price == Decimal("220.00")
    with pytest.raises(NotPermitted):
        svc.report_centre_request(world, order.request.request_id, actor("T1"), report_text="x")
    rec = svc.report_centre_request(
        world,
        order.request.request_id,
        actor("H1"),
        report_text="双侧基底节腔隙灶",
        at=T0 + timedelta(hours=5, minutes=30),
    )
    assert rec.turnaround_hours == Decimal("5.50")
    with pytest.raises(IllegalTransition):
        svc.report_centre_request(world, rec.request_id, actor("H1"), report_text="again")


def test_centre_must_be_county_level(world: Store) -> None:
    with pytest.raises(InvalidRequest, match="county-level"):
        svc.order_centre_service(
            world,
            actor("V1"),
            patient_key="P",
            service_code="LAB-CBC",
            centre_institution="T1",
            at=T0,
        )
    with pytest.raises(InvalidRequest, match="unknown centre service"):
        _order(world, "LAB-NOPE", T0)


@pytest.mark.parametrize(
    ("code", "days_later", "flagged"),
    [
        ("LAB-CBC", 6, True),  # window 7 days
        ("LAB-CBC", 7, True),  # inclusive: exactly 7 × 24 h after the report
        ("LAB-CBC", 8, False),
        ("IMG-CT-HEAD", 29, True),  # window 30 days
        ("IMG-CT-HEAD", 31, False),
        ("CONSULT-REMOTE", 1, False),  # consultations are never recognised (null window)
    ],
)
def test_recognition_windows(world: Store, code: str, days_later: int, flagged: bool) -> None:
    earlier = _reported(world, code, T0)
    order = _order(world, code, T0 + timedelta(hours=3, days=days_later))
    assert (order.recognition is not None) is flagged
    if flagged:
        assert order.recognition.earlier_request_id == earlier  # type: ignore[union-attr]
        assert order.recognition.days_between == days_later  # type: ignore[union-attr]


def test_other_patient_or_service_is_not_a_repeat(world: Store) -> None:
    _reported(world, "LAB-CBC", T0)
    assert _order(world, "LAB-CBC", T0 + timedelta(days=1), patient="P2").recognition is None
    assert _order(world, "LAB-LFT", T0 + timedelta(days=1)).recognition is None


def test_recognised_repeat_is_avoided_and_saves_its_price(world: Store) -> None:
    _reported(world, "IMG-CT-HEAD", T0)
    order = _order(world, "IMG-CT-HEAD", T0 + timedelta(days=10), frm="T2")
    flag = order.recognition
    assert flag is not None and flag.status is RecognitionStatus.PENDING
    with pytest.raises(IllegalTransition, match="recognition first"):
        svc.report_centre_request(world, order.request.request_id, actor("H1"), report_text="x")
    with pytest.raises(NotPermitted):
        svc.decide_recognition(world, flag.recognition_id, actor("T1"), recognised=True)
    done = svc.decide_recognition(
        world, flag.recognition_id, actor("T2"), recognised=True, at=T0 + timedelta(days=10)
    )
    assert done.status is RecognitionStatus.RECOGNISED and done.avoided == Decimal("220.00")
    assert svc.get_centre_request(world, order.request.request_id).status is (
        CentreRequestStatus.AVOIDED
    )
    with pytest.raises(IllegalTransition, match="already recognised"):
        svc.decide_recognition(
            world, flag.recognition_id, actor("T2"), recognised=False, reason="x"
        )


def test_not_recognised_needs_reason_and_saves_nothing(world: Store) -> None:
    _reported(world, "LAB-CBC", T0)
    flag = _order(world, "LAB-CBC", T0 + timedelta(days=2)).recognition
    assert flag is not None
    with pytest.raises(InvalidRequest, match="reason"):
        svc.decide_recognition(world, flag.recognition_id, actor("T1"), recognised=False)
    done = svc.decide_recognition(
        world, flag.recognition_id, actor("T1"), recognised=False, reason="发热加重，病情变化"
    )
    assert done.avoided == Decimal("0.00")
    svc.report_centre_request(
        world,
        flag.new_request_id,
        actor("H1"),
        report_text="WBC 15",
        at=T0 + timedelta(days=2, hours=1),
    )


def test_summary_rate_and_savings(world: Store) -> None:
    for patient, recognise in [("A", True), ("B", True), ("C", False), ("D", None)]:
        _reported(world, "IMG-US-ABD", T0, patient=patient)
        flag = _order(world, "IMG-US-ABD", T0 + timedelta(days=3), patient=patient).recognition
        assert flag is not None
        if recognise is not None:
            svc.decide_recognition(
                world, flag.recognition_id, actor("T1"), recognised=recognise, reason="病情变化"
            )
    summary = svc.recognition_summary(world)
    assert (summary.flagged, summary.pending, summary.recognised, summary.not_recognised) == (
        4,
        1,
        2,
        1,
    )
    assert summary.rate == Decimal("0.6667")
    assert summary.savings == Decimal("240.00")
    assert "recognised 2 / decided 3" in summary.explain()
    assert len(svc.list_recognitions(world, status="pending")) == 1


def test_cancel(world: Store) -> None:
    order = _order(world, "LAB-CBC", T0)
    with pytest.raises(NotPermitted):
        svc.cancel_centre_request(world, order.request.request_id, actor("H1"), reason="x")
    rec = svc.cancel_centre_request(world, order.request.request_id, actor("T1"), reason="患者拒绝")
    assert rec.status is CentreRequestStatus.CANCELLED
    assert [r.request_id for r in svc.list_centre_requests(world, status="cancelled")] == [
        rec.request_id
    ]


def test_turnaround_summary(world: Store) -> None:
    for hours in (1, 2, 30):  # CT target 24 h
        order = _order(world, "IMG-CT-HEAD", T0, patient=f"P{hours}")
        svc.report_centre_request(
            world,
            order.request.request_id,
            actor("H1"),
            report_text="x",
            at=T0 + timedelta(hours=hours),
        )
    ecg = _order(world, "ECG-12", T0, patient="Q")
    svc.report_centre_request(
        world, ecg.request.request_id, actor("H1"), report_text="x", at=T0 + timedelta(minutes=20)
    )
    _order(world, "LAB-CBC", T0, patient="R")  # not reported: not counted
    assert svc.turnaround_summary(world) == [
        {
            "centre_type": "remote_ecg",
            "reported": 1,
            "median_minutes": 20,
            "p90_minutes": 20,
            "within_target": "1/1",
        },
        {
            "centre_type": "remote_imaging",
            "reported": 3,
            "median_minutes": 120,
            "p90_minutes": 1800,
            "within_target": "2/3",
        },
    ]
