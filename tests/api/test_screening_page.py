"""The cockpit's screening page and its JSON twin: the same flags as the API, scoped alike."""

from __future__ import annotations


def test_page_twin_equals_the_api_and_stays_in_scope(world, client, tokens):
    year = str(world.period)[:4]
    h = tokens["county"]
    twin = client.get(f"/screening?period={year}&format=json", headers=h).json()
    api = client.get(f"/api/v1/screening/flags?period={year}", headers=h).json()
    assert twin["total"] == api["total"] > 0
    assert [f["flag_id"] for f in twin["items"]] == [f["flag_id"] for f in api["items"]]
    assert {r["id"] for r in twin["rules"]} >= {f["rule_id"] for f in twin["items"]}
    # what a reviewer opens first: the most severe rules, then the furthest past the threshold
    order = [
        ({"high": 0, "medium": 1, "low": 2}[f["severity"]], -f["deviation"]) for f in twin["items"]
    ]
    assert order == sorted(order) and len({o[0] for o in order}) > 1
    html = client.get(f"/screening?period={year}", headers=h)
    assert html.status_code == 200 and twin["items"][0]["flag_id"] in html.text
    rule = twin["items"][0]["rule_id"]  # one rule only
    one = client.get(f"/screening?period={year}&rule={rule}&format=json", headers=h).json()
    assert one["total"] > 0 and {f["rule_id"] for f in one["items"]} == {rule}
    # a township user sees only the flags of their own institutions
    t = tokens["town"]
    mine = client.get(f"/screening?period={year}&format=json", headers=t).json()
    own = {
        i["institution_id"]
        for i in client.get("/api/v1/institutions?limit=1000", headers=t).json()["items"]
    }
    assert mine["total"] < twin["total"]
    assert {f["institution_id"] for f in mine["items"]} <= own


def test_unknown_rule_and_bad_period_are_clear_400s(client, tokens):
    h = tokens["county"]
    r = client.get("/screening?rule=no_such_rule&format=json", headers=h)
    assert r.status_code == 400 and "no_such_rule" in r.text
    assert client.get("/screening?period=2024Q7&format=json", headers=h).status_code in (400, 422)
