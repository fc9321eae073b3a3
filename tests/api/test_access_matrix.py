"""The access matrix: every route × every role × a target inside and outside the scope × read
and act, with zero leaks.

Each route of the app has an entry in `MATRIX` (a route added without one makes
`test_every_route_is_in_the_matrix` fail, and the app refuses to start on a route without a
permission entry: `test_a_route_without_a_permission_entry_*`). An entry builds the requests
about a target inside the user's scope and one outside it (a node, a county, a referral, a
flag, a user); reads and writes alike. For every user of the test world — one or more per role —
each request is sent and

- a role without the route's permission (the permission file) gets 403 ``not_permitted``,
  inside or outside the scope;
- a permitted role asking about something outside its scope gets 403 ``outside_scope``;
- a permitted role inside its scope gets the entry's success status;
- no response (JSON, CSV, XLSX or HTML), whatever its status, names an institution outside
  the scope by id or by name — except, in the referral inbox and the FHIR face, the name of
  the other end of the user's own referral (a counterpart shown by name).

The app settles with the one-year policy here (its run computed by the insurance bureau), so
the ledger and statements hold real lines.
"""

from __future__ import annotations

import io
import itertools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from fastapi.routing import APIRoute

from tests.api.conftest import login
from tests.api.world import COUNTY, OUTSIDE, PASSWORD, USERS
from yigong.access.http import csrf_token
from yigong.access.permissions import permissions
from yigong.api.app import route_keys

ORIGIN = {"Origin": "http://testserver"}
_counter = itertools.count()


@dataclass
class Ctx:
    """What a request builder needs: the user, the node (inside or outside), the period, and
    targets of writes (referral, flag, user) inside or outside the scope."""

    user: str
    node: str
    inside: bool
    period: str
    referral: str | None
    flag: str | None
    county: str | None
    community: str | None
    client: object = field(repr=False)
    state: object = field(repr=False)
    headers: dict[str, str] = field(default_factory=dict)
    stay: str | None = None

    @property
    def year(self) -> str:
        return self.period[:4]

    def csrf(self, headers: dict[str, str] | None = None) -> str:
        token = (headers or self.headers)["Authorization"][7:]
        return csrf_token(self.state, self.state.sessions.check(token))

    def form(self, action: str, **fields: str) -> dict[str, object]:
        """A cockpit form: the action named, the session's CSRF token, sent from this site."""
        return {"data": {"action": action, "csrf": self.csrf(), **fields}, "headers": ORIGIN}

    def fresh(self) -> dict[str, str]:
        """A session of its own (for logging out without ending the matrix's session)."""
        return login(self.client, self.user)


Req = tuple[str, str, dict[str, object]]
Build = Callable[[Ctx], list[Req]]


@dataclass(frozen=True)
class Case:
    scoped: bool  # the request names a target: outside the scope it must be 403 outside_scope
    build: Build
    ok: frozenset[int] = frozenset({200})
    needs: str | None = None  # the target inside the scope it needs (skipped for a user without)


def get(*urls: str) -> Build:
    return lambda c: [("GET", u.format(c=c), {}) for u in urls]


def _referral_step(c: Ctx) -> list[Req]:
    rid = c.referral
    return [
        (
            "POST",
            f"/api/v1/referrals/{rid}/actions/accept",
            {"json": {"action": "accept", "reason": "matrix"}},
        )
    ]


def _cockpit_step(c: Ctx) -> list[Req]:
    rid = c.referral
    return [("POST", f"/referrals/{rid}/act", c.form("accept", reason="matrix"))]


def _review(c: Ctx) -> list[Req]:
    fid = c.flag
    body = {"action": "screening.review", "decision": "dismissed", "reason": "matrix"}
    return [("POST", f"/api/v1/screening/flags/{fid}/review", {"json": body})]


def _cockpit_review(c: Ctx) -> list[Req]:
    form = c.form("screening.review", decision="dismissed", reason="matrix")
    return [("POST", f"/screening/flags/{c.flag}/review", form)]


def _self_check(c: Ctx) -> list[Req]:
    body = {"action": "screening.self_check", "decision": "dismissed", "reason": "matrix"}
    return [("POST", f"/api/v1/screening/flags/{c.flag}/self-check", {"json": body})]


def _cockpit_self_check(c: Ctx) -> list[Req]:
    form = c.form("screening.self_check", decision="dismissed", reason="matrix")
    return [("POST", f"/screening/flags/{c.flag}/self-check", form)]


def _task() -> str:
    from yigong.services.tasks import book

    return next(iter(book().tasks))


def _task_entry(c: Ctx) -> list[Req]:
    body = {
        "action": "tasks.record",
        "node": c.node,
        "year": int(c.year),
        "status": "on_track",
        "evidence": "matrix",
    }
    return [("POST", f"/api/v1/tasks/{_task()}/entries", {"json": body})]


def _cockpit_task_entry(c: Ctx) -> list[Req]:
    form = c.form(
        "tasks.record", task=_task(), node=c.node, year=c.year, status="on_track", evidence="m"
    )
    return [("POST", "/tasks/record", form)]


def _api_logout(c: Ctx) -> list[Req]:
    return [("POST", "/api/v1/auth/logout", {"json": {"action": "logout"}, "headers": c.fresh()})]


def _cockpit_logout(c: Ctx) -> list[Req]:
    fresh = c.fresh()
    data = {"action": "logout", "csrf": c.csrf(fresh)}
    return [("POST", "/logout", {"data": data, "headers": {**fresh, **ORIGIN}})]


def _login(c: Ctx) -> list[Req]:
    form = c.client.get("/login")
    token = re.search(r'name="csrf" value="([0-9a-f]+)"', form.text).group(1)
    data = {"action": "login", "csrf": token, "username": c.user, "password": PASSWORD}
    return [("POST", "/login", {"data": data, "headers": ORIGIN})]


def _when_warm(c: Ctx) -> list[Req]:
    """/readyz once the warm-up has finished (before, it is a 503 by design)."""
    from yigong.access import warm

    warm.start(c.state)
    assert c.state.warm_done.wait(120), "the warm-up did not finish"
    return [("GET", "/readyz", {})]


def _add_user(c: Ctx) -> list[Req]:
    name = f"m{next(_counter)}"
    form = c.form("user.add", username=name, role="auditor", nodes=c.node, password=PASSWORD)
    return [("POST", "/admin/users", form)]


def _change_user(c: Ctx) -> list[Req]:
    target = "victim" if c.inside else "elsewhere"
    return [("POST", f"/admin/users/{target}", c.form("user.enable"))]


def _county(c: Ctx) -> str:
    """The county a request about providers or payments names. Institution users (who see no
    whole county) ask about the test world's county (inside: their institution lies there) or
    another county (outside); everyone else about their own county or one elsewhere."""
    if all(n.startswith("inst:") for n in USERS[c.user][1]):
        return COUNTY if c.inside else "130402"
    return str(c.county)


Q = "{c.year}"
MATRIX: dict[tuple[str, str], Case] = {
    # sessions
    ("POST", "/api/v1/auth/token"): Case(
        False,
        lambda c: [
            (
                "POST",
                "/api/v1/auth/token",
                {"data": {"username": c.user, "password": PASSWORD, "grant_type": "password"}},
            )
        ],
    ),
    ("POST", "/api/v1/auth/logout"): Case(False, _api_logout),
    ("GET", "/api/v1/me"): Case(False, get("/api/v1/me")),
    ("GET", "/login"): Case(False, get("/login")),
    ("POST", "/login"): Case(False, _login, frozenset({303})),
    ("POST", "/logout"): Case(False, _cockpit_logout, frozenset({303})),
    ("GET", "/lang/{lang}"): Case(False, get("/lang/en"), frozenset({303})),
    ("GET", "/healthz"): Case(False, get("/healthz")),
    ("GET", "/readyz"): Case(False, _when_warm),
    ("GET", "/account"): Case(False, get("/account", "/account?format=json")),
    ("POST", "/account/password"): Case(
        False,
        lambda c: [
            (
                "POST",
                "/account/password",
                c.form("password.change", current="not-the-password", new="x" * 12, again="x" * 12),
            )
        ],
        frozenset({400}),  # permitted, and refused for the wrong current password
    ),
    # hierarchy, indicators, case mix, quality, exports
    ("GET", "/api/v1/institutions"): Case(False, get("/api/v1/institutions?limit=1000")),
    ("GET", "/api/v1/nodes/{node}/indicators"): Case(
        True, get("/api/v1/nodes/{c.node}/indicators?period={c.period}")
    ),
    ("GET", "/api/v1/nodes/{node}/scorecard"): Case(
        True, get("/api/v1/nodes/{c.node}/scorecard?period={c.period}&q=C0")
    ),
    ("GET", "/api/v1/nodes/{node}/indicators/{indicator}/explain"): Case(
        True,
        get(
            "/api/v1/nodes/{c.node}/indicators/C02/explain?period={c.period}&limit=200",
            "/api/v1/nodes/{c.node}/indicators/C05/explain?period={c.period}&limit=200",
        ),
    ),
    ("GET", "/api/v1/casemix"): Case(True, get("/api/v1/casemix?node={c.node}")),
    ("GET", "/api/v1/dataValueSets"): Case(
        True, get("/api/v1/dataValueSets?node={c.node}&period={c.period}&format=csv")
    ),
    ("GET", "/api/v1/quarantine"): Case(False, get("/api/v1/quarantine?limit=1000")),
    ("GET", "/api/v1/export/tables"): Case(False, get("/api/v1/export/tables")),
    ("GET", "/api/v1/export/{table}.csv"): Case(
        False,
        get(
            *(
                f"/api/v1/export/{t}.csv"
                for t in (
                    "institutions",
                    "community_memberships",
                    "discharges",
                    "drg_case_facts",
                    "wf_referral_events",
                    "wf_contracts",
                    "staff",
                    "finance",
                    "screen_flags",
                )
            )
        ),
    ),
    ("GET", "/api/v1/export/{table}.xlsx"): Case(
        False, get("/api/v1/export/institutions.xlsx", "/api/v1/export/screen_flags.xlsx")
    ),
    ("GET", "/"): Case(
        True,
        get(
            "/?node={c.node}&period={c.period}",
            "/?node={c.node}&period={c.period}&format=json",
            "/?node={c.node}&period={c.period}&format=csv&table=ranking",
            "/?node={c.node}&period={c.period}&format=pdf",
        ),
        frozenset({200, 404}),  # a node without children has no ranking table to download
    ),
    ("GET", "/indicators"): Case(
        True,
        get(
            "/indicators?node={c.node}&period={c.period}",
            "/indicators?node={c.node}&period={c.period}&format=json&q=C0",
            "/indicators?node={c.node}&period={c.period}&format=xlsx&table=scorecard",
        ),
    ),
    ("GET", "/todo"): Case(False, get("/todo", "/todo?format=json")),
    ("GET", "/api/v1/todo"): Case(False, get("/api/v1/todo")),
    ("GET", "/api/v1/nodes/{node}/overview"): Case(
        True, get("/api/v1/nodes/{c.node}/overview?period={c.period}")
    ),
    ("GET", "/api/v1/nodes/{node}/map"): Case(
        True, get("/api/v1/nodes/{c.node}/map?period={c.period}&indicator=C05")
    ),
    ("GET", "/nodes/{node}/indicators/{indicator}"): Case(
        True,
        get(
            "/nodes/{c.node}/indicators/C05?period={c.period}",
            "/nodes/{c.node}/indicators/C02?period={c.period}&format=json",
        ),
    ),
    ("GET", "/tree"): Case(False, get("/tree", "/tree?format=json")),
    ("GET", "/casemix"): Case(
        True, get("/casemix?node={c.node}&period={c.period}", "/casemix?node={c.node}&format=json")
    ),
    ("GET", "/quality"): Case(False, get("/quality", "/quality?format=json")),
    # settlement: read the stored run; compute it (the insurance bureau, whole county)
    ("GET", "/api/v1/settlement/budget"): Case(
        True, get("/api/v1/settlement/budget?county={c.county}&year=" + Q), needs="county"
    ),
    ("POST", "/api/v1/settlement/runs"): Case(
        True,
        lambda c: [
            (
                "POST",
                "/api/v1/settlement/runs",
                {"json": {"action": "settlement.run", "county": c.county, "year": int(c.year)}},
            )
        ],
        needs="county",
    ),
    ("POST", "/settlement/run"): Case(
        True,
        lambda c: [
            ("POST", "/settlement/run", c.form("settlement.run", county=c.county, year=c.year))
        ],
        frozenset({303}),
        needs="county",
    ),
    ("GET", "/api/v1/settlement/ledger"): Case(
        True,
        get(
            "/api/v1/settlement/ledger?county={c.county}&year=" + Q,
            "/api/v1/settlement/ledger?county={c.county}&year=" + Q + "&page=3",
        ),
        needs="county",
    ),
    ("GET", "/api/v1/settlement/ledger/{line_id}"): Case(
        True,
        get(
            *(
                f"/api/v1/settlement/ledger/L{i:07d}?county={{c.county}}&year={Q}"
                for i in (1, 15, 24, 100, 200)
            )
        ),
        frozenset({200, 403}),  # a line outside a community office's accounts is refused too
        needs="county",
    ),
    ("GET", "/api/v1/settlement/statements"): Case(
        True, get("/api/v1/settlement/statements?county={c.county}&year=" + Q), needs="county"
    ),
    ("GET", "/api/v1/settlement/statements.csv"): Case(
        True,
        get(
            "/api/v1/settlement/statements.csv?county={c.county}&year="
            + Q
            + "&community={c.community}"
        ),
        needs="community",
    ),
    ("GET", "/api/v1/settlement/statements.xlsx"): Case(
        True,
        get(
            "/api/v1/settlement/statements.xlsx?county={c.county}&year="
            + Q
            + "&community={c.community}"
        ),
        needs="community",
    ),
    ("GET", "/settlement"): Case(
        True,
        get("/settlement?county={c.county}&year=" + Q, "/settlement?county={c.county}&format=json"),
        needs="county",
    ),
    ("GET", "/settlement/ledger"): Case(
        True,
        get(
            "/settlement/ledger?county={c.county}&year=" + Q,
            "/settlement/ledger?county={c.county}&format=json&account=institution:",
        ),
        needs="county",
    ),
    ("GET", "/settlement/ledger/{line_id}"): Case(
        True,
        get(
            "/settlement/ledger/L0000015?county={c.county}&year=" + Q,
            "/settlement/ledger/L0000024?county={c.county}&year=" + Q + "&format=json",
        ),
        frozenset({200, 403}),
        needs="county",
    ),
    ("GET", "/settlement/statements"): Case(
        True,
        get(
            "/settlement/statements?county={c.county}&year=" + Q,
            "/settlement/statements?county={c.county}&format=json",
        ),
        needs="county",
    ),
    ("GET", "/settlement/statements.csv"): Case(
        True,
        get("/settlement/statements.csv?county={c.county}&year=" + Q + "&community={c.community}"),
        needs="community",
    ),
    ("GET", "/settlement/statements.xlsx"): Case(
        True,
        get("/settlement/statements.xlsx?county={c.county}&year=" + Q + "&community={c.community}"),
        needs="community",
    ),
    # the insurance bureau's desk: the county's fund (whole county), providers and payments by
    # method (rows of institutions in scope), computing the methods' runs (the bureau)
    ("GET", "/api/v1/bureau/fund"): Case(
        True, get("/api/v1/bureau/fund?county={c.county}&year=" + Q), needs="county"
    ),
    ("GET", "/bureau/fund"): Case(
        True,
        get(
            "/bureau/fund?county={c.county}&year=" + Q, "/bureau/fund?county={c.county}&format=json"
        ),
        needs="county",
    ),
    ("GET", "/api/v1/bureau/agreements"): Case(
        True,
        lambda c: [("GET", f"/api/v1/bureau/agreements?county={_county(c)}&year={c.year}", {})],
    ),
    ("GET", "/bureau/agreements"): Case(
        True,
        lambda c: [
            ("GET", f"/bureau/agreements?county={_county(c)}&year={c.year}", {}),
            ("GET", f"/bureau/agreements?county={_county(c)}&year={c.year}&format=json", {}),
        ],
    ),
    ("GET", "/api/v1/bureau/methods"): Case(
        True, lambda c: [("GET", f"/api/v1/bureau/methods?county={_county(c)}&year={c.year}", {})]
    ),
    ("GET", "/bureau/methods"): Case(
        True,
        lambda c: [
            ("GET", f"/bureau/methods?county={_county(c)}&year={c.year}", {}),
            ("GET", f"/bureau/methods?county={_county(c)}&year={c.year}&format=json", {}),
        ],
    ),
    ("POST", "/api/v1/bureau/methods/runs"): Case(
        True,
        lambda c: [
            (
                "POST",
                "/api/v1/bureau/methods/runs",
                {
                    "json": {
                        "action": "settlement.methods.run",
                        "county": c.county,
                        "year": int(c.year),
                    }
                },
            )
        ],  # fmt: skip
        needs="county",
    ),
    ("POST", "/bureau/methods/run"): Case(
        True,
        lambda c: [
            (
                "POST",
                "/bureau/methods/run",
                c.form("settlement.methods.run", county=c.county, year=c.year),
            )
        ],  # fmt: skip
        frozenset({303}),
        needs="county",
    ),
    # referrals: read the inbox; act on one (an illegal step: 409 proves it got that far)
    ("GET", "/api/v1/referrals"): Case(
        False, get("/api/v1/referrals", "/api/v1/referrals?status=arrived")
    ),
    ("POST", "/api/v1/referrals/{referral_id}/actions/{action}"): Case(
        True, _referral_step, frozenset({409}), needs="referral"
    ),
    ("GET", "/referrals"): Case(False, get("/referrals", "/referrals?format=json")),
    ("GET", "/referrals/{referral_id}"): Case(
        True,
        get("/referrals/{c.referral}", "/referrals/{c.referral}?format=json"),
        needs="referral",
    ),
    ("GET", "/api/v1/referrals/{referral_id}"): Case(
        True, get("/api/v1/referrals/{c.referral}"), needs="referral"
    ),
    ("POST", "/referrals/{referral_id}/act"): Case(
        True, _cockpit_step, frozenset({409}), needs="referral"
    ),
    # screening
    ("GET", "/api/v1/screening/flags"): Case(
        False,
        get(
            "/api/v1/screening/flags?period=" + Q, "/api/v1/screening/flags?period=" + Q + "&page=2"
        ),
    ),
    ("POST", "/api/v1/screening/flags/{flag_id}/review"): Case(
        True, _review, frozenset({200, 409}), needs="flag"
    ),
    ("GET", "/screening"): Case(
        False,
        get(
            "/screening?period=" + Q,
            "/screening?period=" + Q + "&format=json",
            "/screening?period=" + Q + "&rule=split_admission&page=2&format=json",
        ),
    ),
    ("GET", "/screening/flags/{flag_id}"): Case(
        True,
        get("/screening/flags/{c.flag}", "/screening/flags/{c.flag}?format=json"),
        needs="flag",
    ),
    ("GET", "/api/v1/screening/flags/{flag_id}"): Case(
        True, get("/api/v1/screening/flags/{c.flag}"), needs="flag"
    ),
    ("POST", "/screening/flags/{flag_id}/review"): Case(
        True, _cockpit_review, frozenset({303, 409}), needs="flag"
    ),
    ("POST", "/screening/flags/{flag_id}/self-check"): Case(
        True, _cockpit_self_check, frozenset({303, 409}), needs="flag"
    ),
    ("POST", "/api/v1/screening/flags/{flag_id}/self-check"): Case(
        True, _self_check, frozenset({200, 409}), needs="flag"
    ),
    # reform tasks
    ("GET", "/tasks"): Case(
        True, get("/tasks?node={c.node}&period=" + Q, "/tasks?node={c.node}&format=json")
    ),
    ("GET", "/api/v1/tasks"): Case(True, get("/api/v1/tasks?node={c.node}&year=" + Q)),
    ("GET", "/tasks/report"): Case(
        True, get("/tasks/report?node={c.node}&year=" + Q + "&kind=xlsx")
    ),
    ("POST", "/tasks/record"): Case(True, _cockpit_task_entry, frozenset({303})),
    ("POST", "/api/v1/tasks/{task_id}/entries"): Case(True, _task_entry),
    # graded care
    ("GET", "/api/v1/centres"): Case(False, get("/api/v1/centres?year=" + Q)),
    ("GET", "/api/v1/contracts"): Case(True, get("/api/v1/contracts?year=" + Q + "&node={c.node}")),
    # hospital operations
    **{
        ("GET", f"/api/v1/operations/{page}"): Case(
            True, get(f"/api/v1/operations/{page}?node={{c.node}}&year=" + Q)
        )
        for page in ("budget", "costs", "drg-pnl", "pay-checks")
    },
    ("GET", "/api/v1/operations/{report}.xlsx"): Case(
        True,
        get(
            *(
                f"/api/v1/operations/{report}.xlsx?node={{c.node}}&year=" + Q
                for report in ("budget", "costs", "drg-pnl", "pay-checks")
            )
        ),
    ),
    **{
        ("GET", f"/operations/{page}"): Case(
            True,
            get(
                f"/operations/{page}?node={{c.node}}&year=" + Q,
                f"/operations/{page}?node={{c.node}}&year=" + Q + "&format=json",
            ),
        )
        for page in ("budget", "costs", "drg-pnl", "pay-checks")
    },
    # drugs and itemised charges
    ("GET", "/api/v1/drugs/procurement"): Case(
        True, get("/api/v1/drugs/procurement?node={c.node}&year=" + Q)
    ),
    ("GET", "/api/v1/drugs/use"): Case(
        True, get("/api/v1/drugs/use?node={c.node}&period={c.period}")
    ),
    ("GET", "/api/v1/charges/stays"): Case(
        True, get("/api/v1/charges/stays?node={c.node}&year=" + Q)
    ),
    ("GET", "/api/v1/charges/price-simulation"): Case(
        True, get("/api/v1/charges/price-simulation?node={c.node}&year=" + Q + "&force=true")
    ),
    ("GET", "/api/v1/charges/daily-list"): Case(
        True, get("/api/v1/charges/daily-list?stay={c.stay}"), needs="stay"
    ),
    ("GET", "/api/v1/charges/daily-list.{fmt}"): Case(
        True,
        get(
            "/api/v1/charges/daily-list.xlsx?stay={c.stay}",
            "/api/v1/charges/daily-list.csv?stay={c.stay}&lang=en",
        ),
        needs="stay",
    ),
    ("GET", "/drugs"): Case(
        True, get("/drugs?node={c.node}&period={c.period}", "/drugs?node={c.node}&format=json")
    ),
    ("GET", "/charges"): Case(
        True,
        get(
            "/charges?node={c.node}&period={c.period}&force=true",
            "/charges?node={c.node}&stay={c.stay}&format=json",
        ),
        needs="stay",
    ),
    ("GET", "/centres"): Case(False, get("/centres", "/centres?format=json")),
    ("GET", "/api/v1/health"): Case(False, get("/api/v1/health?year=" + Q)),
    ("GET", "/health"): Case(False, get("/health", "/health?format=json")),
    ("GET", "/contracts"): Case(
        True, get("/contracts?node={c.node}", "/contracts?node={c.node}&format=json")
    ),
    # the FHIR face: the CapabilityStatement (public), searches listing only the referrals in
    # scope, reads of one referral's ServiceRequest / Task (outside the scope: 403)
    ("GET", "/fhir/metadata"): Case(False, get("/fhir/metadata")),
    ("GET", "/fhir/ServiceRequest"): Case(
        False,
        get(
            "/fhir/ServiceRequest?_count=200",
            "/fhir/ServiceRequest?status=active,completed&authored=ge2000-01-01&_count=5",
        ),
    ),
    ("GET", "/fhir/ServiceRequest/{resource_id}"): Case(
        True, get("/fhir/ServiceRequest/sr-{c.referral}"), needs="referral"
    ),
    ("GET", "/fhir/Task"): Case(
        False, get("/fhir/Task?_count=200", "/fhir/Task?status=completed,rejected&_offset=1")
    ),
    ("GET", "/fhir/Task/{resource_id}"): Case(
        True, get("/fhir/Task/task-{c.referral}"), needs="referral"
    ),
    # user administration
    ("GET", "/admin/users"): Case(False, get("/admin/users", "/admin/users?format=json")),
    ("POST", "/admin/users"): Case(True, _add_user, frozenset({303})),
    ("POST", "/admin/users/{username}"): Case(True, _change_user, frozenset({303})),
}
# documentation routes carry no data
PUBLIC = {"/openapi.json", "/docs", "/redoc"}


def _flat(routes: list) -> list:
    out = []
    for r in routes:
        inner = getattr(r, "original_router", None)
        out += _flat(inner.routes) if inner is not None else [r]
    return out


def test_every_route_is_in_the_matrix(app):
    routes = {k for k in route_keys(app) if k[1] not in PUBLIC}
    assert routes - set(MATRIX) == set(), "routes without an access-matrix entry"
    assert set(MATRIX) - routes == set(), "matrix entries for routes that no longer exist"
    routes = _flat(app.routes)
    assert sum(isinstance(r, APIRoute) and r.path not in PUBLIC for r in routes) == len(MATRIX)
    every = {k for k in route_keys(app)}
    assert every == set(permissions().routes), "the permission file and the app differ"


def test_every_role_is_in_the_matrix():
    from yigong.access.roles import Role

    assert {role for role, _, _ in USERS.values()} == {r.value for r in Role}


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


def leaks(text: str, ctype: str, hidden_ids: set[str], hidden_names: set[str]) -> list[str]:
    """Ids (anywhere) and names (as a whole JSON value, or not followed by more CJK text)
    of hidden institutions found in an answer."""
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


def error_code(r) -> str:  # noqa: ANN001
    """The error code: of the JSON error object (API, twins), or of the cockpit's error page."""
    if "json" in r.headers.get("content-type", ""):
        return str(r.json()["error"]["code"])
    found = re.search(r'data-error-code="([a-z_]+)"', r.text)
    return found.group(1) if found else f"no error page: {r.status_code} {r.text[:200]}"


def _targets(app, user: str) -> dict[str, tuple[str | None, str | None]]:
    """A referral and a flag inside the user's scope, and one outside (None: none exists, an
    unknown id is used, refused alike)."""
    state = app.state.yigong
    scope = state.scope(state.users.get(user))
    from yigong.services.referral import referral_inbox

    everything = referral_inbox(state.workflow(), scope.all_institutions, limit=10_000).items
    mine = [
        r
        for r in everything
        if {r.requesting_institution, r.receiving_institution} & scope.institutions
    ]
    done = [r for r in mine if r.status.value == "records_returned"] or mine
    others = [r for r in everything if r not in mine]
    with state.tables() as wh:
        flags = (
            wh.table("screen_flags").select("flag_id", "institution_id").to_pyarrow().to_pylist()
        )
        c = wh.table("charge_items")
        c = c.filter(c.setting == "inpatient")
        stays = c.select(stay=c.encounter_id, institution_id=c.institution_id).distinct()
        stays = stays.order_by("stay").to_pyarrow().to_pylist()
    s_in = [s["stay"] for s in stays if s["institution_id"] in scope.institutions]
    s_out = [s["stay"] for s in stays if s["institution_id"] not in scope.institutions]
    f_in = [f["flag_id"] for f in flags if f["institution_id"] in scope.institutions]
    f_out = [f["flag_id"] for f in flags if f["institution_id"] not in scope.institutions]
    from yigong.access.principal import Principal
    from yigong.access.views.settlement import visible

    p = Principal(state.users.get(user), scope, state)
    own = next((c for c in (COUNTY, "130402") if any(visible(p, c))), None)
    other = {COUNTY: "130402", None: COUNTY}.get(own, COUNTY)
    if user in ("province", "city"):
        other = "140100"  # their scope holds both counties of the test world: one elsewhere
    whole, communities = visible(p, own) if own else (False, set())
    community = "C1304231" if own == COUNTY and (whole or "C1304231" in communities) else None
    return {
        "referral": (
            done[0].referral_id if done else None,
            others[0].referral_id if others else "RFS-0000-000000",
        ),
        "flag": (f_in[0] if f_in else None, f_out[0] if f_out else "no-such-flag"),
        "county": (own, other),
        "community": (community, "C1304231"),
        "stay": (s_in[0] if s_in else None, s_out[0] if s_out else "no-such-stay"),
    }


def _counterpart_names(app, user: str) -> set[str]:
    """Names of the other ends of the user's own referrals (shown by name in the inbox)."""
    state = app.state.yigong
    scope = state.scope(state.users.get(user))
    from yigong.services.referral import referral_inbox

    items = referral_inbox(state.workflow(), scope.institutions, limit=10_000).items
    ends = {i for r in items for i in (r.requesting_institution, r.receiving_institution)}
    return {scope.names[i] for i in ends - scope.institutions if scope.names.get(i)}


@pytest.fixture(scope="module")
def victim(app):
    """A user inside the county for the administrator's changes."""
    store = app.state.yigong.users
    if store.get("victim") is None:
        store.add("victim", PASSWORD, "community_office", ["community:C1304231"], actor="tests")
    return "victim"


@pytest.mark.parametrize("user", sorted(USERS))
def test_every_route_every_role_inside_and_outside(
    settled_app, client, tokens, world, victim, user
):
    app = settled_app  # the global budget runs (one-year policy): ledger lines are checked too
    state = app.state.yigong
    perms = permissions()
    me = state.users.get(user)
    scope = state.scope(me)
    hidden_ids = set(scope.all_institutions - scope.institutions)
    hidden_names = {scope.names[i] for i in hidden_ids}
    counterparts = _counterpart_names(app, user)
    if user in ("town", "village", "elsewhere"):
        assert hidden_ids, "the matrix needs users that cannot see everything"
    targets = _targets(app, user)
    own, outside = USERS[user][2], OUTSIDE[user]
    client.cookies.clear()
    sent = 0
    for (method, path), case in MATRIX.items():
        rp = perms.route(method, path)
        assert rp is not None, (method, path)
        permitted = rp.public or perms.allowed(me.role, rp.action, rp.resource)
        for inside in (True, False):
            ctx = Ctx(
                user,
                own if inside else outside,
                inside,
                world.period,
                targets["referral"][0 if inside else 1],
                targets["flag"][0 if inside else 1],
                targets["county"][0 if inside else 1],
                targets["community"][0 if inside else 1],
                client,
                state,
                dict(tokens[user]),
                targets["stay"][0 if inside else 1],
            )
            if inside and case.needs and getattr(ctx, case.needs) is None:
                continue  # nothing of this user's to ask about (another user of the role has it)
            for m, url, kw in case.build(ctx):
                headers = {**tokens[user], **kw.pop("headers", {})}
                r = client.request(m, url, headers=headers, follow_redirects=False, **kw)
                client.cookies.clear()
                sent += 1
                where = f"{user} ({me.role.value}) {m} {url} inside={inside}"
                assert r.status_code < 500, f"{where}: {r.status_code} {r.text[:300]}"
                if not permitted:
                    assert r.status_code == 403, f"{where}: expected 403, got {r.status_code}"
                    assert error_code(r) == "not_permitted", where
                elif case.scoped and not inside:
                    assert r.status_code == 403, (
                        f"{where}: expected 403, got {r.status_code} {r.text[:200]}"
                    )
                    assert error_code(r) == "outside_scope", where
                else:
                    assert r.status_code in case.ok, f"{where}: {r.status_code} {r.text[:300]}"
                shows_ends = "referrals" in url or url.startswith("/fhir/")
                shown_ok = counterparts if shows_ends and m == "GET" else set()
                found = leaks(
                    _text(r), r.headers.get("content-type", ""), hidden_ids, hidden_names - shown_ok
                )
                assert not found, f"{where} shows institutions outside the scope: {found}"
    assert sent > 80


def test_a_route_without_a_permission_entry_stops_the_app(world, monkeypatch):
    from fastapi import APIRouter

    from yigong.api import create_app

    extra = APIRouter()

    @extra.get("/api/v1/tests/unlisted")
    def unlisted() -> dict:
        return {}

    import yigong.api.app

    real = yigong.api.app.mount_web

    def mount(app) -> None:  # noqa: ANN001
        real(app)
        app.include_router(extra)

    monkeypatch.setattr(yigong.api.app, "mount_web", mount)  # as create_app calls it
    with pytest.raises(RuntimeError, match="/api/v1/tests/unlisted"):
        create_app(world.settings)


def test_a_route_added_after_start_is_refused(world, tokens):
    from fastapi.testclient import TestClient

    from yigong.api import create_app

    app = create_app(world.settings)

    @app.get("/api/v1/tests/later")
    def later() -> dict:
        return {"secret": "data"}

    r = TestClient(app).get("/api/v1/tests/later", headers=tokens["county"])
    assert r.status_code == 403 and r.json()["error"]["code"] == "no_permission"
    assert "secret" not in r.text


def test_web_login_sets_a_cookie_and_pages_need_it(client):
    client.cookies.clear()
    r = client.get("/", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    form = client.get("/login")
    token = re.search(r'name="csrf" value="([0-9a-f]+)"', form.text).group(1)
    base = {"action": "login", "csrf": token, "username": "town", "next": "/"}
    r = client.post(
        "/login", data={**base, "password": "wrong"}, headers=ORIGIN, follow_redirects=False
    )
    assert r.status_code == 303 and "error=1" in r.headers["location"]
    r = client.post(
        "/login",
        data={**base, "password": PASSWORD, "next": "/tree"},
        headers=ORIGIN,
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/tree"
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie
    assert (
        client.get("/tree?format=json").json()["communities"][0]["institutions"][0]["node"]
        == "inst:H13042300100"
    )
    client.cookies.clear()


def test_login_never_redirects_off_site(client):
    client.cookies.clear()
    for target in ("//evil.example/x", "/\\evil.example/x", "https://evil.example/"):
        form = client.get("/login")
        token = re.search(r'name="csrf" value="([0-9a-f]+)"', form.text).group(1)
        r = client.post(
            "/login",
            data={
                "action": "login",
                "csrf": token,
                "username": "town",
                "password": PASSWORD,
                "next": target,
            },
            headers=ORIGIN,
            follow_redirects=False,
        )
        assert r.status_code == 303 and r.headers["location"] == "/"
        client.cookies.clear()
    r = client.get(
        "/lang/en", headers={"referer": "https://evil.example/tree?x=1"}, follow_redirects=False
    )
    assert r.headers["location"] == "/tree?x=1"
    client.cookies.clear()
