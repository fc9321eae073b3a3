"""Flag review workflow: open → confirmed / dismissed with a reason, audited, refusals, races."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from yigong.graded_care.errors import IllegalTransition, InvalidRequest
from yigong.services import screening
from yigong.store import Store
from yigong.store.reviews import FlagReview, FlagReviewEvent

FLAG = {
    "flag_id": "F0123456789abcde",
    "rule_id": "split_admission",
    "period": "2024",
    "institution_id": "H1",
}


def test_open_then_confirm_is_audited(store: Store) -> None:
    assert screening.open_review(store, FLAG, sampled_by="random")["status"] == "open"
    assert screening.open_review(store, FLAG)["status"] == "open"  # idempotent
    out = screening.review_flag(
        store, FLAG["flag_id"], "confirmed", "same stay split in two", "auditor1"
    )
    assert (out["status"], out["decided_by"]) == ("confirmed", "auditor1")
    st = screening.review_status(store, FLAG["flag_id"])
    assert [(e["action"], e["from"], e["to"]) for e in st["events"]] == [
        ("open", None, "open"),
        ("decide", "open", "confirmed"),
    ]


def test_decided_flag_bad_decision_and_missing_reason_are_refused(store: Store) -> None:
    screening.open_review(store, FLAG)
    with pytest.raises(InvalidRequest):
        screening.review_flag(store, FLAG["flag_id"], "maybe", "x", "u")
    with pytest.raises(InvalidRequest):
        screening.review_flag(store, FLAG["flag_id"], "dismissed", "  ", "u")
    screening.review_flag(store, FLAG["flag_id"], "dismissed", "emergency readmission", "u")
    with pytest.raises(IllegalTransition):
        screening.review_flag(store, FLAG["flag_id"], "confirmed", "changed my mind", "v")
    with store.transaction() as s:
        assert s.get(FlagReview, FLAG["flag_id"]).status == "dismissed"


def test_concurrent_double_decision_one_wins(store: Store) -> None:
    screening.open_review(store, FLAG)
    with store.transaction() as first:  # reviewer A loads the open flag and decides …
        row = first.get(FlagReview, FLAG["flag_id"])
        row.status, row.decided_by, row.reason = "confirmed", "A", "a"
        # … while reviewer B decides and commits first
        screening.review_flag(store, FLAG["flag_id"], "dismissed", "b", "B")
        with pytest.raises(StaleDataError):  # version moved on: A's write is refused
            first.flush()
        first.rollback()
    with store.transaction() as s:
        row = s.get(FlagReview, FLAG["flag_id"])
        assert (row.status, row.decided_by) == ("dismissed", "B")
        assert len(s.scalars(select(FlagReviewEvent)).all()) == 2
    with pytest.raises(IllegalTransition):
        screening.review_flag(store, FLAG["flag_id"], "confirmed", "late", "A")
