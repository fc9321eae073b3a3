"""Fund-supervision screening use cases (基金监管筛查): run, list, explain, sample, review.

Flags are computed by `yigong.oversight` over the warehouse and stored in the warehouse table
``screen_flags`` (one run replaces the rows of its period and rules; a flag's id is a hash of
rule, period and rows, so re-runs are idempotent). Reviews live in the workflow store
(``wf_flag_review`` + audit events), keyed by flag id, so they survive re-runs.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import ibis
import pyarrow as pa
from sqlalchemy import func, select

from yigong.graded_care.catalogs.loader import load_catalog
from yigong.graded_care.errors import IllegalTransition, InvalidRequest, NotFound
from yigong.oversight import load_rules, parse_period, screen
from yigong.oversight.engine import Flag, TableSources
from yigong.oversight.loader import RuleSet
from yigong.services import packs
from yigong.services._workflow import action, need_text, utcnow
from yigong.services.warehouse import opened
from yigong.store import Store
from yigong.store.reviews import FlagReview, FlagReviewEvent

FLAGS_TABLE = "screen_flags"
DECISIONS = ("confirmed", "dismissed")
SAMPLING = ("random", "value", "deviation")
#: how each row key's table is looked up, and the columns shown when a flag explains itself.
ROW_VIEWS: dict[str, tuple[str, tuple[str, ...]]] = {
    "discharges": (
        "discharge_id",
        (
            "discharge_id",
            "institution_id",
            "patient_key",
            "admission_date",
            "discharge_date",
            "length_of_stay",
            "discharge_mode",
            "admission_route",
            "diagnosis_codes",
            "procedure_codes",
            "total_cost",
        ),
    ),
    "outpatient_visits": (
        "visit_id",
        ("visit_id", "institution_id", "patient_key", "visit_date", "diagnosis_code", "total_cost"),
    ),
    "examinations": (
        "exam_id",
        (
            "exam_id",
            "patient_key",
            "performing_institution_id",
            "exam_type",
            "exam_item",
            "exam_date",
            "cost",
            "recognised_exam_id",
        ),
    ),
    "settlements": (
        "settlement_id",
        (
            "settlement_id",
            "person_key",
            "provider_code",
            "care_type",
            "admission_date",
            "discharge_date",
            "settle_date",
            "total_cost",
            "fund_paid",
        ),
    ),
    "institutions": ("institution_id", ("institution_id", "name_zh", "institution_type", "level")),
    "charge_items": (
        "charge_id",
        (
            "charge_id",
            "setting",
            "encounter_id",
            "institution_id",
            "charge_date",
            "item_code",
            "item_name",
            "quantity",
            "unit_price",
            "amount",
            "in_operating_room",
        ),
    ),
    "discharge_procedures": (
        "discharge_id",
        ("discharge_id", "seq", "code", "procedure_date", "grade"),
    ),
}
FLAG_SCHEMA = pa.schema(
    [
        ("flag_id", pa.string()),
        ("rule_id", pa.string()),
        ("period", pa.string()),
        ("entity", pa.string()),
        ("entity_id", pa.string()),
        ("institution_id", pa.string()),
        ("severity", pa.string()),
        ("value", pa.float64()),
        ("deviation", pa.float64()),
        ("numbers", pa.string()),
        ("params", pa.string()),
        ("rows", pa.string()),
        ("reason_en", pa.string()),
        ("reason_zh", pa.string()),
        ("run_at", pa.timestamp("us")),
    ]
)


@contextmanager
def _warehouse(db: str | Path | Any, *, write: bool = False) -> Iterator[Any]:
    """The warehouse at ``db`` (opened and closed here, read-only unless `write`), or ``db``
    itself when it is an open warehouse (the API's shared connection), left open."""
    with opened(db, needs=("screening",), read_only=not write) as wh:
        yield wh


def rules(paths: list[Path] | None = None) -> RuleSet:
    """The screening rules (built-in files by default), validated; raises `RulesError`."""
    return load_rules(paths).check()


def check_rules(paths: list[Path] | None = None) -> list[str]:
    """Every problem of the rules files or pack folders as ``file:line [field]: …`` (empty when
    valid); the built-in packs, with their folder convention, by default."""
    if paths is None:
        return [str(i) for i in packs.check_kind("screening-rules")]
    return [str(i) for i in load_rules(paths).issues]


def _level_check(
    con: Any, period_start: Any, period_end: Any, county: str | None
) -> ibis.Table | None:
    from yigong.graded_care.catalogs.level_table import level_check_table  # lazy: start-up

    d = con.table("discharges")
    d = d.filter(d.discharge_date.between(ibis.date(period_start), ibis.date(period_end)))
    discharges = d.select("discharge_id", "institution_id", "diagnosis_codes").to_pyarrow()
    institutions = (
        con.table("institutions").select("institution_id", "institution_type").to_pyarrow()
    )
    table = level_check_table(load_catalog(county), institutions, discharges=discharges)
    return ibis.memtable(table)


def _flag_rows(flags: list[Flag], run_at: datetime) -> pa.Table:
    cols: dict[str, list[Any]] = {f.name: [] for f in FLAG_SCHEMA}
    for f in flags:
        d = asdict(f)
        for name in ("numbers", "params", "rows"):
            d[name] = json.dumps(d[name], ensure_ascii=False, sort_keys=name != "rows")
        d["run_at"] = run_at
        for k in cols:
            cols[k].append(d[k])
    return pa.Table.from_pydict(cols, schema=FLAG_SCHEMA)


def run_screening(
    db: str | Path,
    period: str | int,
    rule_ids: list[str] | None = None,
    *,
    county: str | None = None,
    rule_paths: list[Path] | None = None,
) -> dict[str, Any]:
    """Evaluate the rules over one period and store the flags; returns counts and skipped rules."""
    rs = rules(rule_paths)
    chosen = rs.select(rule_ids)
    p = parse_period(period)
    with _warehouse(db, write=True) as wh:
        extras = {}
        if any(r.evaluator == "minor_illness_above_level" for r in chosen) and wh.has_table(
            "discharges"
        ):
            extras["level_check"] = _level_check(wh, p.start, p.end, county)
        result = screen(chosen, TableSources(wh, extras), p)
        new = _flag_rows(result.flags, datetime.now(UTC).replace(tzinfo=None))
        ran = [r.id for r in chosen]
        wh.replace_rows(FLAGS_TABLE, new, lambda t: (t.period == p.label) & t.rule_id.isin(ran))
    return {
        "period": p.label,
        "flags": len(result.flags),
        "by_rule": result.counts,
        "skipped": result.skipped,
    }


def _flags(con: Any) -> ibis.Table:
    if not con.has_table(FLAGS_TABLE):
        raise NotFound(f"no {FLAGS_TABLE} table in the warehouse: run `yigong screen run` first")
    return con.table(FLAGS_TABLE)


def _decode(row: dict[str, Any]) -> dict[str, Any]:
    out = dict(row)
    for name in ("numbers", "params", "rows"):
        out[name] = json.loads(out[name])
    if isinstance(out.get("run_at"), datetime):
        out["run_at"] = out["run_at"].isoformat(timespec="seconds")
    return out


def list_flags(
    db: str | Path,
    *,
    period: str | None = None,
    rule_id: str | None = None,
    institution_id: str | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """Stored flags, most severe deviations first."""
    with _warehouse(db) as wh:
        t = _flags(wh)
        if period:
            t = t.filter(t.period == parse_period(period).label)
        if rule_id:
            t = t.filter(t.rule_id == rule_id)
        if institution_id:
            t = t.filter(t.institution_id == institution_id)
        t = t.order_by([t.rule_id, ibis.desc(t.deviation), t.flag_id])
        if limit:
            t = t.limit(limit)
        return [_decode(r) for r in t.to_pyarrow().to_pylist()]


def _rows_behind(con: Any, keys: list[str]) -> list[dict[str, Any]]:
    out = []
    for key in keys:
        table, _, ident = key.partition(":")
        view = ROW_VIEWS.get(table)
        if view is None or table not in con.list_tables():
            out.append({"row": key})
            continue
        id_col, cols = view
        t = con.table(table)
        if table == "discharge_procedures":  # key: discharge id # procedure seq
            did, _, seq = ident.rpartition("#")
            t = t.filter((t.discharge_id == did) & (t.seq == int(seq or 0)))
        else:
            t = t.filter(t[id_col] == ident)
        found = t.select(*[c for c in cols if c in t.columns]).to_pyarrow()
        rows = found.to_pylist()
        out.append(
            {
                "row": key,
                **({k: _plain(v) for k, v in rows[0].items()} if rows else {"missing": True}),
            }
        )
    return out


#: where a row key's institution is: (id column, institution columns); a row belongs to every
#: institution those columns name (an examination to the one ordering and the one performing it)
ROW_OWNERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "discharges": ("discharge_id", ("institution_id",)),
    "outpatient_visits": ("visit_id", ("institution_id",)),
    "examinations": ("exam_id", ("ordering_institution_id", "performing_institution_id")),
    "settlements": ("settlement_id", ("provider_code",)),
}


def row_institutions(db: str | Path | Any, keys: list[str]) -> dict[str, frozenset[str]]:
    """The institutions each row key (``table:id``, as in a flag's ``rows``) belongs to; an
    empty set when the table or the row is unknown. One query per table."""
    by_table: dict[str, set[str]] = {}
    for key in keys:
        table, _, ident = key.partition(":")
        if table == "discharge_procedures":  # discharge id # procedure seq
            table, ident = "discharges", ident.rpartition("#")[0]
        by_table.setdefault(table, set()).add(ident)
    owners: dict[tuple[str, str], frozenset[str]] = {}
    with _warehouse(db) as wh:
        con = wh
        present = set(con.list_tables())
        for table, ids in by_table.items():
            if table not in ROW_OWNERS or table not in present:
                continue
            id_col, cols = ROW_OWNERS[table]
            t = con.table(table)
            cols = tuple(c for c in cols if c in t.columns)
            found = t.filter(t[id_col].isin(sorted(ids))).select(id_col, *cols)
            for r in found.to_pyarrow().to_pylist():
                owners[(table, str(r[id_col]))] = frozenset(str(r[c]) for c in cols if r[c])
    out = {}
    for key in keys:
        table, _, ident = key.partition(":")
        if table == "discharge_procedures":
            table, ident = "discharges", ident.rpartition("#")[0]
        out[key] = (
            frozenset({ident})
            if table == "institutions"
            else owners.get((table, ident), frozenset())
        )
    return out


def _plain(v: Any) -> Any:
    if isinstance(v, list):
        return v
    if v is None or isinstance(v, int | float | str | bool):
        return v
    return str(v)


def explain_flag(db: str | Path, flag_id: str, store: Store | None = None) -> dict[str, Any]:
    """Everything behind one flag: rule and policy text, parameters, numbers, rows, review."""
    with _warehouse(db) as wh:
        t = _flags(wh)
        found = t.filter(t.flag_id == flag_id).to_pyarrow().to_pylist()
        if not found:
            raise NotFound(f"no flag {flag_id!r} in {FLAGS_TABLE}")
        flag = _decode(found[0])
        details = _rows_behind(wh, flag["rows"])
    rs = load_rules()
    rule = rs.rules.get(flag["rule_id"])
    flag["rule"] = (
        None
        if rule is None
        else {
            "id": rule.id,
            "name_zh": rule.name_zh,
            "name_en": rule.name_en,
            "policy": rule.policy.model_dump(),
            "interpretation": rule.interpretation,
            "severity": rule.severity.value,
            "source": f"{rule.file}:{rule.line}",
        }
    )
    flag["row_details"] = details
    flag["review"] = review_status(store, flag_id) if store is not None else None
    return flag


def sample_flags(
    db: str | Path,
    method: str,
    n: int,
    *,
    seed: int = 0,
    period: str | None = None,
    rule_id: str | None = None,
    store: Store | None = None,
) -> list[dict[str, Any]]:
    """Cases for review as inspectors draw them: ``random`` (seeded simple random sample),
    ``value`` (largest amounts at stake first) or ``deviation`` (furthest past the threshold).
    With a store, the drawn flags are opened for review (already reviewed ones stay as they are).
    """
    if method not in SAMPLING:
        raise InvalidRequest(f"sampling method {method!r}: use one of {', '.join(SAMPLING)}")
    if n < 1:
        raise InvalidRequest("n must be at least 1")
    flags = list_flags(db, period=period, rule_id=rule_id)
    if method == "random":
        flags.sort(key=lambda f: f["flag_id"])
        chosen = random.Random(seed).sample(flags, min(n, len(flags)))
    else:
        chosen = sorted(flags, key=lambda f: (-f[method], f["flag_id"]))[:n]
    if store is not None:
        for f in chosen:
            open_review(store, f, sampled_by=method)
    return chosen


def open_review(
    store: Store, flag: dict[str, Any], *, sampled_by: str | None = None, user: str = "system"
) -> dict[str, Any]:
    """Put a flag under review (status ``open``); idempotent."""
    fid = flag["flag_id"]
    with action(store, f"open review of {fid}") as s:
        row = s.get(FlagReview, fid)
        if row is None:
            now = utcnow()
            row = FlagReview(
                flag_id=fid,
                rule_id=flag["rule_id"],
                period=flag["period"],
                institution_id=flag.get("institution_id"),
                status="open",
                sampled_by=sampled_by,
                opened_at=now,
            )
            s.add(row)
            s.add(
                FlagReviewEvent(
                    flag_id=fid,
                    seq=1,
                    action="open",
                    from_status=None,
                    to_status="open",
                    user_id=user,
                    at=now,
                    reason=sampled_by,
                )
            )
        return _review_dict(row)


def review_flag(
    store: Store,
    flag_id: str,
    decision: str,
    reason: str | None,
    user: str,
    *,
    db: str | Path | None = None,
) -> dict[str, Any]:
    """Decide an open flag: ``confirmed`` or ``dismissed``, with a reason; one transaction.

    A flag not yet under review is opened first (its rule and period read from ``db``). A
    decided flag is refused; two reviewers deciding at the same time: one wins, the other gets
    `ConcurrentUpdate` and nothing of theirs is saved.
    """
    if decision not in DECISIONS:
        raise InvalidRequest(f"decision {decision!r}: use one of {', '.join(DECISIONS)}")
    why = need_text(reason, "reason")
    who = need_text(user, "user")
    with action(store, f"review {flag_id}") as s:
        row = s.get(FlagReview, flag_id)
        if row is None:
            if db is None:
                raise NotFound(f"flag {flag_id!r} is not under review (sample it or give --db)")
            flag = _one_flag(db, flag_id)
            now = utcnow()
            row = FlagReview(
                flag_id=flag_id,
                rule_id=flag["rule_id"],
                period=flag["period"],
                institution_id=flag.get("institution_id"),
                status="open",
                opened_at=now,
            )
            s.add(row)
            s.add(
                FlagReviewEvent(
                    flag_id=flag_id,
                    seq=1,
                    action="open",
                    from_status=None,
                    to_status="open",
                    user_id=who,
                    at=now,
                    reason=None,
                )
            )
            s.flush()
        if row.status != "open":
            raise IllegalTransition(
                f"flag {flag_id} is already {row.status} by {row.decided_by}; "
                "a decided flag is not decided again"
            )
        seq = (
            s.scalar(
                select(func.max(FlagReviewEvent.seq)).where(FlagReviewEvent.flag_id == flag_id)
            )
            or 0
        ) + 1
        now = utcnow()
        s.add(
            FlagReviewEvent(
                flag_id=flag_id,
                seq=seq,
                action="decide",
                from_status=row.status,
                to_status=decision,
                user_id=who,
                at=now,
                reason=why,
            )
        )
        row.status, row.decided_by, row.decided_at, row.reason = decision, who, now, why
        s.flush()
        return _review_dict(row)


def _one_flag(db: str | Path, flag_id: str) -> dict[str, Any]:
    with _warehouse(db) as wh:
        t = _flags(wh)
        found = t.filter(t.flag_id == flag_id).to_pyarrow().to_pylist()
    if not found:
        raise NotFound(f"no flag {flag_id!r} in {FLAGS_TABLE}")
    return _decode(found[0])


def _review_dict(row: FlagReview) -> dict[str, Any]:
    return {
        "flag_id": row.flag_id,
        "rule_id": row.rule_id,
        "period": row.period,
        "status": row.status,
        "sampled_by": row.sampled_by,
        "decided_by": row.decided_by,
        "decided_at": row.decided_at.isoformat(timespec="seconds") if row.decided_at else None,
        "reason": row.reason,
    }


def review_status(store: Store, flag_id: str) -> dict[str, Any] | None:
    """A flag's review with its audit trail, or None when it is not under review."""
    with store.transaction() as s:
        row = s.get(FlagReview, flag_id)
        if row is None:
            return None
        events = s.scalars(
            select(FlagReviewEvent)
            .where(FlagReviewEvent.flag_id == flag_id)
            .order_by(FlagReviewEvent.seq)
        ).all()
        out = _review_dict(row)
        out["events"] = [
            {
                "seq": e.seq,
                "action": e.action,
                "from": e.from_status,
                "to": e.to_status,
                "user": e.user_id,
                "at": e.at.isoformat(timespec="seconds"),
                "reason": e.reason,
            }
            for e in events
        ]
        return out


def demo_summary(db: Path, year: int) -> dict[str, Any]:
    """For `make demo`: run every rule over ``year``; flags per rule, and for each rule that
    flagged anything (most severe rules first) the flag furthest past its threshold, with its
    reason — what a reviewer would open first."""
    summary = run_screening(db, year)
    order = {"high": 0, "medium": 1, "low": 2}
    known = rules().rules
    fired = sorted(
        (r for r, n in summary["by_rule"].items() if n and r in known),
        key=lambda r: (order.get(known[r].severity.value, 3), r),
    )
    examples = {}
    for rule_id in fired:
        (top,) = sample_flags(db, "deviation", 1, period=str(year), rule_id=rule_id)
        examples[f"{rule_id} ({known[rule_id].severity.value})"] = (
            f"{top['flag_id']} {top['institution_id']}: {top['reason_en']}"
        )
    summary["examples"] = examples
    return summary


def flags_page(
    db: str | Path | Any,
    institutions: frozenset[str] | None,
    *,
    period: str | None = None,
    rule_id: str | None = None,
    page: int = 1,
    per_page: int = 50,
) -> dict[str, Any]:
    """Flags whose institution is in ``institutions`` (None: every flag), ``per_page`` a page,
    high-severity rules first, then medium and low, each furthest past its threshold first;
    without the rows behind them (use `explain_flag`)."""
    with _warehouse(db) as wh:
        if not wh.has_table(FLAGS_TABLE):
            return {
                "page": page,
                "per_page": per_page,
                "total": 0,
                "items": [],
                "note": "no screening run yet (yigong screen run)",
            }
        t = wh.table(FLAGS_TABLE)
        if institutions is not None:
            t = t.filter(t.institution_id.isin(sorted(institutions)))
        if period:
            t = t.filter(t.period == parse_period(period).label)
        if rule_id:
            t = t.filter(t.rule_id == rule_id)
        total = int(t.count().to_pyarrow().as_py())
        # what a reviewer opens first: the most severe rules, then the furthest past the threshold
        rank = t.severity.cases(("high", 0), ("medium", 1), ("low", 2), else_=3)
        t = t.order_by([rank, ibis.desc(t.deviation), t.flag_id]).limit(
            per_page, offset=(page - 1) * per_page
        )
        rows = t.drop("rows", "run_at").to_pyarrow().to_pylist()
    items = []
    for r in rows:
        r["numbers"], r["params"] = json.loads(r["numbers"]), json.loads(r["params"])
        items.append(r)
    return {"page": page, "per_page": per_page, "total": total, "items": items}
