"""Settlement (global budget) and the referral inbox: scope filtering, legal and refused steps."""

from __future__ import annotations

import pytest

from tests.api.conftest import login
from tests.api.world import PASSWORD
from yigong.access.views import settlement

TOWN = "H13042300100"


def _inbox(client, tokens, user: str, **params: str) -> dict:
    r = client.get("/api/v1/referrals", headers=tokens[user], params=params)
    assert r.status_code == 200, r.text
    return r.json()


def test_inbox_is_filtered_to_the_scope(client, tokens):
    county = _inbox(client, tokens, "county")
    town = _inbox(client, tokens, "town")
    assert county["total"] > town["total"] > 0
    for r in town["items"]:
        ends = {r["requesting_institution"], r["receiving_institution"]}
        assert TOWN in ends
        assert ends - {TOWN} <= {"(outside scope)", TOWN}
        assert "patient_key" not in r
        other = "receiving" if r["requesting_institution"] == TOWN else "requesting"
        assert r[f"{other}_name"]  # the counterpart, shown by name
    assert _inbox(client, tokens, "elsewhere")["total"] == 0
    arrived = _inbox(client, tokens, "county", status="records_returned")
    assert arrived["items"] and {r["status"] for r in arrived["items"]} == {"records_returned"}
    r = client.get("/api/v1/referrals?status=lost", headers=tokens["county"])
    assert r.status_code == 422


def _returned_upward(client, tokens, end: str = TOWN) -> dict:
    items = _inbox(client, tokens, "county", status="records_returned")["items"]
    return next(
        r for r in items if r["direction"] == "upward" and r["requesting_institution"] == end
    )  # the township sent the patient up; it follows up


def test_a_legal_step_is_performed_and_audited(app, client, tokens):
    ref = _returned_upward(client, tokens)
    url = f"/api/v1/referrals/{ref['referral_id']}/actions/follow_up"
    r = client.post(url, headers=tokens["town"], json={"action": "follow_up", "reason": "电话随访"})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "records_returned" and r.json()["version"] > ref["version"]
    audit = app.state.yigong.users.audit_rows()
    assert any(
        a["action"] == "referral.follow_up"
        and ref["referral_id"] in a["detail"]
        and a["actor"] == "town"
        for a in audit
    )


def test_a_user_holding_both_ends_says_which_acts(app, client, tokens):
    store = app.state.yigong.users
    if store.get("twoends") is None:
        store.add(
            "twoends", PASSWORD, "institution", [f"inst:{TOWN}", "inst:H13042300001"], actor="tests"
        )
    headers = login(client, "twoends")
    ref = _returned_upward(client, tokens)
    url = f"/api/v1/referrals/{ref['referral_id']}/actions/follow_up"
    r = client.post(url, headers=headers, json={"action": "follow_up"})
    assert r.status_code == 400 and "institution" in r.json()["error"]["message"]
    r = client.post(url, headers=headers, json={"action": "follow_up", "institution": TOWN})
    assert r.status_code == 200, r.text


def test_an_illegal_step_is_409_with_the_error_object(app, client, tokens):
    ref = _returned_upward(client, tokens)
    url = f"/api/v1/referrals/{ref['referral_id']}/actions/accept"
    r = client.post(url, headers=tokens["town"], json={"action": "accept"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "illegal_transition"
    assert set(r.json()["error"]) == {"code", "message", "detail"}
    assert any(
        a["action"] == "referral.accept.refused" for a in app.state.yigong.users.audit_rows()
    )
    r = client.post(
        f"/api/v1/referrals/{ref['referral_id']}/actions/teleport",
        headers=tokens["town"],
        json={"action": "teleport"},
    )
    assert r.status_code == 404 and r.json()["error"]["code"] == "unknown_action"
    r = client.post(url, headers=tokens["town"], json={"action": "approve"})  # body ≠ path
    assert r.status_code == 400 and r.json()["error"]["code"] == "action_missing"


def test_a_referral_outside_the_scope_is_403(client, tokens):
    county = _inbox(client, tokens, "county")["items"]
    other = next(
        r for r in county if TOWN not in (r["requesting_institution"], r["receiving_institution"])
    )
    for user, rid in (("town", other["referral_id"]), ("village", "RF-does-not-exist")):
        r = client.post(
            f"/api/v1/referrals/{rid}/actions/follow_up",
            headers=tokens[user],
            json={"action": "follow_up"},
        )
        assert r.status_code == 403, (user, r.text)
        assert r.json()["error"]["code"] == "outside_scope"
        assert rid not in r.json()["error"]["message"] + str(r.json()["error"]["detail"])
    for user in ("county", "elsewhere", "bureau", "auditor"):  # roles that never act on referrals
        r = client.post(
            f"/api/v1/referrals/{other['referral_id']}/actions/follow_up",
            headers=tokens[user],
            json={"action": "follow_up", "institution": other["requesting_institution"]},
        )
        assert r.status_code == 403 and r.json()["error"]["code"] == "not_permitted", user


def test_settlement_without_history_shows_the_engines_message(client, tokens, world):
    year = world.period[:4]
    url = f"/api/v1/settlement/budget?county=130423&year={year}"
    r = client.get(url, headers=tokens["county"])
    assert r.status_code == 200, r.text
    if r.json()["status"] == "no_run":  # reading never computes: the bureau runs it
        run = client.post(
            "/api/v1/settlement/runs",
            headers=tokens["bureau"],
            json={"action": "settlement.run", "county": "130423", "year": int(year)},
        )
        assert run.status_code == 200 and run.json()["status"] == "refused", run.text
    body = client.get(url, headers=tokens["county"]).json()
    assert body["status"] == "refused"
    assert body["items"] == [] and "history" in body["error"]  # tiny preset: one year only
    page = client.get(f"/settlement?county=130423&year={year}", headers=tokens["county"])
    assert page.status_code == 200 and "history" in page.text
    twin = client.get("/settlement?format=json", headers=tokens["county"]).json()
    assert twin["county"] == "130423" and twin["error"] == body["error"]
    r = client.get(
        f"/api/v1/settlement/budget?county=130423&year={year}", headers=tokens["elsewhere"]
    )
    assert r.status_code == 403 and r.json()["error"]["code"] == "outside_scope"


def test_settlement_rows_follow_the_community_rule(client, tokens, monkeypatch):
    from yigong.access.views.settlement import BudgetRun

    calls = []
    zero = {
        k: "0.00"
        for k in (
            "quota",
            "prepaid",
            "released",
            "in_county",
            "out_of_county_total",
            "surplus",
            "overspend",
            "retained",
            "fund_share",
            "quality_returned",
        )
    }

    def fake(p, county, year):  # noqa: ANN001
        calls.append((county, year))  # the stored run is read only for users who may see it
        return BudgetRun(
            county,
            year,
            None,
            None,
            community_rows=(
                {
                    **zero,
                    "community_id": "C1304231",
                    "name": "临漳县人民医院医共体",
                    "net_position": "1.00",
                },
                {
                    **zero,
                    "community_id": "C1304232",
                    "name": "另一个医共体",
                    "net_position": "2.00",
                },
            ),
        )

    monkeypatch.setattr("yigong.access.views.settlement.stored_run", fake)
    url = "/api/v1/settlement/budget?county=130423&year=1991"
    county = client.get(url, headers=tokens["county"]).json()
    assert county["whole_county"] and len(county["items"]) == 2
    office = client.get(url, headers=tokens["office"]).json()
    assert not office["whole_county"]
    assert [r["community"][:8] for r in office["items"]] == ["C1304231"]
    assert office["items"][0]["net_position"] == "1.00"
    assert client.get(url, headers=tokens["town"]).status_code == 403  # community not all his
    assert calls == [("130423", 1991)] * 2  # the run is asked only for users who may see it


@pytest.mark.parametrize(
    "path", ["/referrals", "/referrals?status=&page=1", "/referrals?status=arrived&format=json"]
)
def test_referral_page_and_twin(client, tokens, path):
    r = client.get(path, headers=tokens["town"])
    assert r.status_code == 200
    if "json" in path:
        assert all(i["status"] == "arrived" for i in r.json()["items"])
    else:
        assert 'id="referrals"' in r.text
    assert settlement.__doc__  # the scope rule is documented where it is applied


def test_settlement_page_defaults_to_the_users_county(client, tokens):
    twin = client.get("/settlement?format=json", headers=tokens["elsewhere"])
    assert twin.status_code == 200, twin.text  # division:130402 has its own (empty) county
    assert twin.json()["county"] == "130402" and twin.json()["whole_county"]
    assert client.get("/referrals?status=lost", headers=tokens["town"]).status_code == 400
