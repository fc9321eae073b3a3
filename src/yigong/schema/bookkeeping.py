"""The bookkeeping tables every warehouse keeps beside the canonical ones, whatever its backend.

``ingest_runs`` records one row per ingested file, ``quarantine`` one row per broken rule of a
rejected row and ``quarantine_keys`` one row per rejected row with what identifies it across
files (its natural key, a part that could hold an ID number as its salted hash, and the resolved
path of its file: ingest writes all three; see `yigong.ingest.load`), ``row_origins`` one row
per stored natural key with the file that loaded it (so that another file's row with that key in
a later run is reported, not silently replaced), and ``warehouse_meta`` holds key/value facts
about the warehouse itself (the pseudonymisation key's fingerprint). Declared here, below the
warehouse, so that the DuckDB file and the Parquet warehouse create them with the same columns.
"""

from __future__ import annotations

import pyarrow as pa

INGEST_RUNS = pa.schema(
    [
        ("run_id", pa.string()),
        ("table_name", pa.string()),
        ("file", pa.string()),
        ("file_sha256", pa.string()),
        ("started_at", pa.timestamp("us")),
        ("finished_at", pa.timestamp("us")),
        ("rows_read", pa.int64()),
        ("rows_accepted", pa.int64()),
        ("rows_rejected", pa.int64()),
        ("rows_replaced", pa.int64()),
    ]
)

QUARANTINE = pa.schema(
    [
        ("run_id", pa.string()),
        ("table_name", pa.string()),
        ("file", pa.string()),
        ("file_sha256", pa.string()),
        ("row_no", pa.int64()),
        ("field", pa.string()),
        ("value", pa.string()),
        ("rule", pa.string()),
        ("reason", pa.string()),
    ]
)

QUARANTINE_KEYS = pa.schema(
    [
        ("run_id", pa.string()),
        ("table_name", pa.string()),
        ("file_sha256", pa.string()),
        ("row_no", pa.int64()),
        ("row_key", pa.string()),  # None: the row has no readable natural key
        ("source", pa.string()),  # the file's resolved absolute path
    ]
)

ROW_ORIGINS = pa.schema(
    [
        ("table_name", pa.string()),
        ("row_key", pa.string()),  # as `quarantine_keys.row_key` (`check.row_key_sql`)
        ("run_id", pa.string()),
        ("file", pa.string()),  # the file as named in the run (masked)
        ("file_sha256", pa.string()),
        ("source", pa.string()),  # the file's resolved absolute path (masked)
    ]
)

WAREHOUSE_META = pa.schema([("key", pa.string()), ("value", pa.string())])

#: table name -> Arrow schema, for every bookkeeping table.
BOOKKEEPING: dict[str, pa.Schema] = {
    "ingest_runs": INGEST_RUNS,
    "quarantine": QUARANTINE,
    "quarantine_keys": QUARANTINE_KEYS,
    "row_origins": ROW_ORIGINS,
    "warehouse_meta": WAREHOUSE_META,
}

#: the key under which `warehouse_meta` keeps the pseudonymisation key's fingerprint.
KEY_FINGERPRINT = "pseudonym_key_fingerprint"
