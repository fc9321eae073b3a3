"""The medical–prevention link worked by hand."""

from __future__ import annotations

from datetime import date

from yigong.public_health.links import Admission, admission_links, links_table
from yigong.public_health.loader import load_rules
from yigong.public_health.register import FollowUp

RULES = load_rules()


def test_registered_followed_up_avoidable():
    follow = [
        FollowUp("p1", "hypertension", date(2024, 3, 1), "V1"),  # 40 days before admission
        FollowUp("p2", "hypertension", date(2023, 9, 1), "V1"),  # registered, long ago
        FollowUp("p1", "hypertension", date(2024, 6, 1), "V1"),  # after: ignored
    ]
    stays = [
        Admission("a1", "p1", "H1", date(2024, 4, 10), date(2024, 4, 15), "v", ("I10.x00x002",)),
        Admission("a2", "p2", "H1", date(2024, 5, 1), date(2024, 5, 9), "v", ("I63.900", "I10.x00")),
        Admission("a3", "p3", "H1", date(2024, 5, 1), date(2024, 5, 9), "v", ("E11.900", "I10.x00")),
        Admission("a4", "p4", "H1", date(2024, 5, 1), date(2024, 5, 9), "v", ("J18.900",)),
    ]  # fmt: skip
    rows = {(r["discharge_id"], r["disease"]): r for r in admission_links(RULES, stays, follow)}
    assert set(rows) == {("a1", "hypertension"), ("a2", "hypertension"), ("a3", "diabetes"),
                         ("a3", "hypertension")}  # fmt: skip
    a1 = rows[("a1", "hypertension")]
    assert a1["registered"] and a1["followed_up"] and a1["avoidable"]
    assert a1["last_followup"] == date(2024, 3, 1)
    a2 = rows[("a2", "hypertension")]
    assert a2["registered"] and not a2["followed_up"] and not a2["avoidable"]  # stroke principal
    assert rows[("a3", "diabetes")]["avoidable"] and not rows[("a3", "diabetes")]["registered"]
    assert not rows[("a3", "hypertension")]["avoidable"]  # E11 principal: the diabetes row's
    assert links_table(list(rows.values())).num_rows == 4
