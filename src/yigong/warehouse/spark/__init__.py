"""The Spark warehouse: canonical tables as Parquet datasets in one directory, reached through
Ibis on a PySpark session (local mode, or a cluster through a Spark master URL).

Layout of a Spark warehouse root (the same as `yigong warehouse export` writes, so a DuckDB
warehouse can be handed to Spark as it is)::

    <root>/_yigong.json          layout version, pseudonym key fingerprint, tables and rows
    <root>/<table>.parquet       one file per table (what the DuckDB export writes), or
    <root>/<table>/*.parquet     one dataset per table (what Spark writes; may be partitioned)

Engines receive Ibis tables from `SparkWarehouse.table()` exactly as from the DuckDB
`Warehouse`; a canonical table absent from the root is an empty table with its declared
schema, as in a fresh DuckDB warehouse. Writes (`write_arrow`, `write_frame`) go to a hidden
sibling directory first and replace the table's dataset only when complete.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sys
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import ibis
import pyarrow as pa

from yigong.schema.codes import NATIONAL_CODE_LISTS, national_code_file
from yigong.schema.tables import BY_NAME
from yigong.warehouse.types import arrow_schema

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

MANIFEST = "_yigong.json"
#: version of the Parquet warehouse layout described in the module docstring.
LAYOUT_VERSION = 1
DEFAULT_MASTER = "local[2]"
ENV_MASTER = "YIGONG_SPARK_MASTER"
ENV_CONF = "YIGONG_SPARK_CONF"  # extra Spark settings: "key=value,key=value"
ENV_SHUFFLE = "YIGONG_SPARK_SHUFFLE_PARTITIONS"

#: bookkeeping tables a DuckDB warehouse keeps besides the canonical ones (same columns here).
BOOKKEEPING_SCHEMAS: dict[str, pa.Schema] = {
    "ingest_runs": pa.schema(
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
    ),
    "quarantine": pa.schema(
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
    ),
}


class SparkWarehouseError(RuntimeError):
    """The Parquet warehouse directory cannot be used as asked."""


@dataclass(frozen=True)
class SparkSettings:
    """How to start (or join) the Spark session: master URL, shuffle partitions, extra conf."""

    master: str = DEFAULT_MASTER
    shuffle_partitions: int = 4
    app_name: str = "yigong"
    conf: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls, master: str | None = None, **kw: Any) -> SparkSettings:
        """Settings from arguments, else `YIGONG_SPARK_MASTER`, `YIGONG_SPARK_SHUFFLE_PARTITIONS`
        and `YIGONG_SPARK_CONF` ("spark.executor.memory=4g,spark.x=y"), else the defaults."""
        conf: dict[str, str] = {}
        for item in filter(None, (p.strip() for p in os.environ.get(ENV_CONF, "").split(","))):
            k, sep, v = item.partition("=")
            if not sep:
                raise SparkWarehouseError(f"{ENV_CONF}: {item!r} is not key=value")
            conf[k.strip()] = v.strip()
        conf.update(kw.pop("conf", {}) or {})
        shuffle = kw.pop("shuffle_partitions", None) or int(os.environ.get(ENV_SHUFFLE, "4"))
        return cls(
            master=master or os.environ.get(ENV_MASTER) or DEFAULT_MASTER,
            shuffle_partitions=shuffle,
            conf=conf,
            **kw,
        )

    def spark_conf(self) -> dict[str, str]:
        """Every setting the session gets: UTC session time, no web UI, the shuffle partitions."""
        return {
            "spark.sql.session.timeZone": "UTC",
            "spark.ui.enabled": "false",
            "spark.ui.showConsoleProgress": "false",
            "spark.sql.shuffle.partitions": str(self.shuffle_partitions),
            "spark.sql.execution.arrow.pyspark.enabled": "true",
            "spark.sql.parquet.inferTimestampNTZ.enabled": "true",
            **dict(self.conf),
        }


def spark_session(settings: SparkSettings | None = None) -> SparkSession:
    """Start (or reuse) the Spark session of these settings."""
    settings = settings or SparkSettings.from_env()
    if settings.master.startswith("local"):
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        # the Python workers run the engines (mapInArrow): the interpreter that has yigong
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.master(settings.master).appName(settings.app_name)
    for k, v in settings.spark_conf().items():
        builder = builder.config(k, v)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


def spark_schema(schema: pa.Schema) -> Any:
    """The Spark schema of an Arrow schema (naive timestamps stay naive: TIMESTAMP_NTZ)."""
    from pyspark.sql.pandas.types import from_arrow_schema

    return from_arrow_schema(schema, prefer_timestamp_ntz=True)


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None).isoformat(timespec="seconds")


class SparkWarehouse:
    """A directory of Parquet datasets (one per table) as Ibis tables on a Spark session."""

    kind: ClassVar[str] = "spark"

    def __init__(
        self,
        root: str | Path,
        session: SparkSession | None = None,
        *,
        settings: SparkSettings | None = None,
        create: bool = False,
    ) -> None:
        self.root = Path(root)
        if not self.root.is_dir():
            if not create:
                raise SparkWarehouseError(
                    f"{self.root}: no such Parquet warehouse directory "
                    "(write one with `yigong warehouse export` or an ingest "
                    "with --backend spark --out)"
                )
            self.root.mkdir(parents=True)
        self.session = session or spark_session(settings)
        self._own_session = session is None
        self.con = ibis.pyspark.connect(self.session)
        self.ibis = _SparkIbis(self)
        self._views: dict[str, str] = {}  # table -> path it was registered from
        # temp views are per session: a suffix keeps two warehouses on one session apart
        self._suffix = f"__yg{uuid.uuid4().hex[:6]}"
        self.manifest = self._read_manifest()

    # -- manifest ---------------------------------------------------------------
    def _read_manifest(self) -> dict[str, Any]:
        path = self.root / MANIFEST
        if not path.exists():
            return {
                "layout_version": LAYOUT_VERSION,
                "pseudonym_key_fingerprint": None,
                "tables": {},
            }
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("layout_version") != LAYOUT_VERSION:
            raise SparkWarehouseError(
                f"{path}: layout_version {data.get('layout_version')!r}, "
                f"this yigong reads {LAYOUT_VERSION}"
            )
        return data

    def save_manifest(self) -> None:
        path = self.root / MANIFEST
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(
            json.dumps(self.manifest, ensure_ascii=False, indent=2, sort_keys=True),
            encoding="utf-8",
        )
        tmp.replace(path)

    @property
    def key_fingerprint(self) -> str | None:
        return self.manifest.get("pseudonym_key_fingerprint")

    def set_key_fingerprint(self, fingerprint: str) -> None:
        self.manifest["pseudonym_key_fingerprint"] = fingerprint
        self.save_manifest()

    # -- lifecycle --------------------------------------------------------------
    def close(self) -> None:
        for name in list(self._views):
            self.session.catalog.dropTempView(self.view(name))
        self._views.clear()
        if self._own_session:
            self.session.stop()

    def __enter__(self) -> SparkWarehouse:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- reading ----------------------------------------------------------------
    def dataset_path(self, name: str) -> Path | None:
        """Where table `name` is stored: `<root>/<name>/` (Spark) or `<root>/<name>.parquet`."""
        for path in (self.root / name, self.root / f"{name}.parquet"):
            if path.exists():
                return path
        return None

    def stored_tables(self) -> list[str]:
        """Every table with a dataset in the root."""
        names = set()
        for p in self.root.iterdir():
            if p.name.startswith((".", "_")):
                continue
            if p.is_dir() and any(p.rglob("*.parquet")):
                names.add(p.name)
            elif p.suffix == ".parquet":
                names.add(p.name[: -len(".parquet")])
        return sorted(names)

    def list_tables(self) -> list[str]:
        """Stored tables plus the canonical ones (empty when not stored)."""
        return sorted(set(self.stored_tables()) | set(BY_NAME) | set(BOOKKEEPING_SCHEMAS))

    def has_table(self, name: str) -> bool:
        return name in self.list_tables()

    def view(self, name: str) -> str:
        """The temp view table `name` is registered as in the Spark session."""
        return name + self._suffix

    def frame(self, name: str) -> DataFrame:
        """Table `name` as a Spark DataFrame (registered as temp view `view(name)`)."""
        path = self.dataset_path(name)
        key = str(path) if path else "<empty>"
        if self._views.get(name) != key:
            if path is not None:
                df = self.session.read.parquet(str(path))
            elif name in BY_NAME or name in BOOKKEEPING_SCHEMAS:
                schema = (
                    arrow_schema(BY_NAME[name]) if name in BY_NAME else BOOKKEEPING_SCHEMAS[name]
                )
                df = self.session.createDataFrame([], spark_schema(schema))
            elif name.startswith("ref_") and name[4:] in NATIONAL_CODE_LISTS:
                df = self._code_list(name[4:])
            else:
                raise SparkWarehouseError(f"{self.root}: no table {name!r}")
            df.createOrReplaceTempView(self.view(name))
            self._views[name] = key
        return self.session.table(self.view(name))

    def _code_list(self, system: str) -> DataFrame:
        import pyarrow.csv as pacsv

        with resources.as_file(national_code_file(system)) as path:
            codes = pacsv.read_csv(
                path,
                convert_options=pacsv.ConvertOptions(
                    column_types={"code": pa.string(), "name": pa.string()},
                    include_columns=["code", "name"],
                ),
            )
        return self.session.createDataFrame(codes)

    def table(self, name: str) -> ibis.Table:
        """An Ibis table over a stored (or canonical, possibly empty) table."""
        self.frame(name)
        return self.con.table(self.view(name))

    def count(self, name: str) -> int:
        return self.frame(name).count()

    def dataframe(self, expr: ibis.Table) -> DataFrame:
        """An Ibis expression over this warehouse's tables as a Spark DataFrame (lazy)."""
        return self.session.sql(str(self.con.compile(expr)))

    def map_arrow(
        self, expr: ibis.Table | DataFrame, fn: Callable[[pa.Table], pa.Table], schema: pa.Schema
    ) -> DataFrame:
        """Run a backend-free Arrow engine on every partition of `expr` (Spark ``mapInArrow``).

        `fn` receives each Arrow record batch as a table and returns a table of `schema`; it
        runs in the executors, so it must be importable there (yigong installed on the workers).
        """
        df = self.dataframe(expr) if isinstance(expr, ibis.Table) else expr

        def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
            for batch in batches:
                out = fn(pa.Table.from_batches([batch])).cast(schema)
                yield from out.to_batches()

        return df.mapInArrow(run, spark_schema(schema))

    def to_arrow(self, name: str) -> pa.Table:
        return self.con.to_pyarrow(self.table(name))

    # -- writing ----------------------------------------------------------------
    def write_frame(
        self,
        name: str,
        df: DataFrame,
        *,
        partition_by: list[str] | None = None,
        rows: int | None = None,
    ) -> int:
        """Replace table `name` by `df` (written beside, then swapped in); returns its rows."""
        tmp = self.root / f".{name}.{uuid.uuid4().hex[:8]}.tmp"
        writer = df.write.mode("overwrite")
        if partition_by:
            writer = writer.partitionBy(*partition_by)
        writer.parquet(str(tmp))
        if rows is None:
            rows = self.session.read.parquet(str(tmp)).count()
        old = self.dataset_path(name)
        trash = self.root / f".{name}.{uuid.uuid4().hex[:8]}.old"
        if old is not None:
            old.rename(trash)
        tmp.rename(self.root / name)
        if trash.exists():
            shutil.rmtree(trash) if trash.is_dir() else trash.unlink()
        self._views.pop(name, None)
        self.manifest.setdefault("tables", {})[name] = {"rows": rows, "written_at": _now()}
        self.save_manifest()
        return rows

    def write_arrow(self, name: str, data: pa.Table) -> int:
        """Replace table `name` by an Arrow table (engine results, small derived tables)."""
        if name in BY_NAME:
            data = data.select(list(BY_NAME[name].column_names)).cast(arrow_schema(BY_NAME[name]))
        df = self.session.createDataFrame(data, schema=spark_schema(data.schema))
        return self.write_frame(name, df, rows=data.num_rows)


class _SparkIbis:
    """The Ibis PySpark backend, with tables resolved and written by the Spark warehouse.

    Services written against an Ibis backend (``con.table``, ``con.list_tables``,
    ``con.create_table``, ``con.to_pyarrow``) run unchanged: tables are read from and written
    to the warehouse root instead of Spark's own catalog.
    """

    kind = "spark"

    def __init__(self, wh: SparkWarehouse) -> None:
        self._wh = wh

    @property
    def warehouse(self) -> SparkWarehouse:
        return self._wh

    def __getattr__(self, name: str) -> Any:
        return getattr(self._wh.con, name)

    def table(self, name: str, **_: Any) -> ibis.Table:
        return self._wh.table(name)

    def list_tables(self, **_: Any) -> list[str]:
        return self._wh.list_tables()

    def create_table(
        self, name: str, obj: Any = None, *, overwrite: bool = False, **_: Any
    ) -> ibis.Table:
        if not overwrite and self._wh.dataset_path(name) is not None:
            raise SparkWarehouseError(f"table {name!r} exists (overwrite=False)")
        if isinstance(obj, ibis.Table):  # computed on Spark, written by Spark
            df = self._wh.session.sql(str(self._wh.con.compile(obj)))
            self._wh.write_frame(name, df)
            return self._wh.table(name)
        if not isinstance(obj, pa.Table):
            obj = pa.Table.from_pandas(obj, preserve_index=False)
        self._wh.write_arrow(name, obj)
        return self._wh.table(name)
