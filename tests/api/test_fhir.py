"""The read-only FHIR face (`/fhir`): every answer is valid FHIR R4 (``fhir.resources`` R4B
models), searches agree with the store, and the scope rules of the referral inbox hold."""

from __future__ import annotations

from datetime import datetime

import pytest

from yigong.interop.fhir.validate import validate_resource


def _referrals(app, user: str):
    state = app.state.yigong
    scope = state.scope(state.users.get(user))
    from yigong.services.referral import referral_inbox

    return scope, referral_inbox(state.workflow(), scope.institutions, limit=10_000).items


def _all_pages(client, headers, url: str) -> list[dict]:
    out: list[dict] = []
    while url:
        r = client.get(url, headers=headers)
        assert r.status_code == 200, r.text
        assert r.headers["content-type"].startswith("application/fhir+json")
        body = r.json()
        assert validate_resource(body) == []
        out += [e["resource"] for e in body.get("entry", [])]
        nxt = [link["url"] for link in body["link"] if link["relation"] == "next"]
        url = nxt[0].replace("http://testserver", "") if nxt else ""
    return out


def test_metadata_is_a_valid_capability_statement(client):
    r = client.get("/fhir/metadata")
    assert r.status_code == 200
    cap = r.json()
    assert validate_resource(cap) == []
    assert cap["fhirVersion"] == "4.0.1"
    kinds = {
        res["type"]: {p["name"] for p in res["searchParam"]} for res in cap["rest"][0]["resource"]
    }
    assert {"status", "authored", "requester", "performer"} <= kinds["ServiceRequest"]
    assert {"status", "authored-on", "requester", "owner"} <= kinds["Task"]


@pytest.mark.parametrize("kind", ["ServiceRequest", "Task"])
def test_a_search_returns_every_referral_in_scope_as_valid_fhir(app, client, tokens, kind):
    scope, mine = _referrals(app, "county")
    assert mine, "the test world has referrals in the county"
    found = _all_pages(client, tokens["county"], f"/fhir/{kind}?_count=7")
    assert sorted(r["identifier"][0]["value"] for r in found) == sorted(r.referral_id for r in mine)
    for res in found:
        assert res["resourceType"] == kind
        if kind == "Task":
            assert isinstance(res["owner"], dict)  # one Reference, as FHIR allows


def test_a_town_sees_only_its_referrals_and_the_other_end_by_name(app, client, tokens):
    scope, mine = _referrals(app, "town")
    found = _all_pages(client, tokens["town"], "/fhir/ServiceRequest?_count=200")
    assert len(found) == len(mine) > 0
    hidden = scope.all_institutions - scope.institutions
    text = str(found)
    assert not [i for i in hidden if i in text]
    own = next(iter(scope.institutions))
    for sr in found:
        ends = [sr["requester"], *sr["performer"]]
        assert any(e.get("reference") == f"Organization/{own}" for e in ends)
        for e in ends:  # a counterpart outside the scope is a display, never a code
            assert "reference" in e or ("display" in e and e["display"] not in hidden)
        assert sr["subject"]["reference"] == f"Patient/pt-{sr['identifier'][0]['value']}"


def test_a_search_naming_an_institution_outside_the_scope_is_refused(app, client, tokens):
    scope, _ = _referrals(app, "town")
    other = sorted(scope.all_institutions - scope.institutions)[0]
    for url in (
        f"/fhir/ServiceRequest?requester=Organization/{other}",
        f"/fhir/ServiceRequest?performer={other}",
        f"/fhir/Task?owner=Organization/{other}",
    ):
        r = client.get(url, headers=tokens["town"])
        assert r.status_code == 403 and r.json()["error"]["code"] == "outside_scope", url
        assert other not in r.text


def test_filters_agree_with_the_store(app, client, tokens):
    _, mine = _referrals(app, "county")
    some = mine[len(mine) // 2]
    inst = some.requesting_institution
    when = some.requested_at
    day = when.strftime("%Y-%m-%d")
    found = _all_pages(
        client,
        tokens["county"],
        f"/fhir/ServiceRequest?requester=Organization/{inst}&authored=ge{day}&_count=200",
    )
    expected = {
        r.referral_id
        for r in mine
        if r.requesting_institution == inst and r.requested_at >= datetime.fromisoformat(day)
    }
    assert {r["identifier"][0]["value"] for r in found} == expected and expected
    done = _all_pages(client, tokens["county"], "/fhir/Task?status=completed&_count=200")
    assert {t["identifier"][0]["value"] for t in done} == {
        r.referral_id for r in mine if r.status.value == "records_returned"
    }
    steps = _all_pages(client, tokens["county"], "/fhir/Task?business-status=arrived,accepted")
    assert {t["businessStatus"]["coding"][0]["code"] for t in steps} <= {"arrived", "accepted"}
    assert len(steps) == sum(r.status.value in ("arrived", "accepted") for r in mine)


def test_a_read_returns_the_resource_and_refuses_what_is_not_in_scope(app, client, tokens):
    _, mine = _referrals(app, "town")
    rid = mine[0].referral_id
    r = client.get(f"/fhir/Task/task-{rid}", headers=tokens["town"])
    assert r.status_code == 200 and validate_resource(r.json()) == []
    assert r.json()["id"] == f"task-{rid}"
    for url in (f"/fhir/Task/sr-{rid}", "/fhir/ServiceRequest/sr-RFS-0000-000000"):
        r = client.get(url, headers=tokens["town"])
        assert r.status_code == 403 and r.json()["error"]["code"] == "outside_scope"
    _, county = _referrals(app, "county")
    mine_ids = {m.referral_id for m in mine}
    theirs = next(r.referral_id for r in county if r.referral_id not in mine_ids)
    r = client.get(f"/fhir/ServiceRequest/sr-{theirs}", headers=tokens["town"])
    assert r.status_code == 403 and r.json()["error"]["code"] == "outside_scope"


@pytest.mark.parametrize(
    "query",
    [
        "status=finished",
        "authored=2024-13",
        "authored=ap2024",
        "subject=Patient/x",
        "requester=Practitioner/1",
        "identifier=http://other|RFS-1",
        "_count=0",
    ],
)
def test_bad_search_parameters_are_a_clear_400(client, tokens, query):
    r = client.get(f"/fhir/ServiceRequest?{query}", headers=tokens["county"])
    assert r.status_code in (400, 422), r.text
    if r.status_code == 400:
        assert "search parameter" in r.json()["error"]["message"]


def test_the_face_needs_a_bearer_token_and_the_referral_permission(client, tokens):
    assert client.get("/fhir/ServiceRequest").status_code == 401
    r = client.get("/fhir/Task", headers=tokens["bureau"])  # insurance: no clinical workflow
    assert r.status_code == 403 and r.json()["error"]["code"] == "not_permitted"
