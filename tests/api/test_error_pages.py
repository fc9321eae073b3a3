"""Cockpit routes answer a refusal or a missing page with a styled page in the user's language;
the API and the JSON twins keep the JSON error object."""

from __future__ import annotations

import pytest


def test_a_missing_cockpit_page_is_a_404_page_in_both_languages(client, tokens):
    client.cookies.clear()
    r = client.get("/no-such-page", headers=tokens["town"])
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert 'data-error-code="not_found"' in r.text and "页面不存在" in r.text
    assert 'id="nav-ledger"' in r.text  # logged in: the menu is there
    client.cookies.set("lang", "en")
    r = client.get("/no-such-page", headers=tokens["town"])
    assert r.status_code == 404 and "Page not found" in r.text
    client.cookies.clear()
    anonymous = client.get("/no-such-page")
    assert anonymous.status_code == 404 and 'id="nav-ledger"' not in anonymous.text


@pytest.mark.parametrize("lang,words", [("zh", "无权访问"), ("en", "Outside your nodes")])
def test_a_node_outside_the_scope_is_a_403_page(client, tokens, world, lang, words):
    client.cookies.clear()
    client.cookies.set("lang", lang)
    r = client.get(f"/?node=division:130423&period={world.period}", headers=tokens["town"])
    assert r.status_code == 403 and r.headers["content-type"].startswith("text/html")
    assert 'data-error-code="outside_scope"' in r.text and words in r.text
    assert "H13042300001" not in r.text  # the page names nothing of what was refused
    client.cookies.clear()


def test_the_api_and_the_twins_keep_the_json_error_object(client, tokens, world):
    r = client.get("/api/v1/no-such-endpoint", headers=tokens["town"])
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    r = client.get(
        f"/?node=division:130423&period={world.period}&format=json", headers=tokens["town"]
    )
    assert r.status_code == 403 and r.json()["error"]["code"] == "outside_scope"
    r = client.get("/api/v1/settlement/ledger?county=130423&year=2024", headers=tokens["town"])
    assert r.status_code == 403 and r.json()["error"]["code"] == "outside_scope"
    r = client.get("/settlement/ledger/L0000001?year=1800", headers=tokens["county"])
    assert r.status_code == 422 and 'data-error-code="invalid_request"' in r.text
    r = client.get("/centres", follow_redirects=False)
    assert r.status_code == 303  # not logged in: to the login form, not an error page
