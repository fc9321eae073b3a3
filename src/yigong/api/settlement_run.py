"""The county's global-budget run as the cockpit shows it: ledger lines, explanations, statements.

The run is the one `yigong settle budget --db WAREHOUSE --county C --year Y --policy P` writes
(the budget page, `yigong.api.budget`, shows its ``communities.csv``):
the cockpit calls the same service (`settle_budget_from_warehouse`) into
``settings.runs_path / budget-<county>-<year>/``, and explains a line with the same function as
`yigong settle explain` (`explain_line`). A run is computed once per process, warehouse file
state (size and modification time), county, year and policy, and then read from memory; each
run written (or refused by the engine) is a row of the user store's ``audit_log``
(``settlement.run`` / ``settlement.run.refused``: who, county, year, policy, run directory,
inputs hash).

Scope rule (as for the budget page, `yigong.api.budget`): a user who may see the whole county
sees every line and every community's statement; a user who may see some of its communities
sees only the lines on those communities' own accounts (``community:<id>``, ``fund:quota:<id>``,
``fund:withheld:<id>``) and on the accounts of institutions in their scope, and only those
communities' statements; anyone else gets 403 ``outside_scope``. In every figure shown, an
institution outside the user's scope (e.g. an out-of-county hospital in an account name or a
rule's inputs) reads ``(outside scope)``. A line the user may not see is refused exactly like
a line that does not exist (403), so line ids cannot be probed.
"""

from __future__ import annotations

import csv
import io
import json
import threading
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from yigong.api.budget import _visible
from yigong.api.context import Principal
from yigong.api.errors import ApiError
from yigong.rulepacks import IssuesError

__all__ = [
    "BudgetRun",
    "STATEMENT_COLUMNS",
    "budget_run",
    "explain",
    "ledger_page",
    "section_rows",
    "statement_file",
    "statements",
]

OUTSIDE = "(outside scope)"
PAGE_SIZE = 50
#: money columns of a statement row, in the order of ``statements.csv``
STATEMENT_COLUMNS = (
    "opening",
    "prepaid",
    "released",
    "claims_paid",
    "year_end_settlement",
    "overspend_share",
    "quality_return",
    "out_of_county_charged",
    "closing",
    "quota_remaining",
)
#: the movement columns a statement's totals row adds up (opening/closing/remaining are not sums)
_SUMMED = (
    "prepaid",
    "released",
    "claims_paid",
    "year_end_settlement",
    "overspend_share",
    "quality_return",
    "out_of_county_charged",
)
_COMMUNITY_ACCOUNTS = ("community:", "fund:quota:", "fund:withheld:")
_RUNS: dict[tuple[object, ...], BudgetRun] = {}
_RUNS_LOCK = threading.Lock()
_RUNS_MAX = 16


@dataclass(frozen=True)
class BudgetRun:
    """A finished run (its directory and parsed files) or the engine's refusal (``error``)."""

    county: str
    year: int
    run_dir: Path | None
    error: str | None
    lines: tuple[dict[str, str], ...] = ()  # ledger.csv rows without ``inputs``
    statement_rows: tuple[dict[str, str], ...] = ()
    names: tuple[tuple[str, str], ...] = ()  # (community id, name)
    run: tuple[tuple[str, Any], ...] = ()  # run.json: inputs hash and policy
    community_rows: tuple[dict[str, str], ...] = ()  # communities.csv


def section_rows(run: BudgetRun) -> list[dict[str, str]]:
    """The budget page's rows (`settlement_section`'s columns) from the run's
    ``communities.csv``: prepaid = monthly advances + released withheld money; surplus (+) or
    overspend (−); what the community retains of a surplus or the fund's share of an overspend."""
    out = []
    for c in run.community_rows:
        over = _money(c["overspend"])
        out.append(
            {
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
    return out


def _read(run_dir: Path, county: str, year: int) -> BudgetRun:
    def rows(name: str) -> list[dict[str, str]]:
        return list(csv.DictReader(io.StringIO((run_dir / name).read_text(encoding="utf-8"))))

    lines = tuple({k: v for k, v in r.items() if k != "inputs"} for r in rows("ledger.csv"))
    record = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))
    communities = tuple(rows("communities.csv"))
    names = tuple((r["community_id"], r["name"]) for r in communities)
    return BudgetRun(
        county,
        year,
        run_dir,
        None,
        lines,
        tuple(rows("statements.csv")),
        names,
        (("inputs_sha256", record["inputs_sha256"]), ("policy", record["policy"])),
        communities,
    )


def budget_run(p: Principal, county: str, year: int) -> BudgetRun:
    """The county-year's budget run under the cockpit's policy (computed on first use)."""
    from yigong.services.settlement import settle_budget_from_warehouse

    settings = p.state.settings
    stat = settings.warehouse.stat()
    key = (
        str(settings.warehouse),
        stat.st_size,
        stat.st_mtime_ns,
        str(settings.runs_path),
        settings.settlement_policy,
        county,
        year,
    )
    hit = _RUNS.get(key)
    if hit is not None:
        return hit
    with _RUNS_LOCK:
        hit = _RUNS.get(key)
        if hit is not None:
            return hit
        out = settings.runs_path / f"budget-{county}-{year}"
        try:
            with p.state.tables() as wh:
                settle_budget_from_warehouse(
                    wh, county, year, settings.settlement_policy, out, replace=True
                )
            run = _read(out, county, year)
        except (IssuesError, FileNotFoundError) as exc:  # the engine's own refusal
            run = BudgetRun(county, year, None, str(exc))
        # the cockpit wrote (or refused to write) a run directory: audited like any write
        p.state.users.audit(
            p.user.username,
            "settlement.run" if run.error is None else "settlement.run.refused",
            {
                "county": county,
                "year": year,
                "policy": settings.settlement_policy,
                "run_dir": str(out),
                **dict(run.run),
                "error": run.error,
            },
        )
        if len(_RUNS) >= _RUNS_MAX:
            _RUNS.clear()
        _RUNS[key] = run
        return run


@dataclass(frozen=True)
class _View:
    """What of a run the user may see."""

    whole: bool
    communities: frozenset[str]
    institutions: frozenset[str]
    hidden: frozenset[str]

    def line_visible(self, line: dict[str, str]) -> bool:
        return self.whole or self.account_visible(line["account"])

    def account_visible(self, account: str) -> bool:
        for prefix in _COMMUNITY_ACCOUNTS:
            if account.startswith(prefix):
                return account.removeprefix(prefix) in self.communities
        if account.startswith("institution:"):
            return account.removeprefix("institution:") in self.institutions
        return False

    def mask(self, value: Any) -> Any:
        """Every institution outside the scope → ``(outside scope)``, also inside account
        names (``external:out_of_county:<id>``)."""
        if isinstance(value, str):
            if value in self.hidden:
                return OUTSIDE
            if ":" in value:
                parts = value.split(":")
                if any(part in self.hidden for part in parts):
                    return ":".join(OUTSIDE if part in self.hidden else part for part in parts)
            return value
        if isinstance(value, dict):
            return {k: self.mask(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.mask(v) for v in value]
        return value


def _view(p: Principal, county: str) -> _View:
    whole, communities = _visible(p, county)
    if not whole and not communities:
        raise ApiError(
            403,
            "outside_scope",
            f"no medical community of the county asked for "
            f"lies inside the nodes assigned to {p.user.username}",
            {"nodes": list(p.user.nodes)},
        )
    return _View(whole, frozenset(communities), p.scope.institutions, p.scope.hidden)


def _of_community(line: dict[str, str], community: str) -> bool:
    account = line["account"]
    return any(account == prefix + community for prefix in _COMMUNITY_ACCOUNTS)


def _head(run: BudgetRun, view: _View) -> dict[str, Any]:
    return {
        "county": run.county,
        "year": run.year,
        "whole_county": view.whole,
        "error": run.error,
        "run": dict(run.run),
        "communities": [
            {"community_id": c, "name": n}
            for c, n in run.names
            if view.whole or c in view.communities
        ],
    }


def ledger_page(
    p: Principal,
    county: str,
    year: int,
    *,
    account: str | None = None,
    community: str | None = None,
    month: str | None = None,
    page: int = 1,
) -> dict[str, Any]:
    """The ledger lines the user may see, filtered (account prefix, a community's own
    accounts, a period ``YYYY-MM`` or ``YYYY-YE``), 50 a page in line order."""
    view = _view(p, county)
    run = budget_run(p, county, year)
    rows = [
        ln
        for ln in run.lines
        if view.line_visible(ln)
        and (not account or ln["account"].startswith(account))
        and (not community or _of_community(ln, community))
        and (not month or ln["period"] == month)
    ]
    start = (page - 1) * PAGE_SIZE
    return {
        **_head(run, view),
        "filters": {"account": account, "community": community, "month": month},
        "total": len(rows),
        "page": page,
        "page_size": PAGE_SIZE,
        "periods": sorted({ln["period"] for ln in run.lines}),
        "items": view.mask(rows[start : start + PAGE_SIZE]),
    }


def explain(p: Principal, county: str, year: int, line_id: str) -> dict[str, Any]:
    """One ledger line explained by `explain_line` (what `yigong settle explain` prints)."""
    from yigong.services.settlement import explain_line

    view = _view(p, county)
    run = budget_run(p, county, year)
    refused = ApiError(
        403,
        "outside_scope",
        f"no ledger line {line_id!r} among those of the nodes assigned to {p.user.username}",
        {"nodes": list(p.user.nodes)},
    )
    line = next((ln for ln in run.lines if ln["line_id"] == line_id), None)
    if run.run_dir is None or line is None or not view.line_visible(line):
        raise refused
    explained = explain_line(run.run_dir, line_id)
    return {"county": county, "year": year, "line_id": line_id, **view.mask(explained)}


def _money(text: str) -> Decimal:
    return Decimal(text or "0")


def statements(
    p: Principal, county: str, year: int, community: str | None = None
) -> dict[str, Any]:
    """The monthly statements (opening, movements by rule, closing, quota remaining) of the
    communities the user may see, each with a totals row; one community if asked."""
    view = _view(p, county)
    run = budget_run(p, county, year)
    head = _head(run, view)
    shown = [c["community_id"] for c in head["communities"]]
    if community is not None:
        if community not in shown:
            raise ApiError(
                403,
                "outside_scope",
                f"no statement of {community!r} among those "
                f"of the nodes assigned to {p.user.username}",
                {"nodes": list(p.user.nodes)},
            )
        shown = [community]
    out = []
    names = dict(run.names)
    for cid in shown:
        rows = [r for r in run.statement_rows if r["community_id"] == cid]
        totals: dict[str, str] = {
            c: str(sum((_money(r[c]) for r in rows), Decimal("0.00"))) for c in _SUMMED
        }
        if rows:
            totals["opening"], totals["closing"] = rows[0]["opening"], rows[-1]["closing"]
            totals["quota_remaining"] = rows[-1]["quota_remaining"]
        out.append(
            {"community_id": cid, "name": names.get(cid, ""), "rows": rows, "totals": totals}
        )
    return {**head, "statements": out}


def statement_file(
    p: Principal, county: str, year: int, community: str, fmt: str
) -> tuple[bytes, str, str]:
    """One community's statement (its rows and the totals) as CSV (UTF-8 with BOM) or XLSX:
    (content, media type, file name)."""
    (st,) = statements(p, county, year, community)["statements"]
    header = ["period", *STATEMENT_COLUMNS]
    body = [[r["period"], *(r[c] for c in STATEMENT_COLUMNS)] for r in st["rows"]]
    body.append(["total", *(st["totals"].get(c, "") for c in STATEMENT_COLUMNS)])
    name = f"statement-{community}-{year}"
    if fmt == "csv":
        buf = io.StringIO()
        buf.write("\ufeff")
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["community_id", *header])
        w.writerows([community, *row] for row in body)
        return buf.getvalue().encode("utf-8"), "text/csv; charset=utf-8", f"{name}.csv"
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(community[:31])
    ws.append([f"{community} {st['name']}", f"{county} {year}"])
    ws.append(header)
    for row in body:  # money as Decimal: written as its exact digits, never through a float
        ws.append([row[0], *(Decimal(v) if v else None for v in row[1:])])
    data = io.BytesIO()
    wb.save(data)
    return (
        data.getvalue(),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        f"{name}.xlsx",
    )
