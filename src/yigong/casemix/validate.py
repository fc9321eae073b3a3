"""The pack validator: every finding names file, line, field and reason.

``validate_pack(pack)`` checks, in order: the manifest (typed), file checksums and the
licence file, each table's structure (header, widths), column types and allowed values,
unique keys, references between tables, the rule vocabulary (each rule has the lists it
needs and no list it ignores), DRG conditions, the resolved row counts and canonical
checksums recorded in the manifest (so an overlay is proven to resolve to exactly the
pack it was built from), the domain counts, and finally that the engine can compile it.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path

from yigong.casemix.compile import compile_model
from yigong.casemix.counts import domain_counts
from yigong.casemix.model import build_model
from yigong.casemix.packs import Pack, PackError, read_pack, sha256_file
from yigong.casemix.rawtable import RawTable
from yigong.casemix.tables import ADRG_RULE_LISTS, NEWBORN_RULES, TABLES, Column
from yigong.casemix.tagexpr import parse_tag_expr
from yigong.rulepacks import Issue, Level, error

MANIFEST = "manifest.toml"


def _where(t: RawTable, i: int) -> tuple[str, int]:
    return t.origins[i]


def _bad_value(col: Column, v: str) -> tuple[str, str] | None:
    """(issue code, reason) if ``v`` is not a valid non-empty value of ``col``."""
    if col.kind == "int" and not (v.isdigit() or (v[0] == "-" and v[1:].isdigit())):
        return "value.int", f"not an integer: {v!r}"
    if col.kind == "bool" and v not in ("0", "1"):
        return "value.bool", f"must be 0 or 1: {v!r}"
    if col.choices and v not in col.choices:
        return "value.choice", f"{v!r} not in {list(col.choices)}"
    if v != v.strip():
        return "value.whitespace", f"leading/trailing whitespace in {v!r}"
    return None


def _columns(t: RawTable) -> list[Issue]:
    out: list[Issue] = []
    for col_i, col in enumerate(t.spec.columns):
        values = [row[col_i] for row in t.rows]
        bad = {}
        for v in set(values):  # judge each distinct value once
            found = (
                ("value.required", "empty value")
                if v == "" and not col.nullable
                else (None if v == "" else _bad_value(col, v))
            )
            if found:
                bad[v] = found
        if bad:
            for i, v in enumerate(values):
                if v in bad:
                    out.append(error(bad[v][0], bad[v][1], *_where(t, i), col.name))
    seen: dict[tuple[str, ...], int] = {}
    for i, row in enumerate(t.rows):
        k = t.key_of(row)
        if k in seen:
            out.append(
                error(
                    "key.duplicate",
                    f"key {k} repeats the row at line {_where(t, seen[k])[1]}",
                    *_where(t, i),
                    ",".join(t.spec.key),
                )
            )
        else:
            seen[k] = i
    return out


def _refs(tables: dict[str, RawTable]) -> list[Issue]:  # noqa: C901 - one pass per rule family
    out: list[Issue] = []
    mdc_t, adrg_t, codes_t, drg_t = (
        tables["mdc"],
        tables["adrg"],
        tables["adrg_codes"],
        tables["drg"],
    )
    mdcs = {r["mdc"]: r for r in mdc_t.dicts()}
    orders = Counter(r["order"] for r in mdcs.values())
    for i, r in enumerate(mdc_t.dicts()):
        if orders[r["order"]] > 1:
            out.append(
                error("mdc.order", f"order {r['order']} used twice", *_where(mdc_t, i), "order")
            )
    regions = set(tables["trauma_regions"].column("region"))
    listed = Counter(tables["mdc_diagnoses"].column("mdc"))
    for i, r in enumerate(tables["mdc_diagnoses"].dicts()):
        if r["mdc"] not in mdcs:
            out.append(
                error(
                    "ref.mdc", f"unknown MDC {r['mdc']}", *_where(tables["mdc_diagnoses"], i), "mdc"
                )
            )
        if r["trauma_region"] and r["trauma_region"] not in regions:
            out.append(
                error(
                    "ref.region",
                    f"unknown trauma region {r['trauma_region']}",
                    *_where(tables["mdc_diagnoses"], i),
                    "trauma_region",
                )
            )
    for i, r in enumerate(mdc_t.dicts()):
        if r["entry_rule"].startswith("principal_dx") and not listed[r["mdc"]]:
            out.append(
                error(
                    "mdc.list",
                    f"{r['entry_rule']} needs mdc_diagnoses rows",
                    *_where(mdc_t, i),
                    "entry_rule",
                )
            )
    rules = {r["rule_id"]: r for r in adrg_t.dicts()}
    seqs: dict[tuple[str, str], int] = {}
    for i, r in enumerate(adrg_t.dicts()):
        w = _where(adrg_t, i)
        if r["mdc"] not in mdcs:
            out.append(error("ref.mdc", f"unknown MDC {r['mdc']}", *w, "mdc"))
        elif r["adrg"][:1] != r["mdc"][-1:]:
            out.append(
                Issue(
                    Level.WARNING,
                    "adrg.letter",
                    f"ADRG {r['adrg']} not in MDC {r['mdc']}",
                    *w,
                    "adrg",
                )
            )
        key = (r["mdc"], r["seq"])
        if key in seqs:
            out.append(error("adrg.seq", f"seq {r['seq']} repeats in {r['mdc']}", *w, "seq"))
        seqs[key] = i
        if r["rule"] == "tagged_procedures":
            try:
                parse_tag_expr(r["tag_expr"])
            except ValueError as exc:
                out.append(error("adrg.tag_expr", str(exc), *w, "tag_expr"))
        elif r["tag_expr"]:
            out.append(
                error("adrg.tag_expr", "tag_expr only applies to tagged_procedures", *w, "tag_expr")
            )
        if r["rule"] in NEWBORN_RULES and not r["newborn_max_age_days"]:
            out.append(
                error(
                    "adrg.newborn",
                    "newborn rule without newborn_max_age_days",
                    *w,
                    "newborn_max_age_days",
                )
            )
        lo, hi = r["weight_min_g"], r["weight_max_g"]
        if (lo or hi) and r["rule"] != "any_dx_newborn_weight":
            out.append(
                error(
                    "adrg.weight",
                    "weight bounds only apply to any_dx_newborn_weight",
                    *w,
                    "weight_min_g",
                )
            )
        if lo and hi and lo.isdigit() and hi.isdigit() and int(lo) >= int(hi):
            out.append(error("adrg.weight", f"empty weight band [{lo}, {hi})", *w, "weight_max_g"))
    present: dict[str, set[str]] = defaultdict(set)
    for i, r in enumerate(codes_t.dicts()):
        w = _where(codes_t, i)
        rule = rules.get(r["rule_id"])
        if rule is None:
            out.append(error("ref.rule", f"unknown rule_id {r['rule_id']}", *w, "rule_id"))
            continue
        if rule["adrg"] != r["adrg"]:
            out.append(
                error("ref.adrg", f"adrg {r['adrg']} != {rule['adrg']} of the rule", *w, "adrg")
            )
        if r["list"] not in ADRG_RULE_LISTS[rule["rule"]]:
            out.append(
                error(
                    "rule.list", f"rule {rule['rule']} never consults list {r['list']}", *w, "list"
                )
            )
        if r["tag"] and rule["rule"] != "tagged_procedures":
            out.append(error("rule.tag", "tag on a rule that is not tagged_procedures", *w, "tag"))
        if rule["rule"] == "tagged_procedures" and r["list"] == "proc" and not r["tag"]:
            out.append(error("rule.tag", "tagged_procedures code without tag", *w, "tag"))
        present[r["rule_id"]].add(r["list"])
    for i, r in enumerate(adrg_t.dicts()):
        for name in ADRG_RULE_LISTS.get(r["rule"], ()):
            if name not in present[r["rule_id"]]:
                out.append(
                    error(
                        "rule.list",
                        f"rule {r['rule']} needs a non-empty list {name}",
                        *_where(adrg_t, i),
                        "rule",
                    )
                )
    adrgs = {r["adrg"] for r in rules.values()}
    by_adrg: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for i, r in enumerate(drg_t.dicts()):
        if r["adrg"] not in adrgs:
            out.append(
                error("ref.adrg", f"DRG of unknown ADRG {r['adrg']}", *_where(drg_t, i), "adrg")
            )
        elif r["seq"].isdigit():
            by_adrg[r["adrg"]].append((int(r["seq"]), i))
    drg_rows = drg_t.dicts()
    for a in sorted(adrgs):
        rows = sorted(by_adrg.get(a, []))
        if not rows:
            out.append(error("drg.missing", f"ADRG {a} has no DRG", "adrg.csv", None, "adrg"))
            continue
        if [s for s, _ in rows] != list(range(1, len(rows) + 1)):
            out.append(
                error(
                    "drg.seq",
                    f"DRG seq of {a} is not 1..{len(rows)}",
                    *_where(drg_t, rows[0][1]),
                    "seq",
                )
            )
        last = rows[-1][1]
        if drg_rows[last]["condition"] != "always":
            out.append(
                error(
                    "drg.always",
                    f"last DRG of {a} must have condition always",
                    *_where(drg_t, last),
                    "condition",
                )
            )
    return out


def validate_pack(pack_ref: str | Path) -> list[Issue]:
    """All findings for a pack (empty list = valid).

    Findings are memoised per loaded pack object; ``read_pack`` hands out a new object
    whenever any file of the pack folder changes, so a re-check after an edit is fresh.
    """
    try:
        pack = read_pack(pack_ref)
    except PackError as exc:
        return exc.issues
    key = id(pack)
    if key not in _MEMO or _MEMO[key][0] is not pack:
        _MEMO[key] = (pack, validate_loaded(pack))
    return list(_MEMO[key][1])


_MEMO: dict[int, tuple[Pack, list[Issue]]] = {}


def validate_loaded(pack: Pack) -> list[Issue]:
    issues = list(pack.load_issues)
    m = pack.manifest
    folder = pack.folder
    if not (folder / m.source.licence_file).is_file():
        issues.append(error("licence.missing", "licence file missing", m.source.licence_file))
    for name, digest in m.files.items():
        path = folder / name
        if not path.is_file():
            issues.append(error("file.missing", "listed in [files] but absent", name))
        elif sha256_file(path) != digest:
            issues.append(error("file.sha256", "checksum differs from manifest [files]", name))
    for path in sorted(folder.iterdir()):
        if path.name != MANIFEST and path.is_file() and path.name not in m.files:
            issues.append(
                Issue(
                    Level.WARNING, "file.unlisted", "file not listed in manifest [files]", path.name
                )
            )
    structural = list(issues)
    for name, table in pack.tables.items():
        found = _columns(table)
        issues += found
        structural += found
        entry = m.tables.get(name)
        if entry is None:
            if m.pack.kind != "overlay":  # an overlay inherits what it does not mention
                issues.append(
                    error(
                        "manifest.table",
                        f"table {name} missing from [tables]",
                        MANIFEST,
                        field=f"tables.{name}",
                    )
                )
            continue
        if entry.rows != len(table.rows):
            issues.append(
                error(
                    "table.rows",
                    f"{len(table.rows)} rows after resolution, manifest says {entry.rows}",
                    table.spec.file,
                    field="rows",
                )
            )
        if entry.sha256 != table.canonical_sha256():
            issues.append(
                error(
                    "table.sha256",
                    "resolved table checksum differs from manifest",
                    table.spec.file,
                    field="sha256",
                )
            )
    for name in m.tables:
        if name not in TABLES:
            issues.append(
                error("manifest.table", f"unknown table {name}", MANIFEST, field=f"tables.{name}")
            )
        elif name not in pack.tables:
            issues.append(
                error(
                    "table.missing", "in manifest but not in the resolved pack", TABLES[name].file
                )
            )
    if any(i.level is Level.ERROR for i in structural):
        return issues  # references and counts are meaningless on unreadable tables
    issues += _refs(pack.tables)
    for k, v in domain_counts(pack.tables).items():
        want = m.counts.get(k)
        if want is not None and want != v:
            issues.append(
                error("count", f"{k} = {v}, manifest says {want}", MANIFEST, field=f"counts.{k}")
            )
    if not any(i.level is Level.ERROR for i in issues):
        try:
            compile_model(build_model(pack))
        except (ValueError, KeyError) as exc:
            issues.append(error("compile", f"the engine cannot compile this pack: {exc}", MANIFEST))
    return issues
