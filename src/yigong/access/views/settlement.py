"""The county's global-budget run (医保总额预算) as the API and cockpit show it: the budget per
community, the ledger lines, a line explained, the monthly statements and a statement as a file.

**Reading never computes.** Every page reads the run stored in
``settings.runs_path / budget-<county>-<year>/`` — what `yigong settle budget --db` writes —
or says there is none yet (``status: "no_run"``). Computing one is an explicit action:
`compute_run` (``POST /api/v1/settlement/runs``, the cockpit's *compute* button), which needs
``settlement.act`` (the insurance bureau) and a scope covering the whole county, calls the same
service (`settle_budget_from_warehouse`) and writes an audit row (``settlement.run``, or
``settlement.run.refused`` with the engine's reason, which the pages then show). A stored run
is parsed once per process and file state.

**Scope.** A user whose nodes cover the county sees every community and every line; a user
who may see some of its communities (held, or all of whose institutions are in scope) sees
those communities' rows, the lines on their own accounts (``community:<id>``,
``fund:quota:<id>``, ``fund:withheld:<id>``) and on accounts of institutions in scope, and
those communities' statements; anyone else gets 403 ``outside_scope``. An institution outside
the scope, wherever a figure names it (an account, a counterparty, a rule input), is redacted
(`yigong.access.redact`). A line the user may not see is refused exactly like a line that does
not exist.
"""

from __future__ import annotations

import csv
import io
import json
import threading
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from yigong.access.errors import AccessError
from yigong.access.principal import Principal
from yigong.access.views.files import CSV, XLSX, csv_bytes, xlsx_bytes
from yigong.payment.statements import COLUMNS as STATEMENT_MOVEMENTS
from yigong.rulepacks import IssuesError
from yigong.services.settlement import explain_line, settle_budget_from_warehouse
from yigong.warehouse.hierarchy import Node, NodeKind

__all__ = [
    "STATEMENT_COLUMNS",
    "BudgetRun",
    "budget",
    "compute_run",
    "default_county",
    "explain",
    "ledger_page",
    "statement_file",
    "statements",
]

PAGE_SIZE = 50
#: money columns of a statement row, in the order of ``statements.csv``
STATEMENT_COLUMNS = (
    "opening",
    *STATEMENT_MOVEMENTS,
    "out_of_county_charged",
    "closing",
    "quota_remaining",
)
#: the movement columns a statement's totals row adds up (opening/closing/remaining are not sums)
_SUMMED = (*STATEMENT_MOVEMENTS, "out_of_county_charged")
_COMMUNITY_ACCOUNTS = ("community:", "fund:quota:", "fund:withheld:")
_REFUSED = "refused.json"
_RUNS: dict[tuple[object, ...], BudgetRun] = {}
_LOCK = threading.Lock()
_RUNS_MAX = 16


@dataclass(frozen=True)
class BudgetRun:
    """A stored run (its directory and parsed files) or the engine's refusal (``error``)."""

    county: str
    year: int
    run_dir: Path | None
    error: str | None
    lines: tuple[dict[str, str], ...] = ()  # ledger.csv rows without ``inputs``
    statement_rows: tuple[dict[str, str], ...] = ()
    names: tuple[tuple[str, str], ...] = ()  # (community id, name)
    run: tuple[tuple[str, Any], ...] = ()  # run.json: inputs hash, policy, when, by
    community_rows: tuple[dict[str, str], ...] = ()  # communities.csv


def _money(text: str) -> Decimal:
    return Decimal(text or "0")


def _dir(p: Principal, county: str, year: int) -> Path:
    return p.state.settings.runs_path / f"budget-{county}-{year}"


def _read(run_dir: Path, county: str, year: int) -> BudgetRun:
    def rows(name: str) -> list[dict[str, str]]:
        return list(csv.DictReader(io.StringIO((run_dir / name).read_text(encoding="utf-8"))))

    lines = tuple({k: v for k, v in r.items() if k != "inputs"} for r in rows("ledger.csv"))
    record = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))
    communities = tuple(rows("communities.csv"))
    when = datetime.fromtimestamp((run_dir / "run.json").stat().st_mtime, UTC)
    return BudgetRun(
        county,
        year,
        run_dir,
        None,
        lines,
        tuple(rows("statements.csv")),
        tuple((r["community_id"], r["name"]) for r in communities),
        (
            ("inputs_sha256", record["inputs_sha256"]),
            ("policy", record["policy"]),
            ("computed_at", when.isoformat(timespec="seconds")),
        ),
        communities,
    )


def _stat(path: Path) -> tuple[int, int]:
    try:
        st = path.stat()
    except FileNotFoundError:
        return (0, 0)
    return (st.st_mtime_ns, st.st_size)


def stored_run(p: Principal, county: str, year: int) -> BudgetRun | None:
    """The stored run of the county-year (or its last refusal); None when never computed."""
    out = _dir(p, county, year)
    key = (str(out), _stat(out / "run.json"), _stat(out / _REFUSED))
    hit = _RUNS.get(key)
    if hit is not None:
        return hit
    if key[1] != (0, 0):
        run = _read(out, county, year)
    elif key[2] != (0, 0):
        refused = json.loads((out / _REFUSED).read_text(encoding="utf-8"))
        run = BudgetRun(
            county, year, None, str(refused["error"]), run=(("computed_at", refused["at"]),)
        )
    else:
        return None
    with _LOCK:
        if len(_RUNS) >= _RUNS_MAX:
            _RUNS.clear()
        _RUNS[key] = run
    return run


def visible(p: Principal, county: str) -> tuple[bool, set[str]]:
    """Whether the whole county is visible, else the county's communities the user may see."""
    with p.state.tables() as wh:
        if p.scope.allows(wh, Node(NodeKind.DIVISION, county), date.today()):
            return True, set()
        com = wh.table("communities")
        ids = [
            str(c)
            for c in com.filter(com.county_code == county).community_id.to_pyarrow().to_pylist()
        ]
        return False, {
            c for c in ids if p.scope.allows(wh, Node(NodeKind.COMMUNITY, c), date.today())
        }


@dataclass(frozen=True)
class _View:
    """What of a run the user may see."""

    whole: bool
    communities: frozenset[str]
    institutions: frozenset[str]

    def line_visible(self, line: dict[str, str]) -> bool:
        return self.whole or self.account_visible(line["account"])

    def account_visible(self, account: str) -> bool:
        for prefix in _COMMUNITY_ACCOUNTS:
            if account.startswith(prefix):
                return account.removeprefix(prefix) in self.communities
        if account.startswith("institution:"):
            return account.removeprefix("institution:") in self.institutions
        return False


def _view(p: Principal, county: str) -> _View:
    whole, communities = p.state.memo(
        ("settlement-visible", p.user.nodes, county), lambda: visible(p, county)
    )
    if not whole and not communities:
        raise p.refuse("every medical community of the county asked for")
    return _View(whole, frozenset(communities), p.scope.institutions)


def _head(run: BudgetRun | None, view: _View, county: str, year: int) -> dict[str, Any]:
    return {
        "county": county,
        "year": year,
        "whole_county": view.whole,
        "status": "no_run" if run is None else "refused" if run.error else "ready",
        "error": run.error if run else None,
        "run": dict(run.run) if run else {},
        "communities": [
            {"community_id": c, "name": n}
            for c, n in (run.names if run else ())
            if view.whole or c in view.communities
        ],
    }


def budget(p: Principal, county: str, year: int) -> dict[str, Any]:
    """Per-community rows of the stored run that the user may see (yuan, as strings)."""
    view = _view(p, county)
    run = stored_run(p, county, year)
    rows = []
    for c in run.community_rows if run else ():
        if not (view.whole or c["community_id"] in view.communities):
            continue
        over = _money(c["overspend"])
        rows.append(
            {
                "community_id": c["community_id"],
                "name": c["name"],
                "community": f"{c['community_id']} {c['name']}",
                "quota": c["quota"],
                "prepaid": str(_money(c["prepaid"]) + _money(c["released"])),
                "claims_in_county": c["in_county"],
                "out_of_county": c["out_of_county_total"],
                "surplus_or_overspend": c["surplus"] if not over else str(-over),
                "retained_or_fund_share": c["retained"] if not over else c["fund_share"],
                "quality_return": c["quality_returned"],
                "net_position": c["net_position"],
            }
        )
    money = [k for k in rows[0] if k not in ("community_id", "name", "community")] if rows else []
    totals = {k: str(sum((_money(r[k]) for r in rows), Decimal("0.00"))) for k in money}
    return {**_head(run, view, county, year), "items": p.redact(rows), "totals": totals}


def compute_run(p: Principal, county: str, year: int) -> dict[str, Any]:
    """Compute (or recompute) the county-year's run under the server's policy; refused (403)
    unless the user's scope covers the whole county. Audited either way."""

    p.require("act", "settlement")
    whole, _ = visible(p, county)
    if not whole:
        raise p.refuse("the whole county (a settlement run covers every community)")
    settings = p.state.settings
    out = _dir(p, county, year)
    with _LOCK:
        try:
            with p.state.tables() as wh:
                settle_budget_from_warehouse(
                    wh, county, year, settings.settlement_policy, out, replace=True
                )
            (out / _REFUSED).unlink(missing_ok=True)
            error = None
        except (IssuesError, FileNotFoundError) as exc:  # the engine's own refusal
            error = str(exc)
            out.mkdir(parents=True, exist_ok=True)
            for name in ("run.json", "ledger.csv"):
                (out / name).unlink(missing_ok=True)
            (out / _REFUSED).write_text(
                json.dumps(
                    {
                        "error": error,
                        "at": datetime.now(UTC).isoformat(timespec="seconds"),
                        "by": p.user.username,
                    },
                    ensure_ascii=False,
                ),
                encoding="utf-8",
            )
    run = stored_run(p, county, year)
    assert run is not None
    p.audit(
        "settlement.run" if error is None else "settlement.run.refused",
        {
            "county": county,
            "year": year,
            "policy": settings.settlement_policy,
            "run_dir": str(out),
            **{k: v for k, v in run.run if k == "inputs_sha256"},
            "error": error,
        },
    )
    return {
        "county": county,
        "year": year,
        "status": "refused" if error else "ready",
        "error": error,
        "run": dict(run.run),
    }


def _of_community(line: dict[str, str], community: str) -> bool:
    account = line["account"]
    return any(account == prefix + community for prefix in _COMMUNITY_ACCOUNTS)


def ledger_page(
    p: Principal,
    county: str,
    year: int,
    *,
    account: str | None = None,
    community: str | None = None,
    month: str | None = None,
    page: int = 1,
    page_size: int | None = None,
) -> dict[str, Any]:
    """The ledger lines the user may see, filtered (account prefix, a community's own
    accounts, a period ``YYYY-MM`` or ``YYYY-YE``), 50 a page (or ``page_size``) in line
    order; ``names`` holds the names of the communities and institutions the page's accounts
    name (those in scope)."""
    view = _view(p, county)
    run = stored_run(p, county, year)
    lines = run.lines if run else ()
    rows = [
        ln
        for ln in lines
        if view.line_visible(ln)
        and (not account or ln["account"].startswith(account))
        and (not community or _of_community(ln, community))
        and (not month or ln["period"] == month)
    ]
    size = page_size or PAGE_SIZE
    start = (page - 1) * size
    shown = rows[start : start + size]
    ids = {
        part
        for ln in shown
        for acc in (ln["account"], ln["counterparty"])
        for part in acc.split(":")[1:]
    }
    names = {i: p.scope.names[i] for i in ids if i in p.scope.institutions}
    names |= {c: n for c, n in (run.names if run else ()) if c in ids}
    return {
        **_head(run, view, county, year),
        "filters": {"account": account, "community": community, "month": month},
        "total": len(rows),
        "page": page,
        "page_size": size,
        "periods": sorted({ln["period"] for ln in lines}),
        "items": p.redact(shown),
        "names": names,
    }


def explain(p: Principal, county: str, year: int, line_id: str) -> dict[str, Any]:
    """One ledger line explained by `explain_line` (what `yigong settle explain` prints)."""

    view = _view(p, county)
    run = stored_run(p, county, year)
    line = next((ln for ln in (run.lines if run else ()) if ln["line_id"] == line_id), None)
    if run is None or run.run_dir is None or line is None or not view.line_visible(line):
        raise p.refuse("the ledger line asked for")
    explained = explain_line(run.run_dir, line_id)
    ids = {
        part for acc in (line["account"], line["counterparty"]) for part in acc.split(":")[1:]
    } | {str(v) for v in explained.get("inputs", {}).values() if isinstance(v, str)}
    names = {i: p.scope.names[i] for i in ids if i in p.scope.institutions}
    names |= {c: n for c, n in run.names if c in ids}
    return {
        "county": county,
        "year": year,
        "line_id": line_id,
        **p.redact(explained),
        "names": names,
    }


def statements(
    p: Principal, county: str, year: int, community: str | None = None
) -> dict[str, Any]:
    """The monthly statements (opening, movements by rule, closing, quota remaining) of the
    communities the user may see, each with a totals row; one community if asked."""
    view = _view(p, county)
    run = stored_run(p, county, year)
    head = _head(run, view, county, year)
    shown = [c["community_id"] for c in head["communities"]]
    if community is not None:
        if community not in shown:
            raise p.refuse("the statement asked for")
        shown = [community]
    out = []
    names = dict(run.names) if run else {}
    for cid in shown:
        rows = [r for r in (run.statement_rows if run else ()) if r["community_id"] == cid]
        totals: dict[str, str] = {
            c: str(sum((_money(r[c]) for r in rows), Decimal("0.00"))) for c in _SUMMED
        }
        if rows:
            totals["opening"], totals["closing"] = rows[0]["opening"], rows[-1]["closing"]
            totals["quota_remaining"] = rows[-1]["quota_remaining"]
        out.append(
            {"community_id": cid, "name": names.get(cid, ""), "rows": rows, "totals": totals}
        )
    return {
        **head,
        "statements": p.redact(out),
        "columns": list(STATEMENT_COLUMNS),
        "community": community,
    }


def statement_file(
    p: Principal, county: str, year: int, community: str, fmt: str
) -> tuple[bytes, str, str]:
    """One community's statement (its rows and the totals) as CSV (UTF-8 with BOM) or XLSX:
    (content, media type, file name). The download is audited."""
    data = statements(p, county, year, community)
    if data["status"] != "ready":
        raise AccessError(404, "no_run", f"no settlement run of {county} {year} yet")
    (st,) = data["statements"]
    header = ["period", *STATEMENT_COLUMNS]
    body = [[r["period"], *(r[c] for c in STATEMENT_COLUMNS)] for r in st["rows"]]
    body.append(["total", *(st["totals"].get(c, "") for c in STATEMENT_COLUMNS)])
    name = f"statement-{community}-{year}"
    p.audit_read(f"statement {community} {year}.{fmt}", len(body), county=county)
    if fmt == "csv":
        return (
            csv_bytes(["community_id", *header], [[community, *row] for row in body]),
            CSV,
            f"{name}.csv",
        )
    money = [[row[0], *(Decimal(v) if v else None for v in row[1:])] for row in body]
    title = [f"{community} {st['name']}", f"{county} {year}"]
    return xlsx_bytes(community, header, money, title), XLSX, f"{name}.xlsx"


def default_county(p: Principal) -> str:
    """The county (6-digit division code) of the user's first division node at county level
    or below, else of their first institution ("" when they have neither)."""
    for node in p.scope.nodes:
        if node.kind is NodeKind.DIVISION and len(node.id) >= 6:
            return node.id[:6]
    first = min(p.scope.institutions, default=None)
    if first is None:
        return ""
    with p.state.tables() as wh:
        t = wh.table("institutions")
        code = t.filter(t.institution_id == first).division_code.to_pyarrow().to_pylist()
    return str(code[0])[:6] if code else ""
