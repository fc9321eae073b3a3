"""Registers worked by hand: who is managed, managed to standard, controlled, on schedule and
overdue, from a few follow-ups (rules: the built-in national-2017 pack)."""

from __future__ import annotations

from datetime import date

import pytest

from yigong.public_health.loader import load_rules
from yigong.public_health.register import FollowUp, build_register, expected_rows, register_table

RULES = load_rules()
Y = 2024


def fu(person, day, sbp=None, dbp=None, glucose=None, disease="hypertension", days=None):
    return FollowUp(person, disease, day, "V1", "doc1", "T1", sbp, dbp, glucose, None, days)


def quarterly(person, last, **kw):
    days = [date(Y, 2, 1), date(Y, 5, 1), date(Y, 8, 1)]
    return [fu(person, d, 150, 95, **kw) for d in days] + [fu(person, date(Y, 11, 1), *last, **kw)]


PERSONS = {
    "A": (date(1964, 3, 1), "130423101001"),  # 60
    "B": (date(1954, 3, 1), "130423101001"),  # 70
    "C": (date(1974, 3, 1), "130423101002"),  # 50
    "G": (date(1984, 3, 1), "130423101002"),  # 40
    "D": (date(1960, 3, 1), "130423101002"),  # diagnosed only
    "E": (date(1960, 3, 1), "130423101001"),
    "F": (date(1960, 3, 1), "130423101001"),
}


@pytest.fixture(scope="module")
def reg():
    follow = [
        *quarterly("A", (135, 85)),  # 4, controlled (<140/90)
        fu("B", date(Y, 2, 1), 160, 95),
        fu("B", date(Y, 5, 1), 155, 90),
        fu("B", date(Y, 8, 1), 152, 88),  # 3 follow-ups; 152 ≥ 150 (age 70): not controlled
        *quarterly("C", (150, 95)),  # 4, not controlled
        *quarterly("G", (120, 80), days=84),  # 4, controlled, a long prescription (84 days)
        fu("E", date(Y, 3, 1), glucose=8.1, disease="diabetes"),
        fu("E", date(Y, 10, 1), glucose=6.8, disease="diabetes", days=28),  # controlled
        fu("F", date(Y, 10, 1), disease="diabetes"),  # no glucose: not controlled
        fu("A", date(Y - 1, 12, 1), 140, 90),  # last year's follow-up: A joined before
    ]
    diagnoses = [("D", "I10.x00x002"), ("A", "I10.x00"), ("E", "E11.900")]
    entries = build_register(RULES, Y, follow, diagnoses, PERSONS, contracts={"A": "T9"})
    return {(e.person_key, e.disease): e for e in entries}


def test_hand_worked_hypertension_rates(reg):
    htn = [e for (_, d), e in reg.items() if d == "hypertension"]
    managed = [e for e in htn if e.managed]
    assert sorted(e.person_key for e in managed) == ["A", "B", "C", "G"]
    # standardised management: A, C, G have 4 follow-ups; B has 3 → 3 / 4 = 75 %
    assert sorted(e.person_key for e in managed if e.standard) == ["A", "C", "G"]
    # control at the last follow-up: A 135/85 and G 120/80; B 152/88 at 70 fails <150/90
    assert sorted(e.person_key for e in managed if e.controlled) == ["A", "G"]
    assert len([e for e in managed if e.controlled]) / len(managed) == 0.5
    assert reg[("D", "hypertension")].found and not reg[("D", "hypertension")].managed


def test_age_decides_the_threshold():
    b = build_register(RULES, Y, [fu("B", date(Y, 8, 1), 146, 88)], [], PERSONS)[0]
    c = build_register(RULES, Y, [fu("C", date(Y, 8, 1), 146, 88)], [], PERSONS)[0]
    assert b.controlled and not c.controlled  # 146 < 150 at 70, not < 140 at 50


def test_overdue_and_schedule(reg):
    b = reg[("B", "hypertension")]
    # last follow-up 1 August + 92 days = 1 November, overdue by 60 days on 31 December
    assert b.next_due == date(Y, 11, 1) and b.overdue and b.days_overdue == 60
    assert not b.on_schedule  # no follow-up in the fourth quarter
    assert reg[("A", "hypertension")].on_schedule and not reg[("A", "hypertension")].overdue
    # E joined in March (first follow-up of the year, none before): quarters 1–4 from Q1;
    # follow-ups in Q1 and Q4 only → not on schedule
    assert not reg[("E", "diabetes")].on_schedule


def test_diabetes_control_and_prescriptions(reg):
    assert reg[("E", "diabetes")].controlled and reg[("E", "diabetes")].found
    assert not reg[("F", "diabetes")].controlled  # no glucose at the last follow-up
    assert reg[("G", "hypertension")].long_prescription  # 84 days > 28
    assert not reg[("E", "diabetes")].long_prescription  # 28 days is not long
    assert reg[("E", "diabetes")].has_prescription


def test_contract_team_and_table(reg):
    assert reg[("A", "hypertension")].contracted and reg[("A", "hypertension")].team_id == "T9"
    assert reg[("B", "hypertension")].team_id == "T1"
    t = register_table(list(reg.values()))
    assert t.num_rows == len(reg) and t.column("controlled").to_pylist().count(True) == 3


def test_the_dead_leave_the_register():
    gone = build_register(RULES, Y, [fu("B", date(Y, 2, 1), 130, 80)], [], PERSONS,
                          deaths={"B": date(Y, 3, 1)})  # fmt: skip
    assert gone[0].managed and not gone[0].on_register and not gone[0].overdue
    before = build_register(RULES, Y, [fu("B", date(Y - 1, 2, 1), 130, 80)], [], PERSONS,
                            deaths={"B": date(Y - 1, 6, 1)})  # fmt: skip
    assert before == []


def test_expected_patients():
    rows = expected_rows(RULES, Y, [(date(2000, 1, 1), "v1")] * 10 + [(date(2010, 1, 1), "v1")])
    got = {r["disease"]: r for r in rows}
    assert got["hypertension"]["adults"] == 10  # the 14-year-old is not an adult
    assert got["hypertension"]["expected"] == pytest.approx(2.75)
    assert got["diabetes"]["expected"] == pytest.approx(1.19)
