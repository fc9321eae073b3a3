"""Rendering a cockpit page: the template with the page's data, the language's messages, the
user, the menu their role may open, and the CSRF token their forms carry — or, with
``?format=json``, exactly the data (the page's JSON twin)."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse, Response
from fastapi.templating import Jinja2Templates

from yigong.access.http import csrf_token, state_of
from yigong.access.permissions import permissions
from yigong.access.roles import ROLE_NAMES
from yigong.web import HERE
from yigong.web.i18n import language, messages

__all__ = ["MENU", "landing", "page_context", "render", "templates"]

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


def _pct(v: object, places: int = 1) -> str:
    """A fraction (``0.9569``) as a percentage (``95.7%``); '—' when none."""
    if v is None or v == "":
        return "—"
    try:
        return f"{float(str(v)) * 100:.{places}f}%"
    except ValueError:
        return str(v)


templates.env.filters["pct"] = _pct
#: the menu: (element id, link, message key); shown when the role may open the link
MENU = (
    ("nav-overview", "/", "overview"),
    ("nav-tree", "/tree", "tree"),
    ("nav-casemix", "/casemix", "casemix"),
    ("nav-quality", "/quality", "quarantine"),
    ("nav-settlement", "/settlement", "settlement"),
    ("nav-ledger", "/settlement/ledger", "ledger"),
    ("nav-statements", "/settlement/statements", "statements"),
    ("nav-referrals", "/referrals", "referrals"),
    ("nav-centres", "/centres", "centres"),
    ("nav-contracts", "/contracts", "contracts"),
    ("nav-screening", "/screening", "screening"),
    ("nav-ops-budget", "/operations/budget", "ops_budget"),
    ("nav-ops-costs", "/operations/costs", "ops_costs"),
    ("nav-ops-pnl", "/operations/drg-pnl", "ops_pnl"),
    ("nav-ops-pay", "/operations/pay-checks", "ops_pay"),
    ("nav-admin", "/admin/users", "admin_users"),
    ("nav-account", "/account", "my_account"),
)


def landing(role: Any) -> list[tuple[str, str, str]]:
    """The menu of a role (the first entry is where a login lands)."""
    return _menu(role)


def _menu(role: Any) -> list[tuple[str, str, str]]:
    perms = permissions()
    out = []
    for ident, href, key in MENU:
        rp = perms.route("GET", href)
        if rp is not None and rp.resource and perms.allowed(role, rp.action or "", rp.resource):
            out.append((ident, href, key))
    return out


def page_context(request: Request) -> dict[str, Any]:
    """What every template gets besides its data."""
    lang = language(request)
    user = getattr(request.state, "user", None)
    session = getattr(request.state, "session", None)
    return {
        "t": messages(lang),
        "lang": lang,
        "user": user,
        "role_name": (ROLE_NAMES[user.role][0 if lang == "zh" else 1] if user else ""),
        "menu": _menu(user.role) if user else [],
        "csrf": csrf_token(state_of(request), session) if session is not None else "",
    }


def render(
    request: Request, name: str, data: dict[str, Any], fmt: str = "html", status: int = 200
) -> Response:
    if fmt == "json":
        return JSONResponse(data, status_code=status)
    return templates.TemplateResponse(
        request, name, {"data": data, **page_context(request)}, status_code=status
    )
