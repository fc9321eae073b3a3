"""Synthetic activity and the warehouse feed, on both backends."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import numpy as np
import pyarrow.compute as pc
import pytest

import yigong.services.centres as centres
import yigong.services.contracts as contracts
import yigong.services.referral as referral
from yigong.graded_care.centres.catalog import load_centre_catalog
from yigong.graded_care.referrals.machine import Parties, decide
from yigong.store import Store
from yigong.store.feed import FEED_SCHEMAS, export_tables
from yigong.synth.graded_care import generate_graded_care

from .synth_inputs import COUNTY, RATES, _institutions, _residents
from .world import actor, build


def test_synthetic_activity_is_legal_and_reproducible(store: Store, tmp_path) -> None:  # type: ignore[no-untyped-def]
    summary = generate_graded_care(
        store,
        _institutions(),
        _residents(1500),
        [2024, 2025],
        np.random.default_rng(11),
        rates=RATES,
    )
    assert summary.skipped_institutions == {"CDC": "unknown institution type 'public_health'"}
    assert summary.referrals > 50 and summary.recognitions > 5 and summary.contracts > 200
    tables = export_tables(store)
    for name, schema in FEED_SCHEMAS.items():
        assert tables[name].schema == schema
    refs = tables["wf_referrals"]
    assert refs.num_rows == summary.referrals
    assert set(refs["scope"].to_pylist()) == {"intra_community", "inter_community", "out_of_county"}
    assert set(refs["direction"].to_pylist()) == {"upward", "downward"}
    # replay every generated trail through the real state machine
    for rid in refs["referral_id"].to_pylist():
        rec = referral.get_referral(store, rid)
        parties = Parties(
            rec.requesting_institution,
            rec.receiving_institution,
            frozenset(rec.reviewers),
            rec.direction,
        )
        status = None
        for e in rec.events:
            status = decide(status, e.action, e.institution_id, parties, e.reason).target
            assert status is e.to_status
        assert status is rec.status and rec.version == len(rec.events)
    # the services keep working on generated data (ids, sequences, versions)
    done = next(r for r in refs.to_pylist() if r["status"] == "records_returned")
    rec = referral.get_referral(store, done["referral_id"])
    primary = (
        rec.requesting_institution
        if rec.direction.value == "upward"
        else (rec.receiving_institution)
    )
    after = referral.record_follow_up(
        store, rec.referral_id, actor(primary), at=rec.updated_at + timedelta(days=1)
    )
    assert after.version == rec.version + 1 and after.events[-1].action.value == "follow_up"
    # recognitions respect the windows of the service catalog
    catalog = load_centre_catalog(COUNTY)
    for rec in tables["wf_recognitions"].to_pylist():
        assert rec["days_between"] <= catalog.services[rec["service_code"]].recognition_window_days
        assert (rec["avoided"] > 0) == (rec["status"] == "recognised")
    # fee lines conserve each team-year's contract income
    fees = tables["wf_contracts"].to_pandas()
    fees["year"] = fees["start_on"].map(lambda d: d.year)
    lines = tables["wf_contract_fee_lines"].to_pandas()
    assert (
        fees.groupby(["team_id", "year"])["fee"].sum().sort_index()
        == lines.groupby(["team_id", "year"])["amount"].sum().sort_index()
    ).all()
    team = lines[lines.recipient_kind == "team_member"].groupby(["team_id", "year"])["amount"].sum()
    total = lines.groupby(["team_id", "year"])["amount"].sum()
    assert ((team / total) >= Decimal("0.699")).all()
    # same seed, same content
    other = Store(f"sqlite:///{tmp_path}/again.sqlite")
    generate_graded_care(
        other,
        _institutions(),
        _residents(1500),
        [2024, 2025],
        np.random.default_rng(11),
        rates=RATES,
    )
    again = export_tables(other)
    for name in FEED_SCHEMAS:
        assert (
            again[name]
            .drop_columns([c for c in ("service_id",) if c in again[name].column_names])
            .equals(
                tables[name].drop_columns(
                    [c for c in ("service_id",) if c in tables[name].column_names]
                )
            )
        ), name
    other.dispose()


def test_feed_of_hand_built_world(store: Store) -> None:
    build(store)
    t0 = datetime(2025, 4, 1, 8)
    rid = referral.request_referral(
        store,
        actor("T1"),
        patient_key="P1",
        receiving_institution="H1",
        direction="upward",
        diagnosis_icd10="I63.9",
        reason="卒中",
        at=t0,
    ).referral_id
    referral.approve_referral(store, rid, actor("T1"), at=t0 + timedelta(hours=1))
    referral.accept_referral(store, rid, actor("H1"), at=t0 + timedelta(hours=2))
    referral.record_arrival(store, rid, actor("H1"), at=t0 + timedelta(hours=5))
    order = centres.order_centre_service(
        store,
        actor("T1"),
        patient_key="P1",
        service_code="IMG-CT-HEAD",
        centre_institution="H1",
        at=t0,
    )
    centres.report_centre_request(
        store,
        order.request.request_id,
        actor("H1"),
        report_text="ok",
        at=t0 + timedelta(minutes=95),
    )
    again = centres.order_centre_service(
        store,
        actor("T2"),
        patient_key="P1",
        service_code="IMG-CT-HEAD",
        centre_institution="H2",
        at=t0 + timedelta(days=3),
    )
    assert again.recognition is not None
    centres.decide_recognition(
        store, again.recognition.recognition_id, actor("T2"), recognised=True
    )
    contracts.create_team(store, "TM1", "T1", leader="gp", members=[("gp", "gp", "1")])
    cid = contracts.sign_contract(
        store,
        actor("T1"),
        team_id="TM1",
        patient_key="P1",
        populations="elderly",
        fee="120",
        signed_on=t0.date(),
    ).contract_id
    contracts.record_contract_service(
        store, actor("T1"), contract_id=cid, service_type="home_visit", delivered_on=t0.date()
    )
    contracts.distribute_team_fees(store, "TM1", 2025)
    tables = export_tables(store)
    r = tables["wf_referrals"].to_pylist()[0]
    assert r["requesting_level"] == "township" and r["receiving_level"] == "county"
    assert r["in_county"] is True and r["arrived_at"] == t0 + timedelta(hours=5)
    assert r["returned_at"] is None and r["follow_ups"] == 0
    assert tables["wf_referral_events"].num_rows == 4
    c = tables["wf_centre_requests"]
    assert pc.sum(c["turnaround_minutes"]).as_py() == 95
    assert sorted(c["status"].to_pylist()) == ["avoided", "reported"]
    rec = tables["wf_recognitions"].to_pylist()[0]
    assert rec["avoided"] == Decimal("220.00") and rec["requesting_institution"] == "T2"
    k = tables["wf_contracts"].to_pylist()[0]
    assert k["is_elderly"] and not k["is_child"] and k["services"] == 1
    assert k["institution_id"] == "T1" and k["fee"] == Decimal("120.00")
    assert tables["wf_contract_services"].num_rows == 1
    assert sum(x["amount"] for x in tables["wf_contract_fee_lines"].to_pylist()) == Decimal(
        "120.00"
    )


def test_generator_refuses_a_county_without_primary_members(store: Store) -> None:
    with pytest.raises(ValueError, match="township-level"):
        generate_graded_care(
            store,
            [
                {
                    "institution_id": "H1",
                    "type": "county_general",
                    "community_id": "C1",
                    "county_code": COUNTY,
                }
            ],
            _residents(10),
            [2025],
            np.random.default_rng(0),
        )


def test_inputs_from_the_project_synthetic_county(store: Store) -> None:
    from datetime import date

    from yigong.synth.generate import generate_tables
    from yigong.synth.graded_care import inputs_from_canonical

    world = generate_tables("tiny", years=(2024,))
    with pytest.raises(ValueError, match="pseudonymised"):
        inputs_from_canonical(
            world["institutions"],
            world["community_memberships"],
            world["persons"],
            "130423",
            date(2024, 1, 1),
        )
    insts, people = inputs_from_canonical(
        world["institutions"],
        world["community_memberships"],
        world["persons"],
        "130423",
        date(2024, 1, 1),
        key_column="id_number",
    )
    assert len(people) == world["persons"].num_rows
    assert sum(p["home_institution_id"] is not None for p in people) > 0.9 * len(people)
    assert sum(i["is_lead"] for i in insts) == 1
    outside = [
        {
            "institution_id": "H13040200001",
            "name": "邯郸市中心医院",
            "type": "city_hospital",
            "county_code": "130402",
            "weight": 3,
        },
        {
            "institution_id": "H13010200001",
            "name": "河北医科大学第二医院",
            "type": "provincial_hospital",
            "county_code": "130102",
            "weight": 1,
        },
    ]
    summary = generate_graded_care(
        store,
        insts,
        people,
        [2024],
        np.random.default_rng(1),
        rates=RATES,
        outside_providers=outside,
    )
    assert summary.referrals > 0 and summary.contracts > 0 and not summary.skipped_institutions
    refs = export_tables(store)["wf_referrals"].to_pylist()
    out = {r["receiving_institution"] for r in refs if r["scope"] == "out_of_county"}
    assert out and out <= {"H13040200001", "H13010200001"}


def test_graded_care_summary_matches_the_feed(store: Store) -> None:
    generate_graded_care(
        store,
        _institutions(),
        _residents(1000),
        [2024, 2025],
        np.random.default_rng(8),
        rates=RATES,
    )
    summary = referral.graded_care_summary(store, 2025)
    refs = [
        r
        for r in export_tables(store)["wf_referrals"].to_pylist()
        if r["requested_at"].year == 2025
    ]
    up = [r for r in refs if r["direction"] == "upward"]
    assert summary["referrals"] == len(refs)
    share = summary["out_of_county_share_of_upward"]
    assert share["numerator"] == sum(r["scope"] == "out_of_county" for r in up)
    assert share["denominator"] == len(up)
    assert summary["in_county_share_of_upward"]["numerator"] + share["numerator"] == len(up)
    recs = [
        r
        for r in export_tables(store)["wf_recognitions"].to_pylist()
        if r["flagged_at"].year == 2025
    ]
    assert summary["recognition"]["rate"]["numerator"] == sum(
        r["status"] == "recognised" for r in recs
    )
    assert summary["contracts"]["year"] == 2025 and summary["contracts"]["contracts"] > 0
