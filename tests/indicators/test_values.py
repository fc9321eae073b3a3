"""Every computable indicator against values worked out by hand from tests/indicators/world.py.

Community C1 at the end of 2024 = H1 (tertiary, lead), H2 (TCM), T1 (township), V1 (village),
P1 (private, joined 2024-07-01). The comments show the arithmetic on the world's rows.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from yigong.indicators.evaluate import Status, evaluate
from yigong.indicators.periods import parse_period
from yigong.warehouse.hierarchy import parse_node

D = Decimal

# indicator: (numerator, denominator, value) for community:C1, 2024
C1_2024 = {
    # discharges 2024: d1 d2 d3 d4 d5 (H1) + d8 (T1) + d9 (H2) = 7
    # surgical (graded procedure): d1 d2 d3 d4 d9 = 5
    "T04": (5, 7, 5 / 7 * 100),
    "S01": (5, 7, 5 / 7 * 100),
    "T05": (2, 5, 40.0),  # minimally invasive graded: d1, d4
    "S02": (2, 5, 40.0),
    "T06": (1, 5, 20.0),  # grade 4: d1
    "S03": (1, 5, 20.0),  # grade 3: d3
    "C10": (2, 5, 40.0),  # grade 3 or 4: d1, d3
    "T03": (1, 4, 25.0),  # day surgery d4 / elective d1 d3 d4 d9 (d2 is emergency)
    # visits: H1 6 outpatient + 2 emergency + 1 check; T1 8 + 1 home visit; V1 5; H2 3; P1 4
    "T01": (26, 7, 26 / 7),  # outpatient visits 6+8+5+3+4 / discharges
    "T22": (2, 26, 2 / 26 * 100),  # 2 booked H1 outpatient visits (the booked emergency excluded)
    "T07.1": (1, 30, 1 / 30 * 100),  # one special-needs visit / 30 consultations
    "C03": (14, 30, 14 / 30 * 100),  # primary T1 9 + V1 5
    "C04": (13, 28, 13 / 28 * 100),  # primary outpatient+emergency 8 + 5 / 28
    # bed-days 5+3+10+1+7+4+8 = 38
    "H01": (38, 7, 38 / 7),
    "S13": (38, 7, 38 / 7),
    # cost 10000+6000+20000+3000+8000+2000+5000 = 54000; drugs 2500+1000+4500+200+1500+600+1000
    "H06": (D("54000"), 7, 54000 / 7),
    "H07": (D("11300"), 7, 11300 / 7),
    # O+E cost: H1 600+600, T1 400, V1 100, H2 240, P1 400 = 2340; drugs 440+160+50+150+200
    "H04": (D("2340"), 28, 2340 / 28),
    "H05": (D("1000"), 28, 1000 / 28),
    # growth against 2023 (H1: 4×90 + 200 = 560 over 5 visits; stays 16000 and 4000 over 2)
    "T38": (None, D("112"), (2340 / 28 - 112) / 112 * 100),
    "T39": (None, D("44"), (1000 / 28 - 44) / 44 * 100),
    "T40": (None, D("8000"), (54000 / 7 - 8000) / 8000 * 100),
    "T41": (None, D("2000"), (11300 / 7 - 2000) / 2000 * 100),
    # settlements of insured 410101 in 2024: inpatient s1 s2 (in county) s3 s4 (outside)
    "C01": (2, 4, 50.0),
    "C07": (2, 4, 50.0),
    # in-county encounters 30 + 7; out-of-county care s3 s4 s6 (s7 is a pharmacy purchase)
    "C02": (37, 40, 92.5),
    # fund: 5000+1000+8000+12000+30+100+50+20 = 26200; in county s1 s2 s5 s8 = 6050
    "C14": (D("6050"), D("26200"), 6050 / 26200 * 100),
    "C15": (D("1050"), D("6050"), 1050 / 6050 * 100),  # primary: s2 s5 (T1) + s8 (V1)
    "P19": (D("25000"), D("26000"), 25000 / 26000 * 100),  # DRG s1 s3 + DIP s4 / inpatient
    # referrals sent: up r1 r2 r6 (r5 cancelled); down r3 (r4 declined)
    "C05": (3, None, 3.0),
    "C06": (1, None, 1.0),
    "C06.R": (1, 7, 1 / 7 * 100),
    "T02": (1, None, 1.0),
    # staff at each institution's latest snapshot ≤ 2024-12-31 (H2 only has 2023):
    # physicians H1 10 + T1 3 + H2 5 = 18; nurses 20 + 4 + 6 = 30; pharmacists 2 + 1
    "T46": (30, 18, 30 / 18),
    "P07": (30, 18, 30 / 18),
    "T45.1": (2, 18, 2 / 18 * 100),
    "T45.2": (1, 18, 1 / 18 * 100),  # 儿科 at H1
    "T45.3": (1, 18, 1 / 18 * 100),  # 重症医学科 (an assistant physician) at H1
    "T45.4": (1, 18, 1 / 18 * 100),  # 病理科 at H1
    "T45.5": (6, 18, 6 / 18 * 100),  # TCM: H1 1 + H2 5
    "T44": (5, 54, 5 / 54 * 100),  # senior: 4 deputy-senior physicians + 1 senior nurse
    "T26": (3, 500, 0.6),  # pharmacists per 100 beds (300+120+30+50)
    "H09": (54, 500, 54 / 500),
    "P02": (18, 200000, 0.09),
    "P03": (30, 200000, 0.15),
    "P04": (3, 200000, 0.015),
    "P05": (3, 200000, 1.5 / 10),  # T1's 3 assistant physicians are GPs: 3 / 200,000 × 10,000
    "P01": (450, 200000, 2.25),  # public beds (P1 is private)
    "P01.ALL": (500, 200000, 2.5),
    "H02": (131600, 182500, 131600 / 182500 * 100),
    "C13": (131600, 182500, 131600 / 182500 * 100),
    "H03": (7, 500, 7 / 500),
    "T25": (131600, 18, 131600 / 18 / 365),
    # finance H1 + H2
    "T31": (D("40000000"), D("140000000"), 40 / 140 * 100),
    "C12": (D("40000000"), D("140000000"), 40 / 140 * 100),
    "T34": (D("1700000"), D("154000000"), 1.7 / 154 * 10000),
    "T36": (D("110000000"), D("250000000"), 44.0),
    "T37": (D("60000000"), D("80000000"), 75.0),
    "S14": (D("4000000"), D("140000000"), 4 / 140 * 100),  # 140M − (95M + 41M)
    "T33": (D("53000000"), D("136000000"), 53 / 136 * 100),  # 38M + 15M over 95M + 41M
    "S16": (D("53000000"), D("136000000"), 53 / 136 * 100),
    "T27": (D("30000000"), D("140000000"), 30 / 140 * 100),
    "T29": (D("70000000"), D("140000000"), 50.0),
    "S18": (D("55000000"), D("140000000"), 55 / 140 * 100),
    "T07.2": (D("1000000"), D("140000000"), 1 / 140 * 100),
    "H08": (D("140000000"), None, 140000000.0),
    # public health: village 400 + 200 of 1500 tasks; funds 70000 of 160000
    "P13": (600, 1500, 40.0),
    "P13.F": (D("70000"), D("160000"), 43.75),
    "C09": (3, 200000, 3 / 200000 * 100),  # p1 p3 p4 in force on 2024-12-31
    "CX1": (1, 4, 25.0),
    "P16": (1, 1, 100.0),  # H1 is the only tertiary public hospital, EMR 5
    "P17": (0, 1, 0.0),  # H2 is secondary with EMR 2
}


@pytest.fixture(scope="module")
def c1_2024(wh, cat):
    ev = evaluate(wh, cat, parse_node("community:C1"), parse_period("2024"))
    return {r.indicator: r for r in ev.results}


@pytest.mark.parametrize("ident", sorted(C1_2024))
def test_community_2024(c1_2024, ident):
    num, den, value = C1_2024[ident]
    r = c1_2024[ident]
    assert r.status is Status.OK, r.note
    if num is not None:
        assert r.numerator == num
    assert r.denominator == den
    assert r.value == pytest.approx(value, rel=1e-12)


def test_every_computable_indicator_has_a_hand_value(c1_2024, cat):
    computable = {i for i, r in c1_2024.items() if r.status is Status.OK}
    same_as = {i for i, ind in cat.indicators.items() if ind.same_as}
    assert computable - set(C1_2024) - same_as == set()


def test_casemix_indicators_are_not_computable(c1_2024):
    for ident in ("T14", "S05", "S26", "D1", "D5", "D6"):
        assert c1_2024[ident].status is Status.NOT_COMPUTABLE
        assert c1_2024[ident].value is None
        assert "drg_case_facts" in c1_2024[ident].note


def test_levels_and_period_types(wh, cat):
    ev = evaluate(wh, cat, parse_node("inst:H1"), parse_period("2024Q1"), ["P02", "H02", "T04"])
    got = {r.indicator: r for r in ev.results}
    assert got["P02"].status is Status.NOT_APPLICABLE  # population needs an area
    assert got["H02"].status is Status.NOT_APPLICABLE  # annual bed-days, quarter asked
    assert got["T04"].status is Status.OK


def test_quarter_uses_membership_at_its_end(wh, cat):
    # 2024Q1: P1 is not yet a member, so its March visits are not counted
    ev = evaluate(
        wh, cat, parse_node("community:C1"), parse_period("2024Q1"), ["T04", "C03", "T38"]
    )
    got = {r.indicator: r for r in ev.results}
    assert (got["T04"].numerator, got["T04"].denominator) == (2, 3)  # d1 d2 of d1 d2 d8
    assert got["C03"].denominator == 9  # H1's 9 visits in Q1; T1, V1, H2 visit later
    assert got["T04"].previous_period == "2023Q4" and got["T04"].previous_value is None
    # cost per O+E visit 2024Q1 = 1200/8 = 150 against 2023Q1 = 560/5 = 112
    assert got["T38"].value == pytest.approx((150 - 112) / 112 * 100)


def test_month_and_change(wh, cat):
    ev = evaluate(wh, cat, parse_node("inst:H1"), parse_period("202402"), ["T04", "H06"])
    got = {r.indicator: r for r in ev.results}
    assert (got["T04"].numerator, got["T04"].denominator, got["T04"].value) == (1, 1, 100.0)
    assert got["T04"].previous_value == 100.0 and got["T04"].change == 0.0
    assert got["H06"].value == 6000.0 and got["H06"].previous_value == 10000.0
    assert got["H06"].change == -4000.0


def test_city_aggregates_sums_not_rates(wh, cat):
    ev = evaluate(wh, cat, parse_node("410100"), parse_period("2024"), ["T04", "P18", "C01"])
    got = {r.indicator: r for r in ev.results}
    # C1's 5 of 7 plus B1's d10 (grade 4): 6 of 8, not the mean of 5/7 and 1/1
    assert (got["T04"].numerator, got["T04"].denominator) == (6, 8)
    assert got["P18"].value == 50.0  # counties 410101 and 410102; only 410101 has a community
    assert got["P18"].target is not None and got["P18"].target.met is True
    # city residents' admissions: s1 s2 s3 s4 (410101) and s9 (410102); inside the city
    # s1, s2, s3 (treated at city level 410100) and s9; only s4 (330100) is outside
    assert (got["C01"].numerator, got["C01"].denominator) == (4, 5)


def test_growth_needs_its_base_a_year_before(wh, cat):
    ev = evaluate(wh, cat, parse_node("inst:H2"), parse_period("2024"), ["T40", "T37"])
    got = {r.indicator: r for r in ev.results}
    assert got["T40"].status is Status.NO_VALUE  # H2 had no discharges in 2023
    assert "H06" in got["T40"].note


def test_population_takes_the_highest_level_present(wh, cat):
    # the province has no row: 2024 uses the city's own row (not city + counties), 2023 the
    # only county row there is; a township without rows has no population
    got = {}
    for node, period in (("410000", "2024"), ("410000", "2023"), ("410101001", "2024")):
        ev = evaluate(wh, cat, parse_node(node), parse_period(period), ["P02"], compare=False)
        got[(node, period)] = ev.results[0]
    assert got[("410000", "2024")].denominator == 1000000
    assert got[("410000", "2023")].denominator == 190000
    assert got[("410101001", "2024")].denominator == 0
    assert got[("410101001", "2024")].status is Status.NO_VALUE
