"""The navigation every data page carries: breadcrumbs of its node, the period picker and the
link to the node picker, all held in the URL (``?node=…&period=…``).

A page says what it is about by putting ``node`` and ``period`` in its data; the links keep
every other query parameter of the page (filters, the chosen indicator) and drop the page
number. On ``/nodes/{node}/…`` the node is part of the path and the links rewrite it there.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

from fastapi import Request

from yigong.access.views import nodes
from yigong.warehouse.hierarchy import parse_node

__all__ = ["nav_context", "period_options", "with_params"]

_IN_PATH = re.compile(r"^/nodes/([^/]+)(/.*)?$")
_DROP = ("page", "format", "done", "done_status", "table")


def with_params(request: Request, **changes: Any) -> str:
    """This page's URL with query parameters replaced (None removes one); a ``node`` on
    ``/nodes/{node}/…`` replaces the path's node."""
    params = {k: v for k, v in request.query_params.items() if k not in _DROP}
    path = request.url.path
    node = changes.pop("node", None)
    if node is not None:
        m = _IN_PATH.match(path)
        if m:
            path = f"/nodes/{node}{m.group(2) or ''}"
        else:
            params["node"] = node
    for k, v in changes.items():
        if v is None:
            params.pop(k, None)
        else:
            params[k] = str(v)
    return path + ("?" + urlencode(params) if params else "")


def period_options(years: list[int]) -> list[dict[str, Any]]:
    """Each year with data, then its quarters and months (codes ``2024``, ``2024Q1``,
    ``202401``), newest year first."""
    out = []
    for y in years:
        out.append(
            {
                "year": y,
                "codes": [str(y)]
                + [f"{y}Q{q}" for q in range(1, 5)]
                + [f"{y}{m:02d}" for m in range(1, 13)],
            }
        )
    return out


def nav_context(request: Request, data: dict[str, Any]) -> dict[str, Any] | None:
    """Breadcrumbs and pickers for a page whose data names a node (None otherwise)."""
    p = getattr(request.state, "principal", None)
    node = data.get("node") if isinstance(data, dict) else None
    if p is None or not node:
        return None
    try:
        parsed = parse_node(str(node))
    except ValueError:
        return None
    crumbs = nodes.breadcrumbs(p, parsed)
    hidden = {k: v for k, v in request.query_params.items() if k not in (*_DROP, "period", "node")}
    if not _IN_PATH.match(request.url.path):
        hidden["node"] = str(parsed)
    return {
        "node": str(parsed),
        "period": str(data.get("period") or ""),
        "crumbs": [
            {**c, "href": with_params(request, node=c["node"]) if c["link"] else None}
            for c in crumbs
        ],
        "periods": period_options(nodes.periods(p)),
        "hidden": hidden,
        "action": request.url.path,
        "picker": "/tree?" + urlencode({"back": with_params(request)}),
        "with_period": data.get("period") is not None,
    }
