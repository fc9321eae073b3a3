"""The access matrix: every route × users with different scopes, zero leaks.

For each route of the app there must be an entry in `MATRIX` (a route added later without one
makes `test_every_route_is_in_the_matrix` fail). For each user, every request built from the
entry is sent twice — about a node inside the user's scope and about one outside it — and

- no response (JSON, CSV or HTML) names an institution outside the user's scope, by id or
  by name;
- a request about a node outside the scope is refused with 403: the error object (API, JSON
  twins) or the cockpit's error page carrying the same code (``data-error-code``).

The app settles with the one-year policy here, so the ledger and statements hold real lines.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable

import pytest
from fastapi.routing import APIRoute

from tests.api.world import OUTSIDE, PASSWORD, USERS

Build = Callable[[str, str], list[tuple[str, str, dict[str, str] | None]]]
# each entry: (node, period) -> [(method, url, form data)]; "scoped" says whether the URL names
# the node (then the outside node must be refused)
MATRIX: dict[tuple[str, str], tuple[bool, Build]] = {
    ("POST", "/api/v1/auth/token"): (False, lambda n, p: []),  # tested in test_auth/endpoints
    ("GET", "/api/v1/me"): (False, lambda n, p: [("GET", "/api/v1/me", None)]),
    ("GET", "/api/v1/institutions"): (
        False,
        lambda n, p: [("GET", "/api/v1/institutions?limit=1000", None)],
    ),
    ("GET", "/api/v1/nodes/{node}/indicators"): (
        True,
        lambda n, p: [("GET", f"/api/v1/nodes/{n}/indicators?period={p}", None)],
    ),
    ("GET", "/api/v1/nodes/{node}/scorecard"): (
        True,
        lambda n, p: [("GET", f"/api/v1/nodes/{n}/scorecard?period={p}&q=C0", None)],
    ),
    ("GET", "/api/v1/nodes/{node}/indicators/{indicator}/explain"): (
        True,
        lambda n, p: [
            ("GET", f"/api/v1/nodes/{n}/indicators/{i}/explain?period={p}&limit=200", None)
            for i in ("C02", "C05")
        ],
    ),
    ("GET", "/api/v1/casemix"): (True, lambda n, p: [("GET", f"/api/v1/casemix?node={n}", None)]),
    ("GET", "/api/v1/dataValueSets"): (
        True,
        lambda n, p: [("GET", f"/api/v1/dataValueSets?node={n}&period={p}&format=csv", None)],
    ),
    ("GET", "/api/v1/quarantine"): (
        False,
        lambda n, p: [("GET", "/api/v1/quarantine?limit=1000", None)],
    ),
    ("GET", "/api/v1/export/tables"): (
        False,
        lambda n, p: [("GET", "/api/v1/export/tables", None)],
    ),
    ("GET", "/api/v1/export/{table}.csv"): (
        False,
        lambda n, p: [
            ("GET", f"/api/v1/export/{t}.csv", None)
            for t in (
                "institutions",
                "community_memberships",
                "discharges",
                "drg_case_facts",
                "wf_referral_events",
                "wf_contracts",
                "staff",
                "finance",
            )
        ],
    ),
    ("GET", "/api/v1/export/{table}.xlsx"): (
        False,
        lambda n, p: [
            ("GET", f"/api/v1/export/{t}.xlsx", None) for t in ("institutions", "discharges")
        ],
    ),
    ("GET", "/"): (
        True,
        lambda n, p: [
            ("GET", f"/?node={n}&period={p}", None),
            ("GET", f"/?node={n}&period={p}&format=json", None),
        ],
    ),
    ("GET", "/nodes/{node}/indicators/{indicator}"): (
        True,
        lambda n, p: [
            ("GET", f"/nodes/{n}/indicators/C05?period={p}", None),
            ("GET", f"/nodes/{n}/indicators/C02?period={p}&format=json", None),
        ],
    ),
    ("GET", "/tree"): (
        False,
        lambda n, p: [("GET", "/tree", None), ("GET", "/tree?format=json", None)],
    ),
    ("GET", "/casemix"): (
        True,
        lambda n, p: [
            ("GET", f"/casemix?node={n}&period={p}", None),
            ("GET", f"/casemix?node={n}&format=json", None),
        ],
    ),
    ("GET", "/quality"): (
        False,
        lambda n, p: [("GET", "/quality", None), ("GET", "/quality?format=json", None)],
    ),
    ("GET", "/api/v1/settlement/budget"): (
        False,
        lambda n, p: [
            ("GET", f"/api/v1/settlement/budget?county=130423&year={p[:4]}", None),
            ("GET", f"/api/v1/settlement/budget?county=130402&year={p[:4]}", None),
        ],
    ),
    ("GET", "/api/v1/referrals"): (
        False,
        lambda n, p: [
            ("GET", "/api/v1/referrals", None),
            ("GET", "/api/v1/referrals?status=arrived", None),
        ],
    ),
    # a write: tested in test_referrals (legal, illegal, out-of-scope steps)
    ("POST", "/api/v1/referrals/{referral_id}/actions/{action}"): (False, lambda n, p: []),
    ("GET", "/settlement"): (
        False,
        lambda n, p: [
            ("GET", f"/settlement?county=130423&year={p[:4]}", None),
            ("GET", "/settlement?format=json", None),
        ],
    ),
    ("GET", "/referrals"): (
        False,
        lambda n, p: [("GET", "/referrals", None), ("GET", "/referrals?format=json", None)],
    ),
    ("GET", "/api/v1/settlement/ledger"): (
        False,
        lambda n, p: [
            ("GET", f"/api/v1/settlement/ledger?county=130423&year={p[:4]}", None),
            ("GET", f"/api/v1/settlement/ledger?county=130423&year={p[:4]}&page=3", None),
            ("GET", f"/api/v1/settlement/ledger?county=130402&year={p[:4]}", None),
        ],
    ),
    ("GET", "/api/v1/settlement/ledger/{line_id}"): (
        False,
        lambda n, p: [
            ("GET", f"/api/v1/settlement/ledger/L{i:07d}?county=130423&year={p[:4]}", None)
            for i in (1, 15, 24, 100, 200)
        ],
    ),
    ("GET", "/api/v1/settlement/statements"): (
        False,
        lambda n, p: [("GET", f"/api/v1/settlement/statements?county=130423&year={p[:4]}", None)],
    ),
    ("GET", "/api/v1/settlement/statements.csv"): (
        False,
        lambda n, p: [
            (
                "GET",
                f"/api/v1/settlement/statements.csv?county=130423&year={p[:4]}&community=C1304231",
                None,
            )
        ],
    ),
    ("GET", "/api/v1/settlement/statements.xlsx"): (
        False,
        lambda n, p: [
            (
                "GET",
                f"/api/v1/settlement/statements.xlsx?county=130423&year={p[:4]}&community=C1304231",
                None,
            )
        ],
    ),
    ("GET", "/api/v1/screening/flags"): (
        False,
        lambda n, p: [
            ("GET", f"/api/v1/screening/flags?period={p[:4]}", None),
            ("GET", f"/api/v1/screening/flags?period={p[:4]}&page=2", None),
        ],
    ),
    ("GET", "/api/v1/centres"): (
        False,
        lambda n, p: [("GET", f"/api/v1/centres?year={p[:4]}", None)],
    ),
    ("GET", "/api/v1/contracts"): (
        True,
        lambda n, p: [("GET", f"/api/v1/contracts?year={p[:4]}&node={n}", None)],
    ),
    ("GET", "/settlement/ledger"): (
        False,
        lambda n, p: [
            ("GET", f"/settlement/ledger?county=130423&year={p[:4]}", None),
            ("GET", "/settlement/ledger?format=json&account=institution:", None),
        ],
    ),
    ("GET", "/settlement/ledger/{line_id}"): (
        False,
        lambda n, p: [
            ("GET", f"/settlement/ledger/L0000015?county=130423&year={p[:4]}", None),
            ("GET", f"/settlement/ledger/L0000024?year={p[:4]}&format=json", None),
        ],
    ),
    ("GET", "/settlement/statements"): (
        False,
        lambda n, p: [
            ("GET", f"/settlement/statements?county=130423&year={p[:4]}", None),
            ("GET", "/settlement/statements?format=json", None),
        ],
    ),
    ("GET", "/centres"): (
        False,
        lambda n, p: [("GET", "/centres", None), ("GET", "/centres?format=json", None)],
    ),
    ("GET", "/contracts"): (
        True,
        lambda n, p: [
            ("GET", f"/contracts?node={n}", None),
            ("GET", f"/contracts?node={n}&format=json", None),
        ],
    ),
    ("GET", "/screening"): (
        False,
        lambda n, p: [
            ("GET", f"/screening?period={p[:4]}", None),
            ("GET", f"/screening?period={p[:4]}&format=json", None),
            ("GET", f"/screening?period={p[:4]}&rule=split_admission&page=2&format=json", None),
        ],
    ),
    ("GET", "/login"): (False, lambda n, p: [("GET", "/login", None)]),
    ("POST", "/login"): (False, lambda n, p: []),  # see test_web_login_sets_a_cookie
    ("GET", "/logout"): (False, lambda n, p: [("GET", "/logout", None)]),
    ("GET", "/lang/{lang}"): (False, lambda n, p: [("GET", "/lang/en", None)]),
}
# documentation routes carry no data
PUBLIC = {"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"}


def _flat(routes: list) -> list:
    """Routes, with included routers opened (FastAPI ≥ 0.16x keeps them as one entry)."""
    out = []
    for r in routes:
        inner = getattr(r, "original_router", None)
        out += _flat(inner.routes) if inner is not None else [r]
    return out


def _routes(app) -> set[tuple[str, str]]:
    out = set()
    for r in _flat(app.routes):
        if getattr(r, "path", None) in PUBLIC or not hasattr(r, "methods"):
            continue  # documentation, and the static mount (no data)
        for m in r.methods - {"HEAD", "OPTIONS"}:
            out.add((m, r.path))
    return out


def test_every_route_is_in_the_matrix(app):
    routes = _routes(app)
    assert routes - set(MATRIX) == set(), "routes without an access-matrix entry"
    assert set(MATRIX) - routes == set(), "matrix entries for routes that no longer exist"
    assert sum(isinstance(r, APIRoute) for r in _flat(app.routes)) == len(MATRIX)


def _text(r) -> str:  # noqa: ANN001
    """The response as text; a workbook as its cells' values, one per line."""
    if "spreadsheetml" not in r.headers.get("content-type", ""):
        return r.text
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(r.content), read_only=True)
    return "\n".join(
        str(v)
        for ws in wb.worksheets
        for row in ws.iter_rows(values_only=True)
        for v in row
        if v is not None
    )


def _leaks(text: str, ctype: str, hidden_ids: set[str], hidden_names: set[str]) -> list[str]:
    found = [i for i in hidden_ids if i in text]
    if "json" in ctype:

        def walk(v: object) -> None:
            if isinstance(v, str) and v in hidden_names:
                found.append(v)
            elif isinstance(v, dict):
                for x in v.values():
                    walk(x)
            elif isinstance(v, list):
                for x in v:
                    walk(x)

        walk(json.loads(text))
    else:  # a name inside a longer name (a community called after its lead hospital) is not it
        found += [n for n in hidden_names if re.search(re.escape(n) + r"(?![\u4e00-\u9fff])", text)]
    return found


def _error_code(r) -> str:  # noqa: ANN001
    """The error code: of the JSON error object (API, twins), or of the cockpit's error page."""
    if "json" in r.headers.get("content-type", ""):
        return str(r.json()["error"]["code"])
    found = re.search(r'data-error-code="([a-z_]+)"', r.text)
    return found.group(1) if found else f"no error page: {r.text[:200]}"


@pytest.mark.parametrize("user", sorted(USERS))
def test_no_response_leaks_an_institution_outside_the_scope(
    settled_app, client, tokens, world, user
):
    app = settled_app  # the global budget runs (one-year policy): ledger lines are checked too
    scope = app.state.yigong.scope(app.state.yigong.users.get(user))
    hidden_ids = set(scope.all_institutions - scope.institutions)
    hidden_names = {scope.names[i] for i in hidden_ids}
    if user not in ("county", "office"):  # in the tiny county the community holds all ten
        assert hidden_ids, "the matrix needs users that cannot see everything"
    own, outside = USERS[user][2], OUTSIDE[user]
    client.cookies.clear()
    sent = 0
    for scoped, build in MATRIX.values():
        for node, inside in ((own, True), (outside, False)):
            for m, url, data in build(node, world.period):
                r = client.request(m, url, headers=tokens[user], data=data, follow_redirects=False)
                sent += 1
                where = f"{user} {m} {url}"
                assert r.status_code < 500, f"{where}: {r.status_code} {r.text[:300]}"
                if scoped and not inside:
                    assert r.status_code == 403, f"{where}: expected 403, got {r.status_code}"
                    assert _error_code(r) == "outside_scope", where
                elif scoped:
                    assert r.status_code == 200, f"{where}: {r.status_code} {r.text[:300]}"
                leaks = _leaks(
                    _text(r), r.headers.get("content-type", ""), hidden_ids, hidden_names
                )
                assert not leaks, f"{where} shows institutions outside the scope: {leaks}"
    assert sent > 20


def test_web_login_sets_a_cookie_and_pages_need_it(client):
    client.cookies.clear()
    r = client.get("/", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    r = client.post(
        "/login",
        data={"username": "town", "password": "wrong", "next": "/"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and "error=1" in r.headers["location"]
    r = client.post(
        "/login",
        data={"username": "town", "password": PASSWORD, "next": "/tree"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/tree"
    assert (
        client.get("/tree?format=json").json()["communities"][0]["institutions"][0][
            "institution_id"
        ]
        == "H13042300100"
    )
    client.cookies.clear()


def test_login_never_redirects_off_site(client):
    client.cookies.clear()
    for target in ("//evil.example/x", "/\\evil.example/x", "https://evil.example/"):
        r = client.post(
            "/login",
            data={"username": "town", "password": PASSWORD, "next": target},
            follow_redirects=False,
        )
        assert r.status_code == 303 and r.headers["location"] == "/"
    r = client.get(
        "/lang/en", headers={"referer": "https://evil.example/tree?x=1"}, follow_redirects=False
    )
    assert r.headers["location"] == "/tree?x=1"
    client.cookies.clear()
