"""Regional variants as data: an overlay is a set of row diffs over a base pack.

For each table it changes, an overlay pack ships ``<table>.diff.csv``: the table's own
columns preceded by an ``op`` column.

* ``op = -``: remove the base row with this key (only the key columns are read);
* ``op = +``: add this row, or replace the base row with the same key in place.

Tables without a diff file are inherited unchanged. Resolution never touches code:
the engine only ever sees the resolved tables.
"""

from __future__ import annotations

from pathlib import Path

from yigong.casemix.rawtable import RawTable, read_rows
from yigong.casemix.tables import TableSpec
from yigong.rulepacks import Issue, error

OPS = ("-", "+")


def apply_diff(
    base: RawTable | None, diff_path: Path, spec: TableSpec
) -> tuple[RawTable, list[Issue]]:
    """Resolve ``diff_path`` over ``base`` (``None`` = an empty base table)."""
    rows, lines, issues = read_rows(diff_path, ("op", *spec.column_names))
    fname = diff_path.name
    if base is None:
        base = RawTable(spec, [], [])
    out_rows = list(base.rows)
    out_origins = list(base.origins)
    index = {base.key_of(r): i for i, r in enumerate(out_rows)}
    seen: set[tuple[str, ...]] = set()
    removed: set[int] = set()
    for rec, line in zip(rows, lines, strict=True):
        op, row = rec[0], tuple(rec[1:])
        key = base.key_of(row)
        if op not in OPS:
            issues.append(
                error("overlay.op", f"op must be one of {OPS}, got {op!r}", fname, line, "op")
            )
            continue
        if key in seen:
            issues.append(
                error("overlay.duplicate", f"key {key} appears twice in the diff", fname, line)
            )
            continue
        seen.add(key)
        pos = index.get(key)
        if op == "-":
            if pos is None:
                issues.append(
                    error("overlay.missing", f"cannot remove {key}: not in base", fname, line)
                )
            else:
                removed.add(pos)
        elif pos is None:
            index[key] = len(out_rows)
            out_rows.append(row)
            out_origins.append((fname, line))
        else:
            out_rows[pos] = row
            out_origins[pos] = (fname, line)
    keep = [i for i in range(len(out_rows)) if i not in removed]
    return RawTable(spec, [out_rows[i] for i in keep], [out_origins[i] for i in keep]), issues


def diff_rows(base: RawTable, target: RawTable) -> list[tuple[str, ...]]:
    """The diff rows (``op`` first) that turn ``base`` into ``target``; used by the pack builder."""
    base_by_key = {base.key_of(r): r for r in base.rows}
    target_keys = set()
    out: list[tuple[str, ...]] = []
    for r in target.rows:
        k = target.key_of(r)
        target_keys.add(k)
        if base_by_key.get(k) != r:
            out.append(("+", *r))
    names = base.spec.column_names
    for r in base.rows:
        k = base.key_of(r)
        if k not in target_keys:
            out.append(
                ("-", *(v if n in base.spec.key else "" for n, v in zip(names, r, strict=True)))
            )
    return out
