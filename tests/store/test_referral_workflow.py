"""Referral services on a real store (SQLite and PostgreSQL): paths, audit, refusals, races."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest

import yigong.services.referral as svc
from yigong.graded_care.errors import (
    ConcurrentUpdate,
    IllegalTransition,
    InvalidRequest,
    NotFound,
    NotPermitted,
    WorkflowError,
)
from yigong.graded_care.referrals.states import Direction, ReferralStatus, Scope
from yigong.store import Store

from .world import COUNTY, actor, build

T0 = datetime(2025, 3, 1, 8, 0)


def _up(store: Store, to: str = "H1", frm: str = "T1") -> str:
    rec = svc.request_referral(
        store,
        actor(frm),
        patient_key="P001",
        receiving_institution=to,
        direction="upward",
        diagnosis_icd10="i21.900",
        reason="胸痛，疑急性心梗",
        at=T0,
    )
    return rec.referral_id


@pytest.fixture
def world(store: Store) -> Store:
    build(store)
    return store


def test_upward_intra_community_full_path_is_audited(world: Store) -> None:
    rid = _up(world)
    steps = [
        (svc.approve_referral, "T1", None),
        (svc.accept_referral, "H1", None),
        (svc.record_arrival, "H1", None),
        (svc.return_records, "H1", "出院小结已回传"),
        (svc.record_follow_up, "T1", "电话随访"),
        (svc.record_follow_up, "T1", "上门随访"),
    ]
    for i, (fn, inst, why) in enumerate(steps, start=1):
        fn(world, rid, actor(inst), reason=why, at=T0 + timedelta(hours=i))
    rec = svc.get_referral(world, rid)
    assert rec.status is ReferralStatus.RECORDS_RETURNED
    assert rec.scope is Scope.INTRA_COMMUNITY and rec.direction is Direction.UPWARD
    assert rec.diagnosis_icd10 == "I21.900"  # chapter letter upper-cased, rest kept
    assert [e.action.value for e in rec.events] == [
        "request",
        "approve",
        "accept",
        "arrive",
        "return",
        "follow_up",
        "follow_up",
    ]
    assert [e.seq for e in rec.events] == list(range(1, 8))
    assert rec.events[0].from_status is None
    assert rec.events[4].reason == "出院小结已回传"
    assert rec.events[5].user_id == "dr-t1" and rec.events[5].institution_id == "T1"
    assert rec.events[6].at == T0 + timedelta(hours=6)
    assert rec.version == 7  # one version per write, follow-ups included


def test_out_of_county_needs_lead_hospital_review(world: Store) -> None:
    rid = _up(world, to="CITY")
    rec = svc.get_referral(world, rid)
    assert rec.scope is Scope.OUT_OF_COUNTY and rec.reviewers == ("H1",)
    with pytest.raises(NotPermitted, match="reviewer"):
        svc.approve_referral(world, rid, actor("T1"))
    with pytest.raises(NotPermitted):
        svc.approve_referral(world, rid, actor("H2"))  # another community's lead
    svc.approve_referral(world, rid, actor("H1"), reason="县内无法开展")
    svc.accept_referral(world, rid, actor("CITY"))
    assert svc.get_referral(world, rid).status is ReferralStatus.ACCEPTED


def test_in_county_review_by_requester_or_its_lead(world: Store) -> None:
    rid = _up(world, to="H2", frm="T1")
    rec = svc.get_referral(world, rid)
    assert rec.scope is Scope.INTER_COMMUNITY and set(rec.reviewers) == {"T1", "H1"}
    svc.approve_referral(world, rid, actor("H1"))
    assert svc.get_referral(world, rid).status is ReferralStatus.APPROVED


def test_downward_follow_up_is_done_by_the_receiving_primary_institution(world: Store) -> None:
    rec = svc.request_referral(
        world,
        actor("H1"),
        patient_key="P002",
        receiving_institution="V1",
        direction=Direction.DOWNWARD,
        diagnosis_icd10="I63.9",
        reason="脑梗死恢复期，回村康复",
        at=T0,
    )
    rid = rec.referral_id
    svc.approve_referral(world, rid, actor("H1"), at=T0)
    svc.accept_referral(world, rid, actor("V1"), at=T0)
    svc.record_arrival(world, rid, actor("V1"), at=T0)
    svc.return_records(world, rid, actor("V1"), at=T0)
    with pytest.raises(NotPermitted, match="primary_care"):
        svc.record_follow_up(world, rid, actor("H1"), at=T0)
    svc.record_follow_up(world, rid, actor("V1"), at=T0)


@pytest.mark.parametrize(
    ("frm", "to", "direction", "message"),
    [
        ("H1", "T1", "upward", "higher level"),
        ("T1", "H1", "downward", "lower level"),
        ("T1", "T2", "upward", "higher level"),
        ("T1", "T1", "upward", "two different"),
    ],
)
def test_inconsistent_requests_are_refused(
    world: Store, frm: str, to: str, direction: str, message: str
) -> None:
    with pytest.raises(InvalidRequest, match=message):
        svc.request_referral(
            world,
            actor(frm),
            patient_key="P",
            receiving_institution=to,
            direction=direction,
            diagnosis_icd10="J18.9",
            reason="r",
        )
    assert svc.list_referrals(world) == []


def test_unknown_institution_and_referral(world: Store) -> None:
    with pytest.raises(NotFound, match="NOPE"):
        svc.request_referral(
            world,
            actor("T1"),
            patient_key="P",
            receiving_institution="NOPE",
            direction="upward",
            diagnosis_icd10="J18.9",
            reason="r",
        )
    with pytest.raises(NotFound):
        svc.approve_referral(world, "RF-missing", actor("T1"))


def test_refused_action_leaves_state_and_audit_unchanged(world: Store) -> None:
    rid = _up(world)
    before = svc.get_referral(world, rid)
    with pytest.raises(IllegalTransition, match=r"cannot arrive .*allowed: approve"):
        svc.record_arrival(world, rid, actor("H1"))
    with pytest.raises(InvalidRequest, match="needs a reason"):
        svc.reject_referral(world, rid, actor("T1"), reason="  ")
    with pytest.raises(InvalidRequest, match="earlier than"):
        svc.approve_referral(world, rid, actor("T1"), at=T0 - timedelta(days=1))
    assert svc.get_referral(world, rid) == before


@pytest.mark.parametrize(
    ("path", "final"),
    [
        ([("reject", "T1")], ReferralStatus.REVIEW_REJECTED),
        ([("cancel", "T1")], ReferralStatus.CANCELLED),
        ([("approve", "T1"), ("decline", "H1")], ReferralStatus.DECLINED),
        ([("approve", "T1"), ("cancel", "T1")], ReferralStatus.CANCELLED),
        ([("approve", "T1"), ("accept", "H1"), ("no_show", "H1")], ReferralStatus.NO_SHOW),
        ([("approve", "T1"), ("accept", "H1"), ("cancel", "T1")], ReferralStatus.CANCELLED),
    ],
)
def test_every_terminal_branch_then_nothing_more(
    world: Store, path: list[tuple[str, str]], final: ReferralStatus
) -> None:
    rid = _up(world)
    for act, inst in path:
        svc.perform(world, rid, act, actor(inst), reason="理由", at=T0)
    rec = svc.get_referral(world, rid)
    assert rec.status is final and rec.events[-1].reason == "理由"
    for act in ("approve", "accept", "arrive", "return", "follow_up", "cancel"):
        with pytest.raises(IllegalTransition):
            svc.perform(world, rid, act, actor("H1"), reason="x", at=T0)


def test_fhir_bundle_tracks_status(world: Store) -> None:
    rid = _up(world)
    svc.reject_referral(world, rid, actor("T1"), reason="可在本院治疗", at=T0)
    bundle = svc.referral_fhir(world, rid)
    kinds = [e["resource"]["resourceType"] for e in bundle["entry"]]
    assert kinds[:4] == ["ServiceRequest", "Task", "Provenance", "Provenance"]
    assert kinds[4:-1] == ["Organization"] * (len(kinds) - 5) and kinds[-1] == "Patient"
    from yigong.interop.fhir.validate import validate_resource

    assert validate_resource(bundle) == []  # valid FHIR R4 (fhir.resources R4B models)
    task = bundle["entry"][1]["resource"]
    assert task["status"] == "rejected"
    assert task["businessStatus"]["coding"][0]["code"] == "review_rejected"
    assert task["statusReason"]["text"] == "可在本院治疗"
    assert bundle["entry"][0]["resource"]["status"] == "revoked"


def test_list_filters(world: Store) -> None:
    a = _up(world)
    _up(world, to="CITY")
    svc.approve_referral(world, a, actor("T1"), at=T0)
    assert {r.referral_id for r in svc.list_referrals(world, status="approved")} == {a}
    assert len(svc.list_referrals(world, institution_id="CITY")) == 1
    assert len(svc.list_referrals(world, institution_id="T1")) == 2
    assert svc.list_referrals(world, patient_key="nobody") == []


@pytest.mark.parametrize("second", ["accept", "decline"])
def test_two_users_at_once_only_one_succeeds(
    world: Store, monkeypatch: pytest.MonkeyPatch, second: str
) -> None:
    """Both users read the same version before either writes; exactly one commit wins."""
    rid = _up(world)
    svc.approve_referral(world, rid, actor("T1"), at=T0)
    barrier = threading.Barrier(2, timeout=30)
    original = svc._load

    def load_then_wait(session, referral_id):  # type: ignore[no-untyped-def]
        row = original(session, referral_id)
        barrier.wait()
        return row

    monkeypatch.setattr(svc, "_load", load_then_wait)
    outcomes: dict[str, object] = {}

    def run(name: str, act: str, user: str) -> None:
        try:
            outcomes[name] = svc.perform(world, rid, act, actor("H1", user), reason="r", at=T0)
        except WorkflowError as exc:
            outcomes[name] = exc

    threads = [
        threading.Thread(target=run, args=("a", "accept", "dr-a")),
        threading.Thread(target=run, args=("b", second, "dr-b")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    errors = [o for o in outcomes.values() if isinstance(o, Exception)]
    assert len(outcomes) == 2 and len(errors) == 1, outcomes
    assert isinstance(errors[0], ConcurrentUpdate)
    rec = svc.get_referral(world, rid)
    assert len(rec.events) == 3 and rec.version == 3
    assert rec.status.value in ("accepted", "declined")
    assert rec.events[-1].user_id in ("dr-a", "dr-b")


def test_sequential_second_actor_gets_illegal_transition(world: Store) -> None:
    rid = _up(world)
    svc.approve_referral(world, rid, actor("T1"), at=T0)
    svc.accept_referral(world, rid, actor("H1"), at=T0)
    with pytest.raises(IllegalTransition, match="accepted"):
        svc.decline_referral(world, rid, actor("H1"), reason="床位已满", at=T0)
    assert svc.get_referral(world, rid).home_county == COUNTY


def test_setting_is_recorded_and_checked(world: Store) -> None:
    rec = svc.request_referral(
        world,
        actor("T1"),
        patient_key="P",
        receiving_institution="H1",
        direction="upward",
        diagnosis_icd10=" i10.x00 ",
        reason="门诊",
        setting="outpatient",
        at=T0,
    )
    assert rec.setting == "outpatient" and rec.diagnosis_icd10 == "I10.x00"  # 医保版 kept
    with pytest.raises(InvalidRequest, match="not an ICD-10 code"):
        svc.request_referral(
            world,
            actor("T1"),
            patient_key="P",
            receiving_institution="H1",
            direction="upward",
            diagnosis_icd10="stroke",
            reason="r",
        )
    with pytest.raises(InvalidRequest, match="setting 'home'"):
        svc.request_referral(
            world,
            actor("T1"),
            patient_key="P",
            receiving_institution="H1",
            direction="upward",
            diagnosis_icd10="M17.1",
            reason="r",
            setting="home",
        )
