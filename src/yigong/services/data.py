"""Foundation use cases: generate a synthetic region, ingest files, describe what is loaded.

One function per user action; the CLI, the REST API and the web cockpit call these.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ibis
import pyarrow.parquet as pq

from yigong.ingest import IngestError, IngestReport, PseudonymKey, ingest_paths
from yigong.ingest.plausibility import PlausibilityRules, load_rules
from yigong.rulepacks import IssuesError
from yigong.schema.bookkeeping import BOOKKEEPING
from yigong.schema.codes import INSTITUTION_TYPE
from yigong.schema.tables import BY_NAME, CHILD_TABLES, TABLES
from yigong.services.warehouse import Where, opened
from yigong.warehouse import Warehouse

#: the date column that places a table's rows in a period (for `status`).
PERIOD_COLUMN = {
    "discharges": "discharge_date",
    "outpatient_visits": "visit_date",
    "settlements": "settle_date",
    "referrals": "request_date",
    "family_doctor_contracts": "signed_date",
    "examinations": "exam_date",
    "staff": "snapshot_date",
    "population": "year",
    "insured_population": "year",
    "bed_stats": "year",
    "public_health_tasks": "year",
    "public_health_services": "service_date",
    "finance": "year",
    "contribution_standards": "year",
    "fund_accounts": "year",
    "provider_agreements": "valid_from",
    "claim_submissions": "submitted_date",
    "agreement_inspections": "year",
}


def ingest_files(
    where: Where,
    paths: Iterable[str | Path],
    *,
    table: str | None = None,
    key_file: str | Path | None = None,
    progress: Callable[[str, Path], None] | None = None,
    backend: str | None = None,
    master: str | None = None,
    profile: str | None = None,
    skipped: list[tuple[Path, str]] | None = None,
    plausibility: str | Path | None = None,
    replace: bool = False,
) -> list[IngestReport]:
    """Ingest files or directories into the warehouse at `where` (created if absent); files in
    a national layout are read with the layout profile `profile` (default: the one their
    header matches). `plausibility` is a plausibility pack (a built-in id or a pack folder)
    to apply instead of the built-in default: refused (IngestError) before anything is read
    when it is missing or invalid. `replace` lets rows replace those of the same natural key
    that another file loaded in an earlier run."""
    rules = plausibility_rules(plausibility)
    key = PseudonymKey.from_env_or_file(key_file)
    with opened(where, backend=backend, master=master, create=True) as wh:
        return ingest_paths(
            wh,
            paths,
            table=table,
            key=key,
            progress=progress,
            profile=profile,
            skipped=skipped,
            plausibility=rules,
            replace=replace,
        )


def plausibility_rules(ref: str | Path | None) -> PlausibilityRules | None:
    """The rules of plausibility pack `ref` (None: the built-in default); IngestError in one
    line naming the pack and its first error when it is missing or invalid."""
    if ref is None:
        return None
    try:
        return load_rules(ref)
    except IssuesError as exc:
        first = str(exc.issues[0]) if exc.issues else str(exc)
        more = f" (and {len(exc.issues) - 1} more)" if len(exc.issues) > 1 else ""
        raise IngestError(str(ref), f"plausibility pack: {first}{more}") from exc


@dataclass(frozen=True)
class TableStatus:
    table: str
    zh: str
    rows: int
    periods: dict[str, int]  # year -> rows
    quarantined: int


def _periods(t: ibis.Table, column: str) -> dict[str, int]:
    year = t[column] if column == "year" else t[column].year()
    g = t.group_by(y=year).aggregate(n=t.count()).order_by("y")
    return {str(r["y"]): int(r["n"]) for r in g.to_pyarrow().to_pylist() if r["y"] is not None}


def warehouse_status(where: Where) -> dict[str, Any]:
    """What is loaded: rows per table and year, institutions per type, quarantine by rule."""
    with opened(where, read_only=True, needs=("status",)) as wh:
        # a warehouse no ingest has written yet (made, or upgraded, empty) has no bookkeeping
        q = wh.table("quarantine") if wh.has_table("quarantine") else None
        quarantined: dict[str, int] = {}
        if q is not None:
            per_table = q.select("table_name", "file_sha256", "row_no").distinct()
            per_table = per_table.group_by("table_name").aggregate(n=per_table.count())
            quarantined = {r["table_name"]: int(r["n"]) for r in per_table.to_pyarrow().to_pylist()}
        tables = []
        present = set(wh.list_tables())  # a table no ingest has made yet counts as empty
        for tbl in (*TABLES, *CHILD_TABLES):
            col = PERIOD_COLUMN.get(tbl.name)
            here = tbl.name in present
            periods = _periods(wh.table(tbl.name), col) if col and here else {}
            rows = wh.count(tbl.name) if here else 0
            tables.append(
                TableStatus(tbl.name, tbl.zh, rows, periods, quarantined.get(tbl.name, 0))
            )
        by_type = []
        if "institutions" in present:
            inst = wh.table("institutions")
            g = inst.group_by("institution_type").aggregate(
                n=inst.count(), beds=inst.open_beds.sum()
            )
            by_type = g.order_by([ibis.desc("n"), "institution_type"]).to_pyarrow().to_pylist()
        rules = []
        if q is not None:
            g = q.group_by(["table_name", "rule"]).aggregate(n=q.count())
            rules = g.order_by(["table_name", ibis.desc("n"), "rule"]).to_pyarrow().to_pylist()
        declared = {t.name for t in (*TABLES, *CHILD_TABLES)}
        derived = [
            {"table": name, "rows": wh.count(name)}
            for name in wh.stored_tables()
            if name not in declared | set(BOOKKEEPING)
        ]
        runs = []
        if wh.has_table("ingest_runs"):
            r = wh.table("ingest_runs")
            g = r.group_by("run_id").aggregate(
                started=r.started_at.min(),
                files=r.count(),
                read=r.rows_read.sum(),
                accepted=r.rows_accepted.sum(),
                rejected=r.rows_rejected.sum(),
            )
            runs = g.order_by(ibis.desc("started")).limit(5).to_pyarrow().to_pylist()
        location = str(wh.location) if isinstance(where, Warehouse) else str(where)
    return {
        "database": location,
        "tables": [t.__dict__ for t in tables],
        "institutions_by_type": [
            {
                "type": t["institution_type"],
                "zh": INSTITUTION_TYPE.get(t["institution_type"], ("", ""))[0],
                "count": t["n"],
                "open_beds": t["beds"],
            }
            for t in by_type
        ],
        "quarantine_by_rule": [
            {"table": t["table_name"], "rule": t["rule"], "errors": t["n"]} for t in rules
        ],
        "derived_tables": derived,  # engine results and the workflow feed
        "recent_runs": [
            {
                "run_id": r["run_id"],
                "started_at": str(r["started"]),
                "files": r["files"],
                "read": r["read"],
                "accepted": r["accepted"],
                "rejected": r["rejected"],
            }
            for r in runs
        ],
    }


def quarantine_rows(where: Where, run_ids: Iterable[str]) -> list[dict[str, Any]]:
    """Every rejected row of the given ingest runs: file, row, field, rule, reason, value."""
    with opened(where) as wh:
        q = wh.table("quarantine")
        q = q.filter(q.run_id.isin(sorted(run_ids) or [""]))
        q = q.select("file", "row_no", "field", "rule", "reason", "value")
        return q.order_by(["file", "row_no", "field"]).to_pyarrow().to_pylist()


def export_warehouse(where: Where, directory: str | Path) -> list[Path]:
    """Write the whole warehouse as a Parquet warehouse directory."""
    with opened(where, read_only=True) as wh:
        return wh.export_parquet(Path(directory))


def import_warehouse(
    where: Where, directory: str | Path, *, key_file: str | Path | None = None
) -> dict[str, int]:
    """Replace the warehouse's tables by the Parquet files of a directory, the canonical ones
    through the same rules and pseudonymisation as ingest: they are ingested into a scratch
    in-memory warehouse first, and the import is refused (nothing written) when any row breaks
    a rule. Derived and bookkeeping tables are taken as the files have them."""
    directory = Path(directory)
    if not directory.is_dir():
        raise IngestError(
            str(directory), "no such directory (an export of `yigong warehouse export`)"
        )
    key = PseudonymKey.from_env_or_file(key_file)
    canonical = {t.name for t in TABLES}
    derived = {t.name for t in CHILD_TABLES} | canonical
    with tempfile.TemporaryDirectory(prefix="yigong-import-") as scratch_dir:
        checked = Path(scratch_dir)
        with opened(":memory:", create=True) as scratch:
            files = [
                p
                for p in directory.iterdir()
                if p.name.split(".")[0] in canonical
                and (p.is_dir() or p.suffix.lower() == ".parquet")
            ]
            reports = ingest_paths(scratch, files, key=key)
            refused = [r for r in reports if r.rows_rejected]
            if refused:
                r = refused[0]
                why = ", ".join(f"{k} {v}" for k, v in r.errors_by_rule.items())
                first = r.samples[0] if r.samples else None
                where_ = (
                    f"; first: row {first.row_no} {first.field}: {first.reason}" if first else ""
                )
                raise IngestError(
                    r.file,
                    f"{r.rows_rejected:,} of {r.rows_read:,} rows break the ingest rules ({why})"
                    f"{where_}; nothing imported",
                )
            for name in sorted(
                {r.table for r in reports} | {c for r in reports for c in BY_NAME[r.table].children}
            ):
                out = checked / f"{name}.parquet"
                pq.write_table(scratch.to_arrow(name), out)
        for p in directory.iterdir():  # derived and bookkeeping tables as the files have them
            if p.name.split(".")[0] not in derived and (
                p.is_dir() or p.suffix.lower() == ".parquet"
            ):
                (checked / p.name).symlink_to(p.resolve(), target_is_directory=p.is_dir())
        with opened(where, create=True) as wh:
            return wh.import_parquet(checked)
