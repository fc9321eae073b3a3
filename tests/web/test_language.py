"""Every cockpit page in both languages, with nothing left untranslated.

Each page route of the cockpit (a route without an entry in `PAGES` fails the test) is
rendered for the users who may open it, in Chinese and in English, and its readable text is
checked by `tests.web.language.problems`: no message key without its message, no ``None`` /
``True`` / ``False``, no raw ``snake_case`` code, no English on a Chinese page, no Chinese
(units included) on an English page. Names of places and institutions are Chinese proper
names and are marked ``lang="zh-CN"`` on English pages; identifiers and text users typed are
marked ``translate="no"``.
"""

from __future__ import annotations

import pytest

from tests.api.world import PASSWORD, build_world, settled
from tests.web.language import problems, visible_text

#: every GET page of the cockpit → (user, URLs); downloads and the JSON twins are not pages
PAGES: dict[str, tuple[str, tuple[str, ...]]] = {
    "/": ("county", ("/", "/?by=community", "/?node=inst:H13042300100", "/?period=2024Q2")),
    "/indicators": ("county", ("/indicators", "/indicators?node=community:C1304231")),
    "/nodes/{node}/indicators/{indicator}": (
        "county",
        (
            "/nodes/division:130423/indicators/C01",
            "/nodes/community:C1304231/indicators/C05",
            "/nodes/inst:H13042300001/indicators/P01",
        ),
    ),
    "/tree": ("county", ("/tree", "/tree?q=卫生院")),
    "/todo": ("town", ("/todo",)),
    "/casemix": ("county", ("/casemix",)),
    "/quality": ("county", ("/quality",)),
    "/settlement": ("bureau", ("/settlement",)),
    "/settlement/ledger": ("bureau", ("/settlement/ledger", "/settlement/ledger?month=2024-03")),
    "/settlement/ledger/{line_id}": (
        "bureau",
        tuple(f"/settlement/ledger/L{i:07d}" for i in (1, 8, 30, 200)),
    ),
    "/settlement/statements": ("bureau", ("/settlement/statements",)),
    "/referrals": ("town", ("/referrals",)),
    "/referrals/{referral_id}": ("town", ()),  # filled in from the world
    "/centres": ("county", ("/centres",)),
    "/contracts": ("county", ("/contracts",)),
    "/screening": ("bureau", ("/screening", "/screening?sort=amount&severity=high")),
    "/screening/flags/{flag_id}": ("bureau", ()),  # filled in from the world
    "/tasks": ("county", ("/tasks",)),
    "/health": ("county", ("/health", "/health?year=2023")),
    "/bureau/fund": ("bureau", ("/bureau/fund", "/bureau/fund?county=130423&year=2024")),
    "/bureau/agreements": ("bureau", ("/bureau/agreements",)),
    "/bureau/methods": ("bureau", ("/bureau/methods",)),
    "/operations/budget": (
        "county",
        (
            "/operations/budget",
            "/operations/budget?through_month=6",
            "/operations/budget?alerts_only=true&page=2",
        ),
    ),
    "/operations/costs": ("county", ("/operations/costs",)),
    "/operations/drg-pnl": (
        "county",
        (
            "/operations/drg-pnl",
            "/operations/drg-pnl?by=department",
            "/operations/drg-pnl?by=doctor",
        ),
    ),
    "/operations/pay-checks": ("county", ("/operations/pay-checks",)),
    "/drugs": ("county", ("/drugs", "/drugs?node=inst:H13042300100&indicator=R01")),
    "/charges": ("county", ()),  # filled in from the world (one stay's daily list)
    "/account": ("county", ("/account",)),
    "/admin/users": ("admin", ("/admin/users",)),
    "/login": ("", ("/login",)),
}
ERRORS = ("/no-such-page", "/?node=division:130400", "/?period=1800")


@pytest.fixture(scope="module")
def cockpit(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    """The test world settling with the one-year policy, its run computed by the bureau."""
    import warnings

    from starlette.exceptions import StarletteDeprecationWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StarletteDeprecationWarning)
        from fastapi.testclient import TestClient

    from yigong.api import create_app

    world = build_world(tmp_path_factory.mktemp("yigong-language"))
    app = create_app(settled(world, tmp_path_factory.mktemp("language-runs")))
    client = TestClient(app)
    tokens = {}
    for user in ("county", "town", "bureau", "admin"):
        r = client.post(
            "/api/v1/auth/token",
            data={"username": user, "password": PASSWORD, "grant_type": "password"},
        )
        tokens[user] = {"Authorization": f"Bearer {r.json()['access_token']}"}
    r = client.post(
        "/api/v1/settlement/runs",
        json={"action": "settlement.run", "county": "130423", "year": int(world.period[:4])},
        headers=tokens["bureau"],
    )
    assert r.status_code == 200 and r.json()["status"] == "ready", r.text
    return app, client, tokens


def _filled(app, client, tokens) -> dict[str, tuple[str, tuple[str, ...]]]:  # noqa: ANN001
    pages = dict(PAGES)
    ref = client.get("/api/v1/referrals", headers=tokens["town"]).json()["items"][0]
    pages["/referrals/{referral_id}"] = ("town", (f"/referrals/{ref['referral_id']}",))
    flags = client.get("/api/v1/screening/flags", headers=tokens["bureau"]).json()["items"]
    by_rule = {f["rule_id"]: f["flag_id"] for f in flags}  # one flag of every rule that fired
    pages["/screening/flags/{flag_id}"] = (
        "bureau",
        tuple(f"/screening/flags/{f}" for f in by_rule.values()),
    )
    stay = client.get(
        "/api/v1/charges/stays?node=division:130423&year=" + _year(client, tokens),
        headers=tokens["county"],
    ).json()["stays"][0]["discharge_id"]
    pages["/charges"] = ("county", ("/charges", "/charges?force=true", f"/charges?stay={stay}"))
    return pages


def _year(client, tokens) -> str:  # noqa: ANN001
    return str(client.get("/drugs?format=json", headers=tokens["county"]).json()["period"])[:4]


def test_every_page_is_in_the_language_test(cockpit):
    from yigong.api.app import route_keys

    app, _, _ = cockpit
    pages = {
        path
        for method, path in route_keys(app)
        if method == "GET"
        and not path.startswith(("/api/", "/fhir/", "/static"))  # FHIR is an API face
        and path not in ("/docs", "/redoc", "/openapi.json", "/lang/{lang}", "/healthz", "/readyz")
        and not path.endswith((".csv", ".xlsx", "/report"))
    }
    assert pages - set(PAGES) == set(), "cockpit pages missing from the language test"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_page_speaks_one_language(cockpit, lang):
    app, client, tokens = cockpit
    seen = 0
    for _, (user, urls) in _filled(app, client, tokens).items():
        for url in urls:
            client.cookies.clear()
            client.cookies.set("lang", lang)
            r = client.get(url, headers=tokens.get(user, {}))
            assert r.status_code == 200, f"{url}: {r.status_code} {r.text[:200]}"
            found = problems(r.text, lang)
            assert not found, f"{lang} {url} ({user}): {found[:6]}"
            seen += 1
    for url in ERRORS:  # the error pages too
        client.cookies.set("lang", lang)
        r = client.get(url, headers=tokens["county"])
        assert r.status_code in (400, 403, 404)
        assert not problems(r.text, lang), url
    assert seen > 25


def test_the_checker_catches_what_it_should():
    zh = '<html lang="zh-CN"><body><p>状态 not_applicable</p><p>None</p><p>⟦rs_x⟧</p></body></html>'
    flagged = {p.rpartition(": ")[2] for p in problems(zh, "zh")}
    assert flagged == {"状态 not_applicable", "None", "⟦rs_x⟧"}
    assert problems('<p>Referral inbox</p><p><span translate="no">H130</span></p>', "zh")
    assert not problems('<p>转诊收件箱 <span translate="no">records_returned</span></p>', "zh")
    assert problems("<p>Beds 6.09 张/千人</p>", "en")
    assert problems("<p>临漳县人民医院</p>", "en")
    assert not problems('<p>Hospital: <span lang="zh-CN">临漳县人民医院</span></p>', "en")
    assert "secret" not in visible_text("<script>secret</script><p>x</p>", "en")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_number_and_parameter_of_a_flag_has_a_label(lang):
    """The flag page names each of its rule's numbers (``num_<name>``) and parameters
    (``param_<name>``); a rule added with its own must bring the labels in both languages, even
    before the demo fires it."""
    import json
    from pathlib import Path

    from yigong.oversight.evaluators import EVALUATORS

    messages = json.loads((Path(__file__).parents[2] / "src/yigong/web/messages.json").read_text())
    numbers = {f"num_{n}" for e in EVALUATORS.values() for n in e.numbers}
    params = {f"param_{n}" for e in EVALUATORS.values() for n in e.params.model_fields}
    assert numbers and params, "no evaluator declares its numbers and parameters"
    missing = sorted(k for k in numbers | params if k not in messages[lang])
    assert not missing, f"{lang}: no label for the flag numbers and parameters {missing}"
