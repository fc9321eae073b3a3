"""The workflow store mapped onto the canonical tables (schema and code lists of yigong.schema)."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import numpy as np

import yigong.services.centres as centres
import yigong.services.contracts as contracts
import yigong.services.referral as referral
from yigong.schema import codes
from yigong.schema.tables import TABLES
from yigong.store import Store
from yigong.store.canonical import to_canonical_tables
from yigong.synth.graded_care import generate_graded_care
from yigong.warehouse.types import arrow_schema

from .synth_inputs import RATES, _institutions, _residents
from .world import actor, build

T0 = datetime(2025, 6, 1, 9)


def test_hand_built_world_maps_with_reasons(store: Store) -> None:
    build(store)
    up = referral.request_referral(
        store,
        actor("T1"),
        patient_key="P1",
        receiving_institution="CITY",
        direction="upward",
        diagnosis_icd10="C34.900",
        reason="r",
        at=T0,
    ).referral_id
    referral.approve_referral(store, up, actor("H1"), at=T0)
    referral.accept_referral(store, up, actor("CITY"), at=T0)
    referral.record_arrival(store, up, actor("CITY"), at=T0 + timedelta(days=1))
    down = referral.request_referral(
        store,
        actor("CITY"),
        patient_key="P1",
        receiving_institution="T1",
        direction="downward",
        diagnosis_icd10="C34.900",
        reason="回县康复",
        at=T0 + timedelta(days=9),
    ).referral_id
    rej = referral.request_referral(
        store,
        actor("T1"),
        patient_key="P2",
        receiving_institution="H1",
        direction="upward",
        diagnosis_icd10="J18.900",
        reason="r",
        at=T0,
    ).referral_id
    referral.reject_referral(store, rej, actor("T1"), reason="本院可治", at=T0)
    first = centres.order_centre_service(
        store,
        actor("T1"),
        patient_key="P1",
        service_code="IMG-CT-CHEST",
        centre_institution="H1",
        at=T0,
    )
    centres.report_centre_request(
        store, first.request.request_id, actor("H1"), report_text="x", at=T0 + timedelta(hours=20)
    )
    again = centres.order_centre_service(
        store,
        actor("T1"),
        patient_key="P1",
        service_code="IMG-CT-CHEST",
        centre_institution="H1",
        at=T0 + timedelta(days=5),
    )
    assert again.recognition is not None
    centres.decide_recognition(
        store, again.recognition.recognition_id, actor("T1"), recognised=True
    )
    consult = centres.order_centre_service(
        store, actor("T1"), patient_key="P1", service_code="CONSULT-REMOTE", centre_institution="H1"
    )
    contracts.create_team(store, "TM1", "T1", leader="gp", members=[("gp", "gp", "1")])
    contracts.sign_contract(
        store,
        actor("T1"),
        team_id="TM1",
        patient_key="P1",
        populations="elderly,hypertension",
        fee="120",
        signed_on=T0.date(),
    )
    export = to_canonical_tables(store)
    refs = {r["referral_id"]: r for r in export.tables["referrals"].to_pylist()}
    assert set(refs) == {up, rej}
    assert refs[up]["to_institution_id"] is None and refs[up]["to_provider_code"] == "CITY"
    assert refs[up]["is_out_of_county"] and refs[up]["status"] == "arrived"
    assert refs[up]["arrival_date"] == (T0 + timedelta(days=1)).date()
    assert refs[rej]["status"] == "declined" and refs[rej]["within_community"]
    exams = {e["exam_id"]: e for e in export.tables["examinations"].to_pylist()}
    assert exams[again.request.request_id]["cost"] == Decimal("0.00")
    assert exams[again.request.request_id]["recognised_exam_id"] == first.request.request_id
    assert exams[first.request.request_id]["exam_type"] == "ct"
    assert exams[first.request.request_id]["report_date"] == (T0 + timedelta(hours=20)).date()
    assert export.left_out == [
        (
            "referrals",
            down,
            "requesting institution is outside the county (canonical "
            "from_institution_id is a county member)",
        ),
        ("examinations", consult.request.request_id, "not an examination"),
    ]
    (contract,) = export.tables["family_doctor_contracts"].to_pylist()
    assert contract["key_population"] == "hypertension" and contract["institution_id"] == "T1"


def test_synthetic_store_fits_canonical_schemas_and_codes(store: Store) -> None:
    generate_graded_care(
        store, _institutions(), _residents(800), [2025], np.random.default_rng(5), rates=RATES
    )
    export = to_canonical_tables(store)
    icd10 = set(codes.code_values("icd10"))
    for name, table in export.tables.items():
        spec = next(t for t in TABLES if t.name == name)
        assert table.schema == arrow_schema(spec)
        for col in spec.columns:
            values = table[col.name].to_pylist()
            if col.required:
                assert None not in values, (name, col.name)
            if col.codes in codes.SMALL_CODE_SYSTEMS:
                allowed = set(codes.SMALL_CODE_SYSTEMS[col.codes])
                assert set(values) - {None} <= allowed, (name, col.name)
            elif col.codes == "icd10":
                assert set(values) - {None} <= icd10, (name, col.name, set(values) - icd10)
    refs = export.tables["referrals"]
    assert set(refs["status"].to_pylist()) <= set(codes.REFERRAL_STATUS)
    assert set(refs["direction"].to_pylist()) == {"up", "down"}
    assert set(export.tables["family_doctor_contracts"]["key_population"].to_pylist()) <= set(
        codes.KEY_POPULATION
    )
    assert set(export.tables["examinations"]["exam_type"].to_pylist()) <= set(codes.EXAM_TYPE)
    assert export.tables["examinations"].num_rows > 0 and refs.num_rows > 0
