"""Cockpit routes: login, overview scorecard, drill-down, institution tree, case mix, data
quality, settlement (budget, ledger with explanations, statements), referrals, shared centres,
family-doctor contracts, language switch.

Each page takes ``?format=json`` and then returns the data it renders (its JSON twin).
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote, urlparse

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from yigong.api.auth import issue_token
from yigong.api.context import TOKEN_COOKIE, Principal, principal
from yigong.api.errors import ApiError
from yigong.indicators.periods import parse_period
from yigong.services import hierarchy
from yigong.web import HERE
from yigong.web.i18n import LANG_COOKIE, LANGUAGES, language, messages
from yigong.web.views import (
    casemix_view,
    centres_view,
    contracts_view,
    drill_view,
    explain_view,
    ledger_view,
    overview_view,
    quality_view,
    referrals_view,
    screening_view,
    settlement_view,
    statements_view,
    tree_view,
)

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=HERE / "templates")


def _num(v: object) -> str:
    """A numerator or denominator as people read it: thousands separators, '—' when none."""
    if v is None or v == "":
        return "—"
    text = str(v)
    whole, dot, frac = text.partition(".")
    if len(frac) > 4:  # a growth's parts are exact quotients: four decimals are read
        whole, dot, frac = f"{float(text):.4f}".partition(".")
    try:
        grouped = f"{int(whole):,}"
    except ValueError:
        return text
    return grouped + (dot + frac if dot else "")


templates.env.filters["num"] = _num
Format = Annotated[str, Query(pattern="^(html|json)$")]


def _render(
    request: Request, name: str, data: dict[str, Any], fmt: str, p: Principal | None = None
) -> Response:
    if fmt == "json":
        return JSONResponse(data)
    lang = language(request)
    return templates.TemplateResponse(
        request,
        name,
        {"data": data, "t": messages(lang), "lang": lang, "user": p.user if p else None},
    )


def _local(path: str) -> str:
    """A path on this site (``//host`` and ``http://…`` are refused: no open redirect)."""
    return path if path.startswith("/") and not path.startswith(("//", "/\\")) else "/"


def _who(request: Request) -> Principal | None:
    try:
        return principal(request)
    except ApiError as exc:
        if exc.status == 401:
            return None
        raise


def _login_redirect(request: Request) -> Response:
    return RedirectResponse(f"/login?next={quote(str(request.url.path))}", status_code=303)


def _period(p: Principal, period: str | None) -> str:
    if not period:
        with p.state.tables() as wh:
            return hierarchy.latest_year(wh)
    try:
        return parse_period(period).code
    except ValueError as exc:
        raise ApiError(400, "bad_period", str(exc)) from exc


@router.get("/login")
def login_form(request: Request, next: str = "/", error: int = 0) -> Response:
    return _render(request, "login.html", {"next": _local(next), "error": bool(error)}, "html")


@router.post("/login")
def login(
    request: Request,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/",
) -> Response:
    state = request.app.state.yigong
    user = state.users.authenticate(username, password)
    if user is None:
        return RedirectResponse(f"/login?error=1&next={quote(_local(next))}", status_code=303)
    token = issue_token(user.username, state.settings.secret, state.settings.token_minutes)
    out = RedirectResponse(_local(next), status_code=303)
    out.set_cookie(
        TOKEN_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        max_age=state.settings.token_minutes * 60,
    )
    return out


@router.get("/logout")
def logout() -> Response:
    out = RedirectResponse("/login", status_code=303)
    out.delete_cookie(TOKEN_COOKIE)
    return out


@router.get("/lang/{lang}")
def switch_language(request: Request, lang: str) -> Response:
    ref = urlparse(request.headers.get("referer") or "/")  # back to the page, never off-site
    back = _local(ref.path or "/") + (f"?{ref.query}" if ref.query else "")
    out = RedirectResponse(back, status_code=303)
    if lang in LANGUAGES:
        out.set_cookie(LANG_COOKIE, lang, samesite="lax", max_age=365 * 86400)
    return out


@router.get("/")
def overview(
    request: Request,
    node: str | None = None,
    period: str | None = None,
    q: Annotated[str, Query(max_length=100)] = "",
    format: Format = "html",
) -> Response:
    p = _who(request)
    if p is None:
        return _login_redirect(request)
    data = overview_view(p, node or p.user.nodes[0], _period(p, period), q.strip())
    return _render(request, "overview.html", data, format, p)


@router.get("/nodes/{node}/indicators/{indicator}")
def drill(
    request: Request, node: str, indicator: str, period: str | None = None, format: Format = "html"
) -> Response:
    p = _who(request)
    if p is None:
        return _login_redirect(request)
    from yigong.services.indicators import catalog

    if indicator not in catalog().indicators:
        raise ApiError(404, "unknown_indicator", f"no indicator {indicator!r}")
    data = drill_view(p, node, indicator, _period(p, period))
    return _render(request, "drill.html", data, format, p)


@router.get("/tree")
def tree(request: Request, format: Format = "html") -> Response:
    p = _who(request)
    if p is None:
        return _login_redirect(request)
    return _render(request, "tree.html", tree_view(p), format, p)


@router.get("/casemix")
def casemix(
    request: Request, node: str | None = None, period: str | None = None, format: Format = "html"
) -> Response:
    p = _who(request)
    if p is None:
        return _login_redirect(request)
    data = casemix_view(p, node or p.user.nodes[0], _period(p, period))
    return _render(request, "casemix.html", data, format, p)


@router.get("/quality")
def quality(request: Request, format: Format = "html") -> Response:
    p = _who(request)
    if p is None:
        return _login_redirect(request)
    return _render(request, "quality.html", quality_view(p), format, p)


@router.get("/settlement")
def settlement(
    request: Request,
    county: Annotated[str | None, Query(pattern=r"^\d{6}$")] = None,
    year: Annotated[int | None, Query(ge=1990, le=2100)] = None,
    format: Format = "html",
) -> Response:
    p = _who(request)
    if p is None:
        return _login_redirect(request)
    from yigong.api.budget import default_county

    data = settlement_view(p, county or default_county(p), year or int(_period(p, None)[:4]))
    return _render(request, "settlement.html", data, format, p)


@router.get("/referrals")
def referrals(
    request: Request,
    status: Annotated[str | None, Query(max_length=40)] = None,
    page: Annotated[int, Query(ge=1, le=10**6)] = 1,
    format: Format = "html",
) -> Response:
    p = _who(request)
    if p is None:
        return _login_redirect(request)
    from yigong.api.referrals import STATUSES

    status = status or None  # the form's "all statuses" sends status=
    if status is not None and status not in STATUSES:
        raise ApiError(
            400, "bad_request", f"no referral status {status!r}", {"statuses": list(STATUSES)}
        )
    return _render(request, "referrals.html", referrals_view(p, status, page), format, p)


@router.get("/screening")
def screening(
    request: Request,
    period: Annotated[str | None, Query(pattern=r"^\d{4}(Q[1-4]|\d{2})?$")] = None,
    rule: Annotated[str | None, Query(pattern=r"^[a-z][a-z0-9_]{0,60}$")] = None,
    page: Annotated[int, Query(ge=1, le=10**6)] = 1,
    format: Format = "html",
) -> Response:
    """Fund-supervision screening flags in scope, most severe rules first, then furthest past
    their threshold."""
    p = _who(request)
    if p is None:
        return _login_redirect(request)
    from yigong.services.screening import rules

    rule = rule or None  # the form's "all rules" sends rule=
    if rule is not None and rule not in rules().rules:
        raise ApiError(
            400, "bad_request", f"no screening rule {rule!r}", {"rules": sorted(rules().rules)}
        )
    period = period or _period(p, None)[:4]
    try:
        data = screening_view(p, period, rule, page)
    except ValueError as exc:  # a period the pattern lets through but the calendar refuses
        raise ApiError(400, "bad_period", str(exc)) from exc
    return _render(request, "screening.html", data, format, p)


CountyQ = Annotated[str | None, Query(pattern=r"^\d{6}$")]
YearQ = Annotated[int | None, Query(ge=1990, le=2100)]


def _county_year(p: Principal, county: str | None, year: int | None) -> tuple[str, int]:
    from yigong.api.budget import default_county

    return county or default_county(p), year or int(_period(p, None)[:4])


@router.get("/settlement/ledger")
def ledger(
    request: Request,
    county: CountyQ = None,
    year: YearQ = None,
    account: Annotated[str | None, Query(max_length=120)] = None,
    community: Annotated[str | None, Query(max_length=64)] = None,
    month: Annotated[str | None, Query(max_length=7)] = None,
    page: Annotated[int, Query(ge=1, le=10**6)] = 1,
    format: Format = "html",
) -> Response:
    p = _who(request)
    if p is None:
        return _login_redirect(request)
    c, y = _county_year(p, county, year)
    data = ledger_view(p, c, y, account or None, community or None, month or None, page)
    return _render(request, "ledger.html", data, format, p)


@router.get("/settlement/ledger/{line_id}")
def ledger_explain(
    request: Request,
    line_id: Annotated[str, Path(pattern=r"^L\d{7}$")],
    county: CountyQ = None,
    year: YearQ = None,
    format: Format = "html",
) -> Response:
    p = _who(request)
    if p is None:
        return _login_redirect(request)
    c, y = _county_year(p, county, year)
    return _render(request, "explain.html", explain_view(p, c, y, line_id), format, p)


@router.get("/settlement/statements")
def statements(
    request: Request,
    county: CountyQ = None,
    year: YearQ = None,
    community: Annotated[str | None, Query(max_length=64)] = None,
    format: Format = "html",
) -> Response:
    p = _who(request)
    if p is None:
        return _login_redirect(request)
    c, y = _county_year(p, county, year)
    return _render(
        request, "statements.html", statements_view(p, c, y, community or None), format, p
    )


@router.get("/centres")
def centres(request: Request, year: YearQ = None, format: Format = "html") -> Response:
    p = _who(request)
    if p is None:
        return _login_redirect(request)
    return _render(
        request, "centres.html", centres_view(p, year or int(_period(p, None)[:4])), format, p
    )


@router.get("/contracts")
def contracts(
    request: Request,
    year: YearQ = None,
    node: Annotated[str | None, Query(max_length=80)] = None,
    format: Format = "html",
) -> Response:
    p = _who(request)
    if p is None:
        return _login_redirect(request)
    data = contracts_view(p, year or int(_period(p, None)[:4]), node or None)
    return _render(request, "contracts.html", data, format, p)
