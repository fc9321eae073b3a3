"""Table exports (CSV, XLSX): the rows of the institutions in scope, redacted, audited.

A fund-supervision flag (``screen_flags``) carries the keys of the rows behind it, and those
rows can lie at other institutions (the in-hospital death at the county hospital behind a
township's "service after death" flag). For a user whose scope does not cover the warehouse,
each key is kept only when its row belongs to an institution in scope; any other reads
``<table>:(outside scope)``. Then the scope's redaction applies to every cell.
"""

from __future__ import annotations

import json
from typing import Any

from yigong.access.errors import AccessError
from yigong.access.principal import Principal
from yigong.access.redact import OUTSIDE_SCOPE
from yigong.services import exports
from yigong.services.screening import row_institutions

__all__ = ["export_rows", "tables"]


def tables(p: Principal) -> dict[str, Any]:
    with p.state.tables() as wh:
        return {"items": exports.exportable_tables(wh)}


def _flag_keys(p: Principal, rows: list[dict[str, Any]]) -> None:
    keys = {i: json.loads(r["rows"]) for i, r in enumerate(rows) if r.get("rows")}
    with p.state.tables() as wh:
        owners = row_institutions(wh, sorted({k for ks in keys.values() for k in ks}))
    for i, ks in keys.items():
        shown = [
            k
            if owners.get(k, frozenset()) & p.scope.institutions
            else f"{k.partition(':')[0]}:{OUTSIDE_SCOPE}"
            for k in ks
        ]
        rows[i]["rows"] = json.dumps(shown, ensure_ascii=False)


def export_rows(
    p: Principal, table: str, limit: int, fmt: str
) -> tuple[list[str], list[dict[str, Any]]]:
    """Columns and rows of ``table`` in scope (404 ``unknown_table`` unless exportable)."""
    with p.state.tables() as wh:
        known = exports.exportable_tables(wh)
        if table not in known:
            raise AccessError(
                404, "unknown_table", f"no exportable table {table!r}", {"exportable": known}
            )
        columns, rows = exports.scoped_rows(wh, table, p.scope.institutions, limit)
    if "rows" in columns and table == "screen_flags" and not p.scope.covers_everything:
        _flag_keys(p, rows)
    rows = p.redact(rows)
    p.audit_read(f"export {table}.{fmt}", len(rows), table=table, limit=limit)
    return columns, rows
