"""Every computable indicator against values worked out by hand from tests/indicators/world.py.

Community C1 at the end of 2024 = H1 (tertiary, lead), H2 (TCM), T1 (township), V1 (village),
P1 (private, joined 2024-07-01). The comments show the arithmetic on the world's rows.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.indicators.world import TOWNSHIP
from yigong.indicators.evaluate import Status, evaluate
from yigong.indicators.periods import parse_period
from yigong.warehouse.hierarchy import parse_node

D = Decimal

# indicator: (numerator, denominator, value) for community:C1, 2024
C1_2024 = {
    # discharges 2024: d1 d2 d3 d4 d5 (H1) + d8 (T1) + d9 (H2) = 7; the appraisal indicators
    # count the public hospitals H1 and H2 only: 6 discharges (d8 is at a township centre)
    # surgery = 手术 + 介入治疗 by code: d1 (36.0700 PCI, interventional), d2, d3, d4, d9;
    # d5's graded chest CT and haemodialysis are not surgery, nor is d3's chest X-ray
    "T04": (5, 6, 5 / 6 * 100),
    "S01": (5, 6, 5 / 6 * 100),
    "T05": (2, 5, 40.0),  # minimally invasive surgery: d1, d4
    "S02": (2, 5, 40.0),
    "T06": (1, 5, 20.0),  # grade 4: d1
    "S03": (1, 5, 20.0),  # grade 3: d3
    "C10": (2, 5, 40.0),  # county hospitals H1 H2, grade 3 or 4: d1, d3
    # day surgery d4 (its procedure flagged emergency: still elective, and counted in T03.Q)
    # over elective d1 d3 d9 + day-surgery d4 (d2 is emergency)
    "T03": (1, 4, 25.0),
    "T03.Q": (1, None, 1.0),
    # visits 2024: H1 6 outpatient + 2 emergency + 1 health check; T1 8 + 1 home visit; V1 5;
    # H2 3; P1 4. Consultations leave the health check out: 8 + 9 + 5 + 3 + 4 = 29
    "T01": (9, 6, 1.5),  # outpatient H1 6 + H2 3 / discharges of H1, H2
    "T22": (2, 9, 2 / 9 * 100),  # booked H1 outpatient visits (the booked emergency excluded)
    "T07.1": (1, 11, 1 / 11 * 100),  # one special-needs visit / H1 8 + H2 3 consultations
    "C03": (14, 29, 14 / 29 * 100),  # primary T1 9 + V1 5
    "C04": (13, 28, 13 / 28 * 100),  # primary outpatient+emergency 8 + 5 / 28
    "H13": (29, None, 29.0),
    "H10": (1, None, 1.0),
    "H14": (7, None, 7.0),
    # bed-days 5+3+10+1+7+4+8 = 38 (inpatient institutions H1 H2 T1 P1)
    "H01": (38, 7, 38 / 7),
    "S13": (34, 6, 34 / 6),  # H1 and H2 only: 38 − d8's 4
    # cost 10000+6000+20000+3000+8000+2000+5000 = 54000; drugs 2500+1000+4500+200+1500+600+1000
    "H06": (D("54000"), 7, 54000 / 7),
    "H07": (D("11300"), 7, 11300 / 7),
    # O+E cost: H1 600+600, T1 400, V1 100, H2 240, P1 400 = 2340; drugs 440+160+50+150+200
    "H04": (D("2340"), 28, 2340 / 28),
    "H05": (D("1000"), 28, 1000 / 28),
    # growth of the public hospitals' figures against 2023 (H1: 4×90 + 200 = 560 over 5
    # visits, drugs 220; stays 16000 and 4000 over 2); 2024 H1+H2: 1440 and 590 over 11 visits,
    # stays 52000 and 10700 over 6
    "T38": (None, D("112"), (1440 / 11 - 112) / 112 * 100),
    "T39": (None, D("44"), (590 / 11 - 44) / 44 * 100),
    "T40": (None, D("8000"), (52000 / 6 - 8000) / 8000 * 100),
    "T41": (None, D("2000"), (10700 / 6 - 2000) / 2000 * 100),
    # residents of C1 = persons living in township 410101001: ss1 ss2 ss3 ss5 (2024).
    # Their admissions s1 s2 (in their county) and s3 (city hospital)
    "C01": (2, 3, 2 / 3 * 100),
    "C07": (1, 3, 1 / 3 * 100),
    # in-county encounters 29 + 7; out-of-county care of C1's residents: s3
    "C02": (36, 37, 36 / 37 * 100),
    # their fund: 5000 + 1000 + 8000 + 30 = 14030; in their county s1 s2 s5 = 6030
    "C14": (D("6030"), D("14030"), 6030 / 14030 * 100),
    "C15": (D("1030"), D("6030"), 1030 / 6030 * 100),  # primary: s2 s5 (T1)
    # referrals sent whose patient arrived in 2024: up r2 r6 r7 (r1 never arrived, r5
    # cancelled; r7 was requested in 2023); down r3
    "C05": (3, None, 3.0),
    "C06": (1, None, 1.0),
    "C06.R": (1, 6, 1 / 6 * 100),  # county hospitals' down referrals / their discharges
    "T02": (1, None, 1.0),
    # staff at each institution's latest snapshot ≤ 2024-12-31 (H2 only has 2023):
    # public hospitals: physicians H1 10 + H2 5 = 15, nurses 20 + 6 = 26, pharmacists 2 + 0
    "T46": (26, 15, 26 / 15),
    "P07": (26, 15, 26 / 15),
    "T45.1": (2, 15, 2 / 15 * 100),
    "T45.2": (1, 15, 1 / 15 * 100),  # 儿科 at H1
    "T45.3": (1, 15, 1 / 15 * 100),  # 重症医学科 (an assistant physician) at H1
    "T45.4": (1, 15, 1 / 15 * 100),  # 病理科 at H1
    "T45.5": (6, 15, 6 / 15 * 100),  # TCM: H1 1 + H2 5
    "T44": (5, 46, 5 / 46 * 100),  # senior: 4 deputy-senior physicians + 1 senior nurse / 35 + 11
    "T26": (2, 420, 2 / 420 * 100),  # pharmacists per 100 beds of H1 (300) and H2 (120)
    "H09": (54, 500, 54 / 500),  # H1 35 + H2 11 + T1 8 over 300 + 120 + 30 + 50 beds
    # area = township 410101001, 120,000 residents; all members' staff and beds
    "P02": (18, 120000, 18 / 120),
    "P03": (30, 120000, 30 / 120),
    "P04": (3, 120000, 3 / 120),
    "P05": (3, 120000, 3 / 12),  # T1's 3 assistant physicians are GPs: 3 / 120,000 × 10,000
    "P01": (450, 120000, 450 / 120),  # public beds (P1 is private)
    "P01.ALL": (500, 120000, 500 / 120),
    "H02": (131600, 182500, 131600 / 182500 * 100),
    "H15": (131600, None, 131600.0),
    "C13": (5000, 10950, 5000 / 10950 * 100),  # T1, the only primary institution with beds
    "H03": (7, 182500, 7 * 365 / 182500),  # discharges / (open bed-days ÷ 365)
    # H1 + H2: occupied 87600 + 30000; physicians (15 at the end of 2024 + 13 a year before) / 2
    "T25": (117600, 14, 117600 / 14 / 365),
    # finance H1 + H2
    "T31": (D("40000000"), D("140000000"), 40 / 140 * 100),
    "C12": (D("40000000"), D("140000000"), 40 / 140 * 100),
    "T34": (D("1700000"), D("154000000"), 1.7 / 154 * 10000),
    "T36": (D("110000000"), D("250000000"), 44.0),
    "T37": (D("60000000"), D("80000000"), 75.0),
    # 医疗盈余: (140M + basic subsidy 9M) − (95M + 41M + admin 8M + 4M) over 149M
    "T35": (D("1000000"), D("149000000"), 1 / 149 * 100),
    "S14": (D("1000000"), D("149000000"), 1 / 149 * 100),
    "T33": (D("53000000"), D("148000000"), 53 / 148 * 100),  # 38M + 15M over 95M+41M+8M+4M
    "S16": (D("53000000"), D("148000000"), 53 / 148 * 100),
    "T27": (D("30000000"), D("140000000"), 30 / 140 * 100),
    "T28": (D("3000000"), D("30000000"), 10.0),  # s11: outpatient fund settled by H1
    "T29": (D("70000000"), D("140000000"), 50.0),
    "T30": (D("5000"), D("70000000"), 5000 / 70000000 * 100),  # s1 at H1
    "S18": (D("55000000"), D("140000000"), 55 / 140 * 100),
    "T07.2": (D("1000000"), D("140000000"), 1 / 140 * 100),
    "H08": (D("140000000"), None, 140000000.0),
    "H11": (D("44000000"), D("140000000"), 44 / 140 * 100),  # drug revenue 30M + 14M
    "H12": (D("10000000"), D("96000000"), 10 / 96 * 100),  # consumables 8M + 2M / (140M − 44M)
    # public health: village funds 50000 + 20000 of 160000; tasks 400 + 200 of 1500
    "P13.F": (D("70000"), D("160000"), 43.75),
    "P13.T": (600, 1500, 40.0),
    # P13 by standardised workload: V1 400 × 0.2 + 200 × 1 of T1 + V1 (120 + 300 + 80 + 200)
    "P13": (D("280"), D("700"), 40.0),
    # registers (world.add_public_health): C1's residents live in village 410101001001
    "PH01": (3, D("5.5"), 3 / 5.5 * 100),  # p1 p2 p3 managed of 5.5 expected
    "PH02": (2, 3, 2 / 3 * 100),  # p1 p2 with 4 follow-ups
    "PH03": (1, 3, 1 / 3 * 100),  # p1 controlled at the last follow-up
    "PH04": (1, D("2.38"), 1 / 2.38 * 100),
    "PH05": (1, 1, 100.0),
    "PH06": (1, 1, 100.0),
    "PH07": (3, 4, 75.0),  # p1 p2 p5 on schedule of p1 p2 p3 p5
    "PH08": (1, 3, 1 / 3 * 100),  # p1's long prescription of p1 p2 p5 with prescriptions
    "PH09": (4, D("5.5"), 4 / 5.5 * 100),  # p1 p2 p3 p6 found
    "PH10": (1, D("2.38"), 1 / 2.38 * 100),
    "PH11": (1, 3, 1 / 3 * 100),  # a2 unregistered of a1 a2 a3
    "PH12": (1, 2, 50.0),  # a3 not followed up of a1 a3
    "PH13": (1, 120000, 1 / 12),  # a1 avoidable per 10,000 of the township's 120,000
    "C09": (4, 120000, 4 / 1200),  # p1 p2 p3 p4 in force during 2024 (p2's ended in May)
    "CX1": (1, 4, 25.0),
    "P16": (1, 1, 100.0),  # H1 is the only tertiary public hospital, EMR 5
    "P17": (0, 1, 0.0),  # H2 is secondary with EMR 2
    # operations (H1 2024, world._operations): expense actuals 900000 + 150000 over the
    # approved 1000000 + the approved +100000 (the rejected +50000 does not count)
    "O01": (D("1050000"), D("1100000"), 1050000 / 1100000 * 100),
    "O02": (D("1700000"), D("1800000"), 1700000 / 1800000 * 100),  # 2000000 − 200000
    "O03": (D("-100000"), D("3000000"), -100000 / 3000000 * 100),  # +100000 − 200000
    "O04": (D("12000000"), D("148000000"), 12 / 148 * 100),  # admin 8M + 4M over 148M
    # department costs 120000 + 590000 over medical revenue 100M + 40M
    "O05": (D("710000"), D("140000000"), 710000 / 140000000 * 100),
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


def test_not_applicable_at_a_community(c1_2024):
    # a share of counties, a pooling-area fund share, one hospital's EMR level
    for ident in ("P18", "P19", "T24", "S11"):
        r = c1_2024[ident]
        assert r.status is Status.NOT_APPLICABLE and r.value is None
        assert r.note and r.note_zh


def test_levels_and_period_types(wh, cat):
    ev = evaluate(wh, cat, parse_node("inst:H1"), parse_period("2024Q1"), ["P02", "H02", "T04"])
    got = {r.indicator: r for r in ev.results}
    assert got["P02"].status is Status.NOT_APPLICABLE  # population needs an area
    assert got["H02"].status is Status.NOT_APPLICABLE  # annual bed-days, quarter asked
    assert "不适用于季度" in got["H02"].note_zh
    assert got["T04"].status is Status.OK


def test_institution_types(wh, cat):
    ids = ["T04", "C12", "P13", "H01", "C13"]
    t1 = {
        r.indicator: r
        for r in evaluate(wh, cat, parse_node("inst:T1"), parse_period("2024"), ids).results
    }
    assert t1["T04"].status is Status.NOT_APPLICABLE  # an appraisal of public hospitals
    assert "乡镇卫生院" in t1["T04"].note_zh
    assert t1["C12"].status is Status.NOT_APPLICABLE  # county hospitals only
    assert t1["P13"].status is Status.NOT_APPLICABLE  # a share of an area's work
    assert (t1["H01"].numerator, t1["H01"].denominator) == (4, 1)  # T1 admits inpatients
    assert t1["C13"].status is Status.OK
    v1 = {
        r.indicator: r
        for r in evaluate(wh, cat, parse_node("inst:V1"), parse_period("2024"), ids).results
    }
    assert v1["H01"].status is Status.NOT_APPLICABLE  # a village clinic has no beds
    # the county's C12 = the county hospitals (H1, H2), not P1 or the primary institutions
    county = evaluate(wh, cat, parse_node("410101"), parse_period("2024"), ["C12", "T04"])
    got = {r.indicator: r for r in county.results}
    assert (got["C12"].numerator, got["C12"].denominator) == (D("40000000"), D("140000000"))
    assert (got["T04"].numerator, got["T04"].denominator) == (5, 6)


def test_county_residents_and_settlements(wh, cat):
    ev = evaluate(wh, cat, parse_node("410101"), parse_period("2024"), ["C01", "C02", "P19", "C09"])
    got = {r.indicator: r for r in ev.results}
    # insured 410101: admissions s1 s2 (own county) s3 (city) s4 (Hangzhou)
    assert (got["C01"].numerator, got["C01"].denominator) == (2, 4)
    # consultations H1 8 + T1 9 + V1 5 + H2 3 + P1 4 + discharges 7; out of county s3 s4 s6
    assert (got["C02"].numerator, got["C02"].denominator) == (36, 39)
    # DRG/DIP fund share in the province: s1 + s3 (DRG) of s1 + s2 + s3; s4 (DIP, Zhejiang)
    # is an out-of-province settlement and is left out
    assert (got["P19"].numerator, got["P19"].denominator) == (D("13000"), D("14000"))
    assert (got["C09"].numerator, got["C09"].denominator) == (4, 200000)
    # the 90 % target binds C01 (the in-county share of admissions), not C02
    assert got["C01"].target is not None and got["C01"].target.value == 90
    assert got["C02"].target is None


def test_township_uses_its_residents(wh, cat):
    ev = evaluate(wh, cat, parse_node(TOWNSHIP), parse_period("2024"), ["P02", "C01", "C03", "P13"])
    got = {r.indicator: r for r in ev.results}
    assert (got["P02"].numerator, got["P02"].denominator) == (3, 120000)  # T1's physicians
    assert (got["C01"].numerator, got["C01"].denominator) == (2, 3)  # ss1 ss2 ss3
    assert got["C03"].status is Status.NOT_APPLICABLE  # all a township's care is primary
    assert (got["P13"].numerator, got["P13"].denominator) == (D("280"), D("700"))


def test_quarter_uses_membership_at_its_end(wh, cat):
    # 2024Q1: P1 is not yet a member, so its March visits are not counted
    ev = evaluate(
        wh, cat, parse_node("community:C1"), parse_period("2024Q1"), ["T04", "C03", "T38"]
    )
    got = {r.indicator: r for r in ev.results}
    assert (got["T04"].numerator, got["T04"].denominator) == (2, 2)  # d1 d2 (d8: T1, no hospital)
    assert got["C03"].denominator == 8  # H1's 8 consultations in Q1 (not its health check)
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
    # public hospitals H1 H2 (5 of 6) plus B1's d10: 6 of 7, not the mean of 5/6 and 1/1
    assert (got["T04"].numerator, got["T04"].denominator) == (6, 7)
    assert got["P18"].value == 50.0  # counties 410101 and 410102; only 410101 has a community
    assert got["P18"].target is not None and got["P18"].target.met is True
    # city residents' admissions: s1 s2 s3 s4 (410101) and s9 (410102); treated in their own
    # county: s1, s2 and s9 (s3 at a city hospital and s4 in Hangzhou are not)
    assert (got["C01"].numerator, got["C01"].denominator) == (3, 5)


def test_growth_needs_its_base_a_year_before(wh, cat):
    ev = evaluate(wh, cat, parse_node("inst:H2"), parse_period("2024"), ["T40", "T37"])
    got = {r.indicator: r for r in ev.results}
    assert got["T40"].status is Status.NO_VALUE  # H2 had no discharges in 2023
    assert "H06" in got["T40"].note


def test_population_takes_the_highest_level_present(wh, cat):
    # the province has no row: 2024 uses the city's own row (not city + counties), 2023 the
    # county row (not county + township); a township without rows has no population
    got = {}
    for node, period in (("410000", "2024"), ("410000", "2023"), ("410101002", "2024")):
        ev = evaluate(wh, cat, parse_node(node), parse_period(period), ["P02"], compare=False)
        got[(node, period)] = ev.results[0]
    assert got[("410000", "2024")].denominator == 1000000
    assert got[("410000", "2023")].denominator == 190000
    assert got[("410101002", "2024")].denominator == 0
    assert got[("410101002", "2024")].status is Status.NO_VALUE
