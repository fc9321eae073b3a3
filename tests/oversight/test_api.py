"""GET /api/v1/screening/flags: scoped to the user's institutions, paged, self-explaining."""

from __future__ import annotations

from tests.api.conftest import app, client, tokens, world  # noqa: F401
from yigong.services import screening


def test_flags_are_scoped_and_explain_themselves(app, client, tokens, world) -> None:  # noqa: F811
    county = client.get("/api/v1/screening/flags?period=2024", headers=tokens["county"])
    assert county.status_code == 200, county.text
    body = county.json()
    assert body["total"] > 0 and len(body["items"]) == min(50, body["total"])
    first = body["items"][0]
    assert first["reason_en"] and first["reason_zh"] and first["numbers"] and first["params"]
    assert "rows" not in first
    # the township user sees exactly the flags of their institution
    town = client.get("/api/v1/screening/flags?period=2024", headers=tokens["town"]).json()
    expected = screening.flags_page(
        app.state.yigong.warehouse, frozenset({"H13042300100"}), period="2024"
    )
    assert town["total"] == expected["total"]
    assert {f["institution_id"] for f in town["items"]} <= {"H13042300100"}
    # another county's user sees none of them
    assert (
        client.get("/api/v1/screening/flags?period=2024", headers=tokens["elsewhere"]).json()[
            "total"
        ]
        == 0
    )
    assert (
        client.get("/api/v1/screening/flags?period=20x4", headers=tokens["county"]).status_code
        == 422
    )
