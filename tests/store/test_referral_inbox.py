"""The referral inbox pushes scope, status and paging into the store's query: on SQLite and
PostgreSQL it returns exactly what filtering every referral in Python returned before, and no
referral of which neither end is in scope."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

import yigong.services.referral as svc
from yigong.graded_care.errors import InvalidRequest
from yigong.store import Store

from .world import actor, build

T0 = datetime(2025, 3, 1, 8, 0)
#: requesting → receiving, direction (routes the tiny county allows)
PAIRS = [
    ("T1", "H1", "upward"),
    ("V1", "T1", "upward"),
    ("T2", "H2", "upward"),
    ("H1", "T1", "downward"),
    ("H2", "T2", "downward"),
    ("T1", "CITY", "upward"),
]
SCOPES = [
    {"T1"},
    {"H1"},
    {"H2", "T2"},
    {"CITY"},
    {"V1", "H2"},
    {"NOWHERE"},
    {"H1", "T1", "V1", "H2", "T2", "CITY"},
]


@pytest.fixture
def referrals(store: Store) -> Store:
    build(store)
    for i in range(36):
        frm, to, direction = PAIRS[i % len(PAIRS)]
        at = T0 + timedelta(hours=i // 2)  # pairs share a timestamp: the id breaks the tie
        rec = svc.request_referral(
            store,
            actor(frm),
            patient_key=f"P{i:03d}",
            receiving_institution=to,
            direction=direction,
            diagnosis_icd10="I21.900",
            reason="test",
            at=at,
        )
        if i % 3 == 0:
            svc.cancel_referral(
                store,
                rec.referral_id,
                actor(frm),
                reason="patient declined",
                at=at + timedelta(minutes=5),
            )
    return store


def _old_python_filter(store: Store, scope: set[str], status: str | None) -> list[str]:
    every = svc.list_referrals(store, status=status, limit=100_000)
    return [
        r.referral_id for r in every if {r.requesting_institution, r.receiving_institution} & scope
    ]


@pytest.mark.parametrize("status", [None, "requested", "cancelled", "records_returned"])
def test_inbox_equals_the_python_filter_and_never_leaks(referrals: Store, status) -> None:
    statuses = {r.status.value for r in svc.list_referrals(referrals, limit=1000)}
    assert statuses >= {"cancelled"} and len(statuses) >= 2  # the fixture mixes statuses
    for scope in SCOPES:
        expected = _old_python_filter(referrals, scope, status)
        got: list[str] = []
        for offset in range(0, 40, 7):  # pages of 7 cover every row, in order
            page = svc.referral_inbox(referrals, scope, status=status, limit=7, offset=offset)
            assert page.total == len(expected), (scope, status)
            for r in page.items:
                assert {r.requesting_institution, r.receiving_institution} & scope, r
                if status:
                    assert r.status.value == status
            got += [r.referral_id for r in page.items]
        assert got == expected, (scope, status)


def test_inbox_edges(referrals: Store) -> None:
    assert svc.referral_inbox(referrals, set()).total == 0  # an empty scope sees nothing
    everything = svc.referral_inbox(referrals, None, limit=1000)
    assert everything.total == 36 and len(everything.items) == 36
    beyond = svc.referral_inbox(referrals, {"T1"}, offset=10_000)
    assert beyond.items == [] and beyond.total > 0
    with pytest.raises(InvalidRequest):
        svc.referral_inbox(referrals, {"T1"}, limit=0)
    with pytest.raises(ValueError):
        svc.referral_inbox(referrals, {"T1"}, status="lost")


def test_a_province_sized_scope_is_one_query(referrals: Store) -> None:
    """40,000 institution ids (more than SQLite binds) give the same rows as the small scope."""
    scope = {f"X{i:06d}" for i in range(40_000)} | {"T1"}
    small = svc.referral_inbox(referrals, {"T1"}, limit=1000)
    big = svc.referral_inbox(referrals, scope, limit=1000)
    assert big.total == small.total > 0
    assert [r.referral_id for r in big.items] == [r.referral_id for r in small.items]
    quoted = svc.referral_inbox(referrals, {f"Y{i}" for i in range(2000)} | {"O'Brien"})
    assert quoted.total == 0  # a quote in an id is escaped, not SQL
