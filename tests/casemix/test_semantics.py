"""The README's rules one by one (statuses, validation, newborns, trauma, sex, CC/MCC,
tags, Handan specifics), each as small hand-built cases run through both engines."""

from __future__ import annotations

import pytest

from tests.casemix.drg_helpers import HANDAN, NATIONAL
from yigong.casemix import Case, explain_case
from yigong.casemix.model import pack_model


def case(dx, px=(), sex=1, age=40, days=None, weight=None, cid="t") -> Case:
    return Case(
        cid,
        sex,
        age,
        days if days is not None else (age * 365 if age is not None else None),
        weight,
        tuple(dx),
        tuple(px),
    )


def one(grouper, c: Case, scheme=NATIONAL):
    return grouper([c], scheme)[0]


def rule(scheme, rule_id):
    return next(r for rs in pack_model(scheme).rules.values() for r in rs if r.rule_id == rule_id)


# --- README section 8: worked examples -------------------------------------------------------

EX1 = case(
    ["I61.900x002", "I10.x00x002", "G93.501", "J18.900", "J94.804"],
    ["01.3900x009", "01.2413", "31.1x00x005"],
    sex=2,
    age=67,
)
EX2 = case(["S75.000x004", "Q40.201", "C11.000", "S36.000x021"], sex=1, age=30)


def test_worked_example_1_falls_through_mdca_to_bb21(grouper):
    assert one(grouper, EX1)[:4] == ("grouped", "MDCB", "BB2", "BB21")
    tr = explain_case(EX1, NATIONAL)
    mdca = tr.mdc_steps[0]
    assert mdca.mdc == "MDCA" and mdca.entered and not any(r.held for r in mdca.rules)
    g93 = next(c for c in tr.complications if c.code == "G93.501")
    assert (g93.outcome, g93.exclusion_table, tr.principal_exclusion_table) == ("mcc", "74", "96")


@pytest.mark.parametrize("scheme", [NATIONAL, HANDAN])
def test_worked_example_2_multi_trauma_without_or_procedure(grouper, scheme):
    assert one(grouper, EX2, scheme)[:4] == ("grouped", "MDCZ", "ZZ1", "ZZ11")


# --- statuses and validation (README section 5, step 1) --------------------------------------


@pytest.mark.parametrize(
    "bad",
    [
        dict(sex=0),
        dict(sex=3),
        dict(sex=None),
        dict(age=None),
        dict(age=0, days=None),
        dict(age=0, days=28, weight=None),
        dict(dx=[]),
    ],
    ids=[
        "sex0",
        "sex3",
        "sex-missing",
        "age-missing",
        "age0-no-days",
        "newborn-no-weight",
        "no-dx",
    ],
)
def test_invalid_input(grouper, bad):
    args = dict(dx=["I61.900x002"], sex=1, age=40)
    args.update(bad)
    assert one(grouper, case(**args))[:4] == ("invalid_input", "", "", "")


@pytest.mark.parametrize(
    "ok",
    [dict(age=0, days=29, weight=None), dict(age=0, days=5, weight=0), dict(age=40, days=None)],
    ids=["29-days-no-weight", "weight-0", "adult-no-days"],
)
def test_valid_edge_inputs_are_grouped(grouper, ok):
    args = dict(dx=["I61.900x002"], sex=1)
    args.update(ok)
    assert one(grouper, case(**args))[0] != "invalid_input"


def test_ungroupable_when_no_mdc_decides(grouper):
    assert one(grouper, case(["NOT-A-CODE"]))[:4] == ("ungroupable", "", "", "")
    # a non-OR principal procedure does not open MDCA either
    assert one(grouper, case(["NOT-A-CODE"], ["99.9999x999"]))[0] == "ungroupable"


def test_codes_are_exact_strings(grouper):
    assert one(grouper, case(["I61.900X002"]))[0] == "ungroupable"  # case matters
    assert one(grouper, case([" I61.900x002"]))[0] == "ungroupable"  # no trimming


def test_single_diagnosis_has_no_complication_flags():
    tr = explain_case(case(["I61.900x002"]), NATIONAL)
    assert (tr.has_mcc, tr.has_cc, tr.complications) == (False, False, [])


# --- CC/MCC and exclusion tables (step 2, section 6.4) ---------------------------------------

MCC_SAME_TABLE = "I60.000"  # MCC of exclusion table 96, the table of principal I61.900x002
MCC_TABLE_999 = "U82.100"


def test_mcc_of_the_principal_table_is_excluded(grouper):
    base = ["I61.900x002"]
    px = ["01.3900x009"]
    assert one(grouper, case(base + [MCC_SAME_TABLE], px))[3] == "BB25"
    assert one(grouper, case(base + ["G93.501"], px))[3] == "BB21"
    assert [d.drg for d in pack_model(NATIONAL).drgs["BB2"]] == ["BB21", "BB25"]
    assert one(grouper, case(base + ["J18.900"], px))[3] == "BB25"  # a CC alone in a 1/5 split
    assert one(grouper, case(base, px))[3] == "BB25"
    tr = explain_case(case(base + [MCC_SAME_TABLE], px), NATIONAL)
    assert tr.complications[0].outcome == "excluded" and "96" in tr.complications[0].reason


def test_table_999_is_never_excluded(grouper):
    m = pack_model(NATIONAL)
    assert "999" not in set(m.principal_exclusions.values())
    assert one(grouper, case(["I61.900x002", MCC_TABLE_999], ["01.3900x009"]))[3] == "BB21"


def test_principal_diagnosis_is_never_counted(grouper):
    m = pack_model(NATIONAL)
    assert m.complications["I60.000"][0] == "MCC"
    tr = explain_case(case(["I60.000"]), NATIONAL)
    assert not tr.has_mcc and not tr.has_cc


def _adrg_with_split(scheme, suffixes):
    m = pack_model(scheme)
    for rs in m.rules.values():
        for r in rs:
            if "".join(d.drg[-1] for d in m.drgs[r.adrg]) == suffixes and r.kind == "principal_dx":
                return m, r
    raise AssertionError(suffixes)


def _cc_and_mcc_for(m, pdx):
    pt = m.principal_exclusions.get(pdx)
    cc = next(
        c
        for c, (s, t) in sorted(m.complications.items())
        if s == "CC" and t != pt and c not in m.mdc_dx
    )
    mcc = next(c for c, (s, t) in sorted(m.complications.items()) if s == "MCC" and t != pt)
    return cc, mcc


@pytest.mark.parametrize(
    "suffixes,expect",
    [
        ("15", ("5", "1", "5")),
        ("35", ("3", "3", "5")),
        ("135", ("3", "1", "5")),
        ("9", ("9", "9", "9")),
    ],
)
def test_drg_conditions_by_split(grouper, suffixes, expect):
    """cc only / mcc / none, per split pattern: an MCC in a 3/5 ADRG goes to 3; a CC in 1/5 to 5."""
    m, r = _adrg_with_split(NATIONAL, suffixes)
    pdx = next(c for c in sorted(r.lists["dx"]) if c in m.mdc_dx[r.mdc])
    tr = explain_case(case([pdx]), NATIONAL)
    assert tr.adrg == r.adrg, "the chosen principal diagnosis must reach this ADRG"
    cc, mcc = _cc_and_mcc_for(m, pdx)
    sex = 2 if r.mdc == "MDCN" else 1
    got = [one(grouper, case(dx, sex=sex))[3] for dx in ([pdx, cc], [pdx, mcc], [pdx])]
    assert got == [r.adrg + s for s in expect]


# --- newborns and birth weight (section 7) ---------------------------------------------------


def _ps_principal(scheme=NATIONAL):
    m = pack_model(scheme)
    ps1, pr1 = rule(scheme, "PS1"), rule(scheme, "PR1")
    return next(c for c in sorted(ps1.lists["dx"] & m.mdc_dx["MDCP"]) if c not in pr1.lists["dx"])


@pytest.mark.parametrize(
    "weight,adrg",
    [
        (700, "PS1"),
        (1499, "PS1"),
        (1500, "PS2"),
        (1999, "PS2"),
        (2000, "PS3"),
        (2499, "PS3"),
        (2500, "PS4"),
        (4200, "PS4"),
    ],
)
def test_weight_bands_lower_inclusive_upper_exclusive(grouper, weight, adrg):
    assert one(grouper, case([_ps_principal()], age=0, days=3, weight=weight))[2] == adrg


def test_weight_zero_matches_no_band_and_weight_list_counts_any_diagnosis(grouper):
    pdx = _ps_principal()
    assert one(grouper, case([pdx], age=0, days=3, weight=0))[2] not in {"PS1", "PS2", "PS3", "PS4"}
    pu1 = rule(NATIONAL, "PU1")
    other = next(c for c in sorted(pu1.lists["dx"]) if c not in rule(NATIONAL, "PR1").lists["dx"])
    assert one(grouper, case([other], age=0, days=3, weight=3000))[2] == "PU1"
    assert (
        one(grouper, case([other, pdx], age=0, days=3, weight=1200))[2] == "PS1"
    )  # weight code as secondary


def test_newborn_age_limit_is_28_days_inclusive(grouper):
    pdx = _ps_principal()
    assert one(grouper, case([pdx], age=0, days=28, weight=1200))[2] == "PS1"
    # 29 days: MDCP is entered but no newborn rule holds; nationally PV1 (always) takes it
    assert one(grouper, case([pdx], age=0, days=29, weight=1200))[:3] == ("grouped", "MDCP", "PV1")
    assert one(grouper, case([pdx], age=1, days=400, weight=1200))[1] != "MDCP"  # MDCP needs age 0


def test_handan_pv1_is_a_list_so_unlisted_infants_fall_through(grouper):
    m = pack_model(HANDAN)
    pv1 = rule(HANDAN, "PV1")
    assert pv1.kind == "principal_dx"
    outside = next(c for c in sorted(m.mdc_dx["MDCP"] - pv1.lists["dx"]))
    assert one(grouper, case([outside], age=0, days=100), NATIONAL)[2] == "PV1"
    assert one(grouper, case([outside], age=0, days=100), HANDAN)[2] != "PV1"


# --- multi-trauma (6.1, 7) -------------------------------------------------------------------


def test_mdcz_needs_two_distinct_regions(grouper):
    m = pack_model(NATIONAL)
    regions = m.trauma["MDCZ"]
    same = next(
        c for c, g in sorted(regions.items()) if g == regions["S75.000x004"] and c != "S75.000x004"
    )
    assert one(grouper, case(["S75.000x004", same]))[1] != "MDCZ"
    assert one(grouper, case(["S75.000x004", "S75.000x004"]))[1] != "MDCZ"  # duplicates count once
    assert one(grouper, case(["S75.000x004", "S36.000x021"]))[1] == "MDCZ"
    assert one(grouper, case(["S75.000x004", same, "S36.000x021"]))[1] == "MDCZ"


# --- sex-specific MDCs -----------------------------------------------------------------------


def test_mdcm_and_mdcn_need_the_matching_sex(grouper):
    m = pack_model(NATIONAL)
    male = next(
        c
        for c in sorted(m.mdc_dx["MDCM"])
        if not any(c in m.mdc_dx[x] for x in m.mdc_dx if x != "MDCM")
    )
    female = next(
        c
        for c in sorted(m.mdc_dx["MDCN"])
        if not any(c in m.mdc_dx[x] for x in m.mdc_dx if x != "MDCN")
    )
    assert one(grouper, case([male], sex=1))[1] == "MDCM"
    assert one(grouper, case([male], sex=2))[0] == "ungroupable"
    assert one(grouper, case([female], sex=2))[1] == "MDCN"
    assert one(grouper, case([female], sex=1))[0] == "ungroupable"


# --- tagged procedures (6.3) and the Handan replacements (10, 11.1) --------------------------


def _tagged(scheme_rule, tag):
    r = rule(NATIONAL, scheme_rule)
    return sorted(c for c, t in r.tags.items() if t == tag)


def test_tagged_procedures_national(grouper):
    ja1 = rule(NATIONAL, "JA1")
    pdx = sorted(ja1.lists["dx"])[0]
    t1, t2, t3, t4 = (_tagged("JA1", k)[0] for k in (1, 2, 3, 4))
    female = dict(sex=2)
    assert one(grouper, case([pdx], [t1, t2], **female))[2] == "JA1"  # 1 and 2
    assert (
        one(grouper, case([pdx], [t3, t1, t4], **female))[2] == "JA1"
    )  # 1 and 3 and 4, any position
    assert one(grouper, case([pdx], [t1, t3], **female))[2] != "JA1"
    # JA2's tag 1 list is JA1's tag 2 list: alone it satisfies "1 or (2 and 3)" of JA2 only
    assert _tagged("JA2", 1) == _tagged("JA1", 2)
    assert one(grouper, case([pdx], [t2], **female))[2] == "JA2"
    assert one(grouper, case([pdx], [], **female))[2] != "JA2"


def test_handan_ja2_1_takes_the_principal_diagnosis_alone(grouper):
    pdx = sorted(rule(HANDAN, "JA2_1").lists["dx"])[0]
    assert one(grouper, case([pdx], sex=2), HANDAN)[2:5] == ("JA2", "JA29", "JA2_1")
    assert one(grouper, case([pdx], sex=2), NATIONAL)[2] != "JA2"


def test_handan_mdca_entry_by_listed_procedure():
    c = case(["NOT-A-CODE"], ["96.0400"])
    nat = explain_case(c, NATIONAL)
    han = explain_case(c, HANDAN)
    assert not nat.mdc_steps[0].entered
    assert han.mdc_steps[0].entered and han.status == "ungroupable"


def test_handan_or1_uses_a_secondary_diagnosis(grouper):
    m = pack_model(HANDAN)
    or1 = rule(HANDAN, "OR1")
    earlier = [x for x in m.rules["MDCO"] if x.seq < or1.seq]
    early_dx = {c for x in earlier if x.kind == "principal_dx" for c in x.lists["dx"]}
    pdx = next(
        c
        for c in sorted(m.mdc_dx["MDCO"])
        if c not in early_dx
        and c not in or1.lists["dx2"]
        and all(
            c not in m.mdc_dx[x]
            for x in (
                "MDCY",
                "MDCB",
                "MDCC",
                "MDCD",
                "MDCE",
                "MDCF",
                "MDCG",
                "MDCH",
                "MDCI",
                "MDCJ",
                "MDCK",
                "MDCL",
            )
        )
    )
    sdx = sorted(or1.lists["dx2"])[0]
    assert one(grouper, case([pdx, sdx], sex=2, age=28), HANDAN)[2] == "OR1"
    assert (
        one(grouper, case([sdx, pdx], sex=2, age=28), HANDAN)[4] != "OR1"
    )  # principal is not a secondary
