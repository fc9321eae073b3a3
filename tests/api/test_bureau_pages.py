"""The insurance bureau's desk in the API and the cockpit: each page's JSON twin equals the API,
pages read fully in the page's language (no raw codes), money shows thousands separators, the
institution user sees their own row only, and computing the methods' runs is the bureau's."""

from __future__ import annotations

import re

from tests.api.world import COUNTY

CODES = re.compile(
    r"\b(band_[a-z]+|flag_[a-z_]+|tl_[a-z_]+|pkind_[a-z_]+|method_[a-z_]+|item_[a-z_]+|"
    r"scheme_[a-z]+|kind_[a-z]+|medical_institution|retail_pharmacy|overdue_unpaid|None)\b"
)


def _visible_text(html: str) -> str:
    """The page's text as a reader sees it (no tags, attributes, scripts)."""
    body = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", body)


def test_fund_page_twin_equals_the_api_in_both_languages(settled_app, client, tokens):
    h = tokens["bureau"]
    api = client.get(f"/api/v1/bureau/fund?county={COUNTY}&year=2024", headers=h).json()
    twin = client.get(f"/bureau/fund?county={COUNTY}&year=2024&format=json", headers=h).json()
    assert twin == api
    res = next(r for r in api["fund"]["rows"] if r["year"] == 2024 and r["scheme"] == "resident")
    assert res["months_payable"] and res["band"]
    assert {r["kind"] for r in api["progress"]["rows"]} == {"community", "institution"}
    for lang, label in (("zh", "可支付月数"), ("en", "Months of payment")):
        client.get(f"/lang/{lang}", headers=h)
        page = client.get(f"/bureau/fund?county={COUNTY}&year=2024", headers=h)
        assert page.status_code == 200 and label in page.text
        text = _visible_text(page.text)
        assert not CODES.findall(text), CODES.findall(text)[:5]
        amount = f"{__import__('decimal').Decimal(res['accumulated_balance']):,.2f}"
        assert amount in text  # money with thousands separators
        if lang == "zh":
            assert "城乡居民医保" in text and "resident" not in text


def test_agreements_scoped_to_the_users_institutions(client, tokens):
    api = client.get(f"/api/v1/bureau/agreements?county={COUNTY}&year=2024",
                     headers=tokens["bureau"]).json()  # fmt: skip
    assert api["whole_county"] and len(api["providers"]) > 3
    assert any(p["provider_kind"] == "retail_pharmacy" for p in api["providers"])
    assert all(p["score"] is not None for p in api["providers"])
    town = client.get(f"/api/v1/bureau/agreements?county={COUNTY}&year=2024",
                      headers=tokens["town"]).json()  # fmt: skip
    assert [p["institution_id"] for p in town["providers"]] == ["H13042300100"]
    twin = client.get(f"/bureau/agreements?county={COUNTY}&year=2024&format=json",
                      headers=tokens["town"]).json()  # fmt: skip
    assert twin == town
    client.get("/lang/zh", headers=tokens["bureau"])
    page = client.get(f"/bureau/agreements?county={COUNTY}&year=2024", headers=tokens["bureau"])
    text = _visible_text(page.text)
    assert "定点零售药店" in text and not CODES.findall(text), CODES.findall(text)[:5]


def test_methods_runs_are_computed_by_the_bureau_then_read(settled_app, client, tokens):
    h = tokens["bureau"]
    r = client.post("/api/v1/bureau/methods/runs", headers=h,
                    json={"action": "settlement.methods.run", "county": COUNTY, "year": 2024})  # fmt: skip
    assert r.status_code == 200, r.text
    status = r.json()["status"]
    assert status["dip"] == status["per_bed_day"] == status["day_surgery"] == "ready"
    api = client.get(f"/api/v1/bureau/methods?county={COUNTY}&year=2024", headers=h).json()
    by = {m["method"]: m for m in api["methods"]}
    assert by["dip"]["rows"] and all(r["name"] != r["institution_id"] for r in by["dip"]["rows"])
    town = client.get(f"/api/v1/bureau/methods?county={COUNTY}&year=2024",
                      headers=tokens["town"]).json()  # fmt: skip
    assert {r["institution_id"] for m in town["methods"] for r in m["rows"]} <= {"H13042300100"}
    refused = client.post("/api/v1/bureau/methods/runs", headers=tokens["county"],
                          json={"action": "settlement.methods.run", "county": COUNTY, "year": 2024})  # fmt: skip
    assert refused.status_code == 403
    client.get("/lang/en", headers=h)
    page = client.get(f"/bureau/methods?county={COUNTY}&year=2024", headers=h)
    assert "per bed-day" in page.text and "methods-run-submit" in page.text
