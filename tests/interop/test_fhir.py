"""Referrals as FHIR R4: every bundle of the tiny county validates with the official models
(``fhir.resources`` R4B), the Patient is pseudonymous, and the checker does fail on the faults
the old "FHIR-shaped" export had (issue 24: ``Task.owner`` as a list, an empty one)."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from yigong.interop.fhir.search import InvalidSearch, parse_search
from yigong.interop.fhir.validate import validate_bundles, validate_resource
from yigong.store import open_store


@pytest.fixture(scope="module")
def exported(tiny, tmp_path_factory):
    from yigong.services.fhir import export_referrals

    db, store_path, _ = tiny
    store = open_store(store_path)
    try:
        done = export_referrals(store, tmp_path_factory.mktemp("fhir") / "r.ndjson", db)
        from yigong.services.referral import referral_inbox

        total = referral_inbox(store, None, limit=1).total
    finally:
        store.dispose()
    bundles = [json.loads(line) for line in done.path.read_text(encoding="utf-8").splitlines()]
    return done, bundles, total


def test_every_referral_of_the_tiny_county_is_a_valid_fhir_bundle(exported):
    done, bundles, total = exported
    assert total > 0 and done.referrals == len(bundles) == total
    assert done.valid == total and done.errors == []
    assert validate_bundles(bundles).ok  # checked again from the file as written


def test_bundles_hold_the_referral_resources_and_codes_from_proper_systems(exported):
    _, bundles, _ = exported
    for b in bundles:
        kinds = [e["resource"]["resourceType"] for e in b["entry"]]
        assert kinds[:2] == ["ServiceRequest", "Task"] and kinds[-1] == "Patient"
        assert "Organization" in kinds
        sr, task = b["entry"][0]["resource"], b["entry"][1]["resource"]
        assert sr["code"]["coding"][0] == {
            "system": "http://snomed.info/sct",
            "code": "3457005",
            "display": "Patient referral",
        }
        assert isinstance(task["owner"], dict) and task["owner"] == sr["performer"][0]
        ids = {
            e["resource"]["id"]
            for e in b["entry"]
            if e["resource"]["resourceType"] == "Organization"
        }
        for ref in (sr["requester"], *sr["performer"]):
            assert ref["reference"].removeprefix("Organization/") in ids  # resolvable in-bundle
        for e in b["entry"]:
            r = e["resource"]
            if r["resourceType"] == "Organization":
                assert r["identifier"][0]["system"] == "urn:yigong:institution"
                if "partOf" in r:
                    assert r["partOf"]["identifier"]["system"] == "urn:yigong:gb-t-2260"
        provs = [e["resource"] for e in b["entry"] if e["resource"]["resourceType"] == "Provenance"]
        assert provs and all(p["target"] == [{"reference": f"Task/{task['id']}"}] for p in provs)


def test_the_patient_is_pseudonymous(exported):
    _, bundles, _ = exported
    for b in bundles:
        (pt,) = [e["resource"] for e in b["entry"] if e["resource"]["resourceType"] == "Patient"]
        assert set(pt) == {"resourceType", "id", "meta", "identifier"}  # no name, birth, sex
        assert pt["meta"]["security"][0]["code"] == "PSEUDED"
        (ident,) = pt["identifier"]
        assert ident["system"] == "urn:yigong:patient-pseudonym"
        assert len(ident["value"]) == 32 and int(ident["value"], 16) >= 0  # the HMAC pseudonym


def test_the_checker_fails_on_what_the_old_export_got_wrong(exported):
    _, bundles, _ = exported
    bad = json.loads(json.dumps(bundles[0]))
    task = bad["entry"][1]["resource"]
    task["owner"] = [task["owner"]]  # a list, as before
    assert validate_resource(bad)
    task["owner"] = []
    assert validate_resource(bad)
    sr = json.loads(json.dumps(bundles[0]["entry"][0]["resource"]))
    sr["status"] = "finished"  # the models leave required bindings unchecked; we do not
    assert validate_resource(sr) == [
        "ServiceRequest/" + sr["id"] + ": status 'finished' is not in the required value set"
    ]
    sr = json.loads(json.dumps(bundles[0]["entry"][0]["resource"]))
    sr["authoredOn"] = "2024-01-01T08:00:00"  # an instant without time zone
    assert validate_resource(sr)


def test_search_parameters_parse_into_the_store_query():
    q = parse_search(
        "Task",
        [
            ("status", "accepted,completed"),
            ("authored-on", "ge2024-03"),
            ("authored-on", "lt2024-06-01"),
            ("owner", "Organization/H1"),
            ("_count", "5"),
        ],
    )
    assert {s.value for s in q.statuses} == {"accepted", "records_returned"}
    assert q.receivers == {"H1"} and q.requesters is None
    assert [(r.start, r.end) for r in q.requested] == [
        (datetime(2024, 3, 1), None),
        (None, datetime(2024, 6, 1)),
    ]
    (day,) = parse_search("ServiceRequest", [("authored", "2024-02-29")]).requested
    assert (day.start, day.end) == (datetime(2024, 2, 29), datetime(2024, 3, 1))
    (month,) = parse_search("ServiceRequest", [("authored", "le2024-12")]).requested
    assert month.end == datetime(2025, 1, 1)
    assert parse_search("ServiceRequest", [("status", "draft")]).statuses == set()
    ids = parse_search("ServiceRequest", [("_id", "sr-RFS-1,task-RFS-2")]).referral_ids
    assert ids == {"RFS-1"}


@pytest.mark.parametrize(
    ("resource", "name", "value"),
    [
        ("ServiceRequest", "status", "in-progress"),  # a Task status, not a request status
        ("Task", "performer", "Organization/H1"),  # Task's performer is a type, not supported
        ("ServiceRequest", "authored", "2024-02-30"),
        ("ServiceRequest", "authored", "sa2024"),
        ("ServiceRequest", "requester", "Patient/1"),
        ("Task", "business-status", "done"),
    ],
)
def test_bad_search_parameters_name_the_parameter(resource, name, value):
    with pytest.raises(InvalidSearch, match=name):
        parse_search(resource, [(name, value)])
