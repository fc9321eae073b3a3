"""Rendering a cockpit page: the template with the page's data, the language's messages and
formatter, the user, the menu their role may open, the navigation (breadcrumbs, node and
period pickers) and the CSRF token their forms carry — or, with ``?format=json``, exactly the
data (the page's JSON twin); with ``?format=csv|xlsx&table=<id>`` one table of the page as a
file (`yigong.web.tables`), with ``?format=pdf`` the page's tables as a PDF
(`yigong.web.pdf`)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from html import unescape
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse, Response
from fastapi.templating import Jinja2Templates

from yigong.access.errors import AccessError
from yigong.access.http import csrf_token, state_of
from yigong.access.permissions import permissions
from yigong.access.roles import ROLE_NAMES
from yigong.access.views.files import CSV, XLSX, csv_bytes, xlsx_bytes
from yigong.web import HERE
from yigong.web.format import Formatter
from yigong.web.i18n import language, messages
from yigong.web.nav import nav_context, with_params
from yigong.web.pdf import page_pdf
from yigong.web.tables import TableNotFound, extract_all, extract_table

__all__ = ["FORMATS", "MENU", "landing", "page_context", "render", "templates"]

#: what ``?format=`` may ask of a page
FORMATS = ("html", "json", "csv", "xlsx", "pdf")

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


def _yuan(v: object) -> str:
    """A money amount (exact text) with thousands separators and two decimals, never a float:
    ``-1234567.8`` → ``-1,234,567.80``; '—' when none."""
    if v is None or v == "":
        return "—"

    try:
        d = Decimal(str(v)).quantize(Decimal("0.01"))
    except InvalidOperation:
        return str(v)
    return f"{d:,.2f}"


def _pct(v: object, places: int = 2) -> str:
    """A ratio (exact text) as a percentage, ``places`` decimals (two by default):
    ``0.9704`` → ``97.04 %``; '—' when none."""
    if v is None or v == "":
        return "—"

    try:
        return f"{(Decimal(str(v)) * 100).quantize(Decimal(1).scaleb(-places))} %"
    except InvalidOperation:
        return str(v)


templates.env.filters["yuan"] = _yuan
templates.env.filters["pct"] = _pct
#: the menu: (element id, link, message key); shown when the role may open the link
MENU = (
    ("nav-overview", "/", "overview"),
    ("nav-todo", "/todo", "todo"),
    ("nav-indicators", "/indicators", "indicators"),
    ("nav-tree", "/tree", "tree"),
    ("nav-casemix", "/casemix", "casemix"),
    ("nav-quality", "/quality", "quarantine"),
    ("nav-settlement", "/settlement", "settlement"),
    ("nav-ledger", "/settlement/ledger", "ledger"),
    ("nav-statements", "/settlement/statements", "statements"),
    ("nav-referrals", "/referrals", "referrals"),
    ("nav-centres", "/centres", "centres"),
    ("nav-contracts", "/contracts", "contracts"),
    ("nav-health", "/health", "public_health"),
    ("nav-screening", "/screening", "screening"),
    ("nav-bureau-fund", "/bureau/fund", "bureau_fund"),
    ("nav-bureau-agreements", "/bureau/agreements", "bureau_agreements"),
    ("nav-bureau-methods", "/bureau/methods", "bureau_methods"),
    ("nav-tasks", "/tasks", "tasks"),
    ("nav-ops-budget", "/operations/budget", "ops_budget"),
    ("nav-ops-costs", "/operations/costs", "ops_costs"),
    ("nav-ops-pnl", "/operations/drg-pnl", "ops_pnl"),
    ("nav-ops-pay", "/operations/pay-checks", "ops_pay"),
    ("nav-drugs", "/drugs", "drugs"),
    ("nav-charges", "/charges", "charges"),
    ("nav-admin", "/admin/users", "admin_users"),
    ("nav-account", "/account", "my_account"),
)


#: the menu's sections (message key of the heading, element ids of its entries, in `MENU`
#: order): 23 links in one row fill a phone's screen, so they are grouped, and on a narrow
#: screen the whole menu folds into one disclosure (`cockpit.js` closes it there)
MENU_GROUPS = (
    (
        "menu_group_overview",
        ("nav-overview", "nav-todo", "nav-indicators", "nav-tree", "nav-tasks"),
    ),
    (
        "menu_group_care",
        (
            "nav-referrals",
            "nav-centres",
            "nav-contracts",
            "nav-health",
            "nav-casemix",
            "nav-quality",
        ),
    ),
    (
        "menu_group_insurance",
        (
            "nav-settlement",
            "nav-ledger",
            "nav-statements",
            "nav-screening",
            "nav-bureau-fund",
            "nav-bureau-agreements",
            "nav-bureau-methods",
        ),
    ),
    ("menu_group_operations", ("nav-ops-budget", "nav-ops-costs", "nav-ops-pnl", "nav-ops-pay")),
    ("menu_group_account", ("nav-admin", "nav-account")),
)


def menu_groups(menu: list[tuple[str, str, str]]) -> list[tuple[str, list[tuple[str, str, str]]]]:
    """The role's menu in its sections (empty sections left out; an entry of no section goes
    to the last)."""
    placed = {ident for _, ids in MENU_GROUPS for ident in ids}
    out = []
    for key, ids in MENU_GROUPS:
        entries = [m for m in menu if m[0] in ids]
        if key == MENU_GROUPS[-1][0]:
            entries += [m for m in menu if m[0] not in placed]
        if entries:
            out.append((key, entries))
    return out


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


def page_context(request: Request, data: Any = None) -> dict[str, Any]:
    """What every template gets besides its data."""

    lang = language(request)
    t = messages(lang)
    user = getattr(request.state, "user", None)
    session = getattr(request.state, "session", None)
    return {
        "t": t,
        "f": Formatter(lang, t),
        "lang": lang,
        "user": user,
        "role_name": (ROLE_NAMES[user.role][0 if lang == "zh" else 1] if user else ""),
        "menu": menu_groups(_menu(user.role)) if user else [],
        "current": request.url.path,
        "csrf": csrf_token(state_of(request), session) if session is not None else "",
        "nav": nav_context(request, data) if user and isinstance(data, dict) else None,
        "url": lambda **kw: with_params(request, **kw),
        "generated": datetime.now(UTC),
    }


def _file(content: bytes, media: str, name: str) -> Response:
    return Response(
        content, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


def render(
    request: Request, name: str, data: dict[str, Any], fmt: str = "html", status: int = 200
) -> Response:
    """The page as HTML, its JSON twin, one of its tables as CSV/XLSX, or its tables as PDF."""
    if fmt == "json":
        return JSONResponse(data, status_code=status)
    context = {"data": data, **page_context(request, data)}
    if fmt in ("csv", "xlsx", "pdf"):
        return _as_file(request, name, context, fmt)
    return templates.TemplateResponse(request, name, context, status_code=status)


def _as_file(request: Request, name: str, context: dict[str, Any], fmt: str) -> Response:
    html = templates.get_template(name).render({"request": request, **context})
    base = request.url.path.strip("/").replace("/", "-") or "overview"
    if fmt == "pdf":
        t, f, nav = context["t"], context["f"], context.get("nav") or {}
        crumbs = " › ".join(c["name"] for c in nav.get("crumbs", []))
        meta = [
            f"{t['node']}: {crumbs or nav.get('node', '')}",
            f"{t['period']}: {f.period(nav.get('period', ''))}",
            f"{t['generated_at']}: {f.date(f.beijing(context['generated']))} {t['beijing_time']}",
        ]
        title = _title(html) or t["app_title"]
        tables = extract_all(html)
        p = getattr(request.state, "principal", None)
        if p is not None:
            p.audit_read(f"pdf of {request.url.path}", sum(len(x[3]) for x in tables))
        body = page_pdf(title, meta, tables, t["pdf_cut"])
        return _file(body, "application/pdf", f"{base}.pdf")
    table = request.query_params.get("table", "")
    try:
        head, rows = extract_table(html, table)
    except TableNotFound:
        raise AccessError(404, "unknown_table", f"no table {table!r} on this page") from None
    p = getattr(request.state, "principal", None)
    if p is not None:  # every download is a read audit row (who, which table, how many rows)
        p.audit_read(f"table {table} of {request.url.path}.{fmt}", len(rows))
    if fmt == "csv":
        return _file(csv_bytes(head, rows), CSV, f"{base}-{table}.csv")
    return _file(xlsx_bytes(table, head, rows), XLSX, f"{base}-{table}.xlsx")


def _title(html: str) -> str:
    m = re.search(r'<h1[^>]*id="page-title"[^>]*>(.*?)</h1>', html, re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", m.group(1))).split()) if m else ""
