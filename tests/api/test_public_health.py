"""The public-health page and endpoint: a village doctor's own clinic, a commission's teams,
refusals outside the scope, both languages, a phone-sized page."""

from __future__ import annotations


def test_village_doctor_sees_their_clinic(client, tokens, world):
    year = world.period[:4]
    r = client.get(f"/api/v1/health?year={year}", headers=tokens["village"])
    assert r.status_code == 200, r.text
    data = r.json()
    assert data["status"] == "ok" and data["who"] == {
        "kind": "institution", "id": "H13042301003", "institution_id": "H13042301003",
        "name": data["who"]["name"],
    }  # fmt: skip
    assert data["assessment"]["institution_id"] == "H13042301003"
    assert all(p["institution_id"] == "H13042301003" for p in data["register"])
    days = [p["days_overdue"] for p in data["overdue"]]
    assert days == sorted(days, reverse=True)


def test_outside_the_scope_is_refused(client, tokens, world):
    year = world.period[:4]
    r = client.get(
        f"/api/v1/health?year={year}&institution=H13042301000", headers=tokens["village"]
    )
    assert r.status_code == 403 and r.json()["error"]["code"] == "outside_scope"
    county = client.get(f"/api/v1/health?year={year}", headers=tokens["county"]).json()
    team = county["teams"][0]["team_id"]
    r = client.get(f"/api/v1/health?year={year}&team={team}", headers=tokens["village"])
    assert r.status_code == 403
    r = client.get(f"/api/v1/health?year={year}", headers=tokens["bureau"])
    assert r.status_code == 403 and r.json()["error"]["code"] == "not_permitted"


def test_a_team_for_the_commission(client, tokens, world):
    year = world.period[:4]
    county = client.get(f"/api/v1/health?year={year}", headers=tokens["county"]).json()
    assert county["who"]["kind"] == "team" and county["teams"]
    team = max(county["teams"], key=lambda t: t["overdue"])
    got = client.get(f"/api/v1/health?year={year}&team={team['team_id']}", headers=tokens["county"])
    body = got.json()
    assert body["overdue_count"] == team["overdue"]
    assert body["summary"]["hypertension"]["managed"] > 0


def test_page_in_both_languages(client, tokens):
    zh = client.get("/health", headers=tokens["village"])
    assert zh.status_code == 200 and "随访逾期名单" in zh.text and "控制率" in zh.text
    assert "None" not in zh.text and ">hypertension<" not in zh.text
    client.cookies.set("lang", "en")
    en = client.get("/health", headers=tokens["village"])
    client.cookies.clear()
    assert en.status_code == 200 and "Overdue follow-ups" in en.text and "随访" not in en.text
    twin = client.get("/health?format=json", headers=tokens["village"]).json()
    assert twin["who"]["id"] == "H13042301003"
