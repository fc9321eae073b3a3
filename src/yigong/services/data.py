"""Foundation use cases: generate a synthetic region, ingest files, describe what is loaded.

One function per user action; the CLI, the REST API and the web cockpit call these.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from yigong.ingest import IngestReport, PseudonymKey, ingest_paths
from yigong.schema.codes import INSTITUTION_TYPE
from yigong.schema.tables import CHILD_TABLES, TABLES
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
}


def ingest_files(
    db: str | Path,
    paths: Iterable[str | Path],
    *,
    table: str | None = None,
    key_file: str | Path | None = None,
    progress: Callable[[str, Path], None] | None = None,
) -> list[IngestReport]:
    """Ingest files or directories into the warehouse at `db`."""
    key = PseudonymKey.from_env_or_file(key_file)
    with Warehouse(db) as wh:
        return ingest_paths(wh, paths, table=table, key=key, progress=progress)


@dataclass(frozen=True)
class TableStatus:
    table: str
    zh: str
    rows: int
    periods: dict[str, int]  # year -> rows
    quarantined: int


def warehouse_status(db: str | Path) -> dict[str, Any]:
    """What is loaded: rows per table and year, institutions per type, quarantine by rule."""
    with Warehouse(db) as wh:
        con = wh.duck
        tables = []
        for tbl in (*TABLES, *CHILD_TABLES):
            periods: dict[str, int] = {}
            col = PERIOD_COLUMN.get(tbl.name)
            if col:
                expr = f'"{col}"' if col == "year" else f'year("{col}")'
                periods = {
                    str(y): n
                    for y, n in con.execute(
                        f'SELECT {expr} AS y, count(*) FROM "{tbl.name}" GROUP BY y ORDER BY y'
                    ).fetchall()
                    if y is not None
                }
            quarantined = con.execute(
                "SELECT count(DISTINCT (file_sha256, row_no)) FROM quarantine WHERE table_name = ?",
                [tbl.name],
            ).fetchone()[0]
            tables.append(TableStatus(tbl.name, tbl.zh, wh.count(tbl.name), periods, quarantined))
        by_type = con.execute(
            "SELECT institution_type, count(*), sum(open_beds) FROM institutions "
            "GROUP BY 1 ORDER BY 2 DESC"
        ).fetchall()
        rules = con.execute(
            "SELECT table_name, rule, count(*) FROM quarantine GROUP BY 1, 2 ORDER BY 1, 3 DESC"
        ).fetchall()
        declared = {t.name for t in (*TABLES, *CHILD_TABLES)}
        derived = [
            {"table": name, "rows": wh.count(name)}
            for name in wh.stored_tables()
            if name not in declared | {"ingest_runs", "quarantine", "warehouse_meta"}
        ]
        runs = con.execute(
            "SELECT run_id, min(started_at), count(*), sum(rows_read), sum(rows_accepted), "
            "sum(rows_rejected) FROM ingest_runs GROUP BY run_id ORDER BY 2 DESC LIMIT 5"
        ).fetchall()
    return {
        "database": str(db),
        "tables": [t.__dict__ for t in tables],
        "institutions_by_type": [
            {"type": t, "zh": INSTITUTION_TYPE.get(t, ("", ""))[0], "count": n, "open_beds": b}
            for t, n, b in by_type
        ],
        "quarantine_by_rule": [{"table": t, "rule": r, "errors": n} for t, r, n in rules],
        "derived_tables": derived,  # engine results and the workflow feed
        "recent_runs": [
            {
                "run_id": r,
                "started_at": str(s),
                "files": f,
                "read": rd,
                "accepted": a,
                "rejected": rj,
            }
            for r, s, f, rd, a, rj in runs
        ],
    }


def quarantine_rows(db: str | Path, run_id: str) -> list[dict[str, Any]]:
    """Every rejected row of one ingest run: file, row, field, rule, reason, value."""
    with Warehouse(db) as wh:
        cur = wh.duck.execute(
            "SELECT file, row_no, field, rule, reason, value FROM quarantine WHERE run_id = ? "
            "ORDER BY file, row_no, field",
            [run_id],
        )
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def export_warehouse(db: str | Path, directory: str | Path) -> list[Path]:
    """Write the whole warehouse as Parquet files."""
    with Warehouse(db) as wh:
        return wh.export_parquet(directory)


def import_warehouse(db: str | Path, directory: str | Path) -> dict[str, int]:
    """Replace the warehouse's tables by the Parquet files of a directory."""
    with Warehouse(db) as wh:
        return wh.import_parquet(directory)
