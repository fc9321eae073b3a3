"""Render the data dictionary (`docs/schema.md`) from the table declarations."""

from __future__ import annotations

from yigong.schema.codes import NATIONAL_CODE_LISTS, SMALL_CODE_SYSTEMS
from yigong.schema.model import Column, Table
from yigong.schema.tables import CHILD_TABLES, TABLES


def _rules(col: Column) -> str:
    parts = []
    if col.required:
        parts.append("required")
    if col.codes:
        parts.append(f"code `{col.codes}`")
    if col.minimum is not None:
        parts.append(f"≥ {col.minimum:g}")
    if col.maximum is not None:
        parts.append(f"≤ {col.maximum:g}")
    if col.ref:
        parts.append(f"→ `{col.ref}`")
    if col.pseudonymise:
        parts.append(f"file column `{col.pseudonymise}` → keyed hash")
    if col.aligned_with:
        parts.append(f"aligned with `{col.aligned_with}`")
    return ", ".join(parts)


def _table(tbl: Table) -> list[str]:
    lines = [
        f"## `{tbl.name}` — {tbl.zh}",
        "",
        f"One row: {tbl.grain}. Natural key: `{', '.join(tbl.key)}`."
        + (f" Follows: {tbl.source}." if tbl.source else ""),
        "",
    ]
    if tbl.date_orders:
        lines += [
            "Date order: "
            + "; ".join(f"`{o.earlier}` ≤ `{o.later}`" for o in tbl.date_orders)
            + ".",
            "",
        ]
    if tbl.children:
        lines += [
            "Child tables built from its lists: " + ", ".join(f"`{c}`" for c in tbl.children) + ".",
            "",
        ]
    lines += [
        "| column | 中文 | type | rules | national field | meaning |",
        "|---|---|---|---|---|---|",
    ]
    for c in tbl.columns:
        lines.append(
            f"| `{c.name}` | {c.zh} | {c.dtype.value} | {_rules(c)} | {c.national} | {c.doc} |"
        )
    return [*lines, ""]


def render_markdown() -> str:
    """The whole data dictionary as Markdown."""
    out = [
        "# Data dictionary (generated)",
        "",
        "Generated from `src/yigong/schema/tables.py` by `yigong schema-docs`; do not edit by hand.",
        "Files for ingest carry these columns (raw identifier columns instead of the keys); list "
        "columns are `|`-separated, dates `YYYY-MM-DD`, booleans `1`/`0`, money in yuan with at "
        "most two decimals.",
        "",
    ]
    for tbl in (*TABLES, *CHILD_TABLES):
        out += _table(tbl)
    out += ["## Code systems", ""]
    for name, labels in SMALL_CODE_SYSTEMS.items():
        out.append(
            f"- `{name}`: " + "; ".join(f"`{k}` {zh} ({en})" for k, (zh, en) in labels.items())
        )
    for name, (filename, title) in NATIONAL_CODE_LISTS.items():
        out.append(f"- `{name}`: {title}, `src/yigong/schema/codes/{filename}`")
    return "\n".join(out) + "\n"
