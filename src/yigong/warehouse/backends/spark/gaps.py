"""Features the Spark backend does not run, each with its reason and what to do instead.

Imported without PySpark: the CLI decides refusals and the tests generate their expected
failures from this list alone.
"""

from __future__ import annotations

_DUCKDB_ONLY = "Export the Parquet warehouse and import it into DuckDB (yigong warehouse import)."

GAPS: dict[str, str] = {
    "ingest:csv": "ingest on Spark reads Parquet only; ingest CSV/Excel files with the DuckDB "
    "backend (or convert them to Parquet first)",
    "ingest:xlsx": "ingest on Spark reads Parquet only; ingest Excel files with the DuckDB backend",
    "ingest:malformed": "the `malformed` rule is a CSV reader rule: Parquet files have no "
    "malformed lines, so it never fires on Spark",
    "atomic_commit": "a transaction's tables are swapped in one after another when it commits: "
    "an error before the commit leaves every table as it was, a crash between two swaps "
    "leaves some tables new and some old",
    "settlement": f"settlements (yigong settle …) run on the DuckDB warehouse only. {_DUCKDB_ONLY}",
    "workflow": "the referral / contract workflow store, reform tasks, the API and the cockpit "
    f"run on DuckDB only. {_DUCKDB_ONLY}",
    "screening": "fund-supervision screening (yigong screen …) runs on the DuckDB warehouse "
    f"only. {_DUCKDB_ONLY}",
    "status": "yigong status reads the DuckDB warehouse; a Parquet warehouse lists its tables and "
    "rows in _yigong.json",
    "demo": "make demo / yigong demo builds a DuckDB county",
}
