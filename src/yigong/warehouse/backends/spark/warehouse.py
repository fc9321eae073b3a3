"""The Spark warehouse: a directory of Parquet datasets (one per table) as Ibis tables on a
PySpark session (`yigong.warehouse.layout` describes the directory).

Engines receive Ibis tables from `SparkWarehouse.table()` exactly as from the DuckDB warehouse;
a canonical table absent from the root is an empty table with its declared schema, as in a
fresh DuckDB warehouse. Every write goes to a hidden sibling directory first and replaces the
table's dataset only when complete; inside a transaction the new datasets are kept aside and
swapped in together when it commits (dropped when it fails).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import json
import os
import shutil
import uuid
from collections.abc import Iterator, Sequence
from importlib import resources
from pathlib import Path
from typing import Any, ClassVar

import ibis
import pyarrow as pa
import pyarrow.csv as pacsv
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F  # noqa: N812

from yigong.schema.bookkeeping import BOOKKEEPING
from yigong.schema.codes import NATIONAL_CODE_LISTS, national_code_file
from yigong.schema.tables import BY_NAME
from yigong.warehouse.backends.spark.session import spark_schema, spark_session
from yigong.warehouse.backends.spark.settings import SparkSettings, SparkWarehouseError
from yigong.warehouse.capabilities import capabilities, require
from yigong.warehouse.layout import LAYOUT_VERSION, MANIFEST
from yigong.warehouse.protocol import BatchFn, Data, Where
from yigong.warehouse.types import arrow_schema

#: tests only: exit inside the commit (after the first dataset swap), to check what a crash
#: leaves (the declared gap ``atomic_commit``).
CRASH_IN_COMMIT_ENV = "YIGONG_TEST_CRASH_IN_COMMIT"


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None).isoformat(timespec="seconds")


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    elif path.exists():
        path.unlink()


class SparkWarehouse:
    """A directory of Parquet datasets (one per table) as Ibis tables on a Spark session."""

    kind: ClassVar[str] = "spark"
    capabilities: ClassVar[frozenset[str]] = capabilities("spark")

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
        self.manifest = self._read_manifest()
        # a session this warehouse did not start (a test's, a notebook's) is left running
        self._own_session = session is None and SparkSession.getActiveSession() is None
        self.session = session or spark_session(settings)
        self._ibis = ibis.pyspark.connect(self.session)
        self._views: dict[str, str] = {}  # table -> what its temp view was registered from
        # temp views are per session: a suffix keeps two warehouses on one session apart
        self._suffix = f"__yg{uuid.uuid4().hex[:6]}"
        self._scratch = self.root / f".yg-scratch-{self._suffix[4:]}"
        self._temporary: dict[str, Path] = {}  # temporary tables: name -> dataset
        self._frames: dict[str, DataFrame] = {}  # tables over a file (`read_parquet`)
        self._pending: dict[str, Path] | None = None  # inside a transaction: name -> new dataset
        self._depth = 0
        self._names = (f"_yg_{i}" for i in itertools.count())

    # -- manifest ---------------------------------------------------------------------------
    def _read_manifest(self) -> dict[str, Any]:
        path = self.root / MANIFEST
        if not path.exists():
            return {"layout_version": LAYOUT_VERSION, "tables": {}}
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("layout_version") != LAYOUT_VERSION:
            raise SparkWarehouseError(
                f"{path}: layout_version {data.get('layout_version')!r}, "
                f"this yigong reads {LAYOUT_VERSION}"
            )
        return data

    def _save_manifest(self) -> None:
        if self._pending is not None:  # saved when the transaction commits
            return
        path = self.root / MANIFEST
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(
            json.dumps(self.manifest, ensure_ascii=False, indent=2, sort_keys=True),
            encoding="utf-8",
        )
        tmp.replace(path)

    # -- lifecycle --------------------------------------------------------------------------
    @property
    def location(self) -> Path:
        return self.root

    @property
    def ibis(self) -> Any:
        return self._ibis

    def require(self, *features: str) -> None:
        require(self.kind, *features)

    def close(self) -> None:
        for name in list(self._views):
            self.session.catalog.dropTempView(self.view(name))
        self._views.clear()
        self._temporary.clear()
        self._frames.clear()
        _remove(self._scratch)
        if self._own_session:
            self.session.stop()

    def __enter__(self) -> SparkWarehouse:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- read -------------------------------------------------------------------------------
    def dataset_path(self, name: str) -> Path | None:
        """Where table `name` is stored: a temporary or pending dataset, else `<root>/<name>/`
        (Spark) or `<root>/<name>.parquet` (the DuckDB export)."""
        if name in self._temporary:
            return self._temporary[name]
        if self._pending is not None and name in self._pending:
            return self._pending[name]
        for path in (self.root / name, self.root / f"{name}.parquet"):
            if path.exists():
                return path
        return None

    def stored_tables(self) -> list[str]:
        names = set()
        for p in self.root.iterdir():
            if p.name.startswith((".", "_")):
                continue
            if p.is_dir() and any(p.rglob("*.parquet")):
                names.add(p.name)
            elif p.suffix == ".parquet":
                names.add(p.name[: -len(".parquet")])
        return sorted(names | set(self._pending or {}))

    def list_tables(self) -> list[str]:
        """Stored tables plus the canonical and bookkeeping ones (empty when not stored)."""
        return sorted(set(self.stored_tables()) | set(BY_NAME) | set(BOOKKEEPING))

    def has_table(self, name: str) -> bool:
        return name in self._temporary or name in self._frames or name in self.list_tables()

    def view(self, name: str) -> str:
        """The temp view table `name` is registered as in the Spark session."""
        return name + self._suffix

    def frame(self, name: str) -> DataFrame:
        """Table `name` as a Spark DataFrame (registered as temp view `view(name)`)."""
        path = self.dataset_path(name)
        key = str(path) if path else ("<file>" if name in self._frames else "<empty>")
        if self._views.get(name) != key:
            if path is not None:
                df = self.session.read.parquet(str(path))
            elif name in self._frames:
                df = self._frames[name]
            elif name in BY_NAME or name in BOOKKEEPING:
                schema = arrow_schema(BY_NAME[name]) if name in BY_NAME else BOOKKEEPING[name]
                df = self.session.createDataFrame([], spark_schema(schema))
            elif name.startswith("ref_") and name[4:] in NATIONAL_CODE_LISTS:
                df = self._code_list(name[4:])
            else:
                raise SparkWarehouseError(f"{self.root}: no table {name!r}")
            df.createOrReplaceTempView(self.view(name))
            self._views[name] = key
        return self.session.table(self.view(name))

    def _code_list(self, system: str) -> DataFrame:
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
        self.frame(name)
        return self._ibis.table(self.view(name))

    def count(self, name: str) -> int:
        return self.frame(name).count()

    def to_arrow(self, source: str | ibis.Table) -> pa.Table:
        return self._ibis.to_pyarrow(self.table(source) if isinstance(source, str) else source)

    def meta(self, key: str) -> str | None:
        value = self.manifest.get(key)
        return None if value is None else str(value)

    def dataframe(self, expr: ibis.Table) -> DataFrame:
        """An Ibis expression over this warehouse's tables as a Spark DataFrame (lazy)."""
        return self.session.sql(str(self._ibis.compile(expr)))

    def _frame_of(self, data: Data, name: str | None = None) -> DataFrame:
        if isinstance(data, ibis.Table):
            return self.dataframe(data)
        if isinstance(data, pa.RecordBatchReader):
            data = data.read_all()
        if name in BY_NAME:
            data = data.select(list(BY_NAME[name].column_names)).cast(arrow_schema(BY_NAME[name]))
        return self.session.createDataFrame(data, schema=spark_schema(data.schema))

    def read_parquet(self, path: Path, *, row_number: str) -> ibis.Table:
        df = self.session.read.parquet(str(path))
        df = df.select(
            F.col("_metadata.row_index").alias(row_number), *[F.col(f"`{c}`") for c in df.columns]
        )
        name = next(self._names)
        self._frames[name] = df
        return self.table(name)

    def batch_map(
        self,
        source: ibis.Table | pa.RecordBatchReader,
        fn: BatchFn,
        schema: pa.Schema,
        *,
        batch_rows: int | None = None,
        name: str | None = None,
    ) -> ibis.Table:
        df = self._frame_of(source)

        def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
            for batch in batches:
                out = fn(pa.Table.from_batches([batch])).select(schema.names).cast(schema)
                yield from out.to_batches()

        key = "spark.sql.execution.arrow.maxRecordsPerBatch"
        before = self.session.conf.get(key)
        if batch_rows:
            self.session.conf.set(key, str(batch_rows))
        try:
            name = name or next(self._names)
            self._write(name, df.mapInArrow(run, spark_schema(schema)), temporary=True)
        finally:
            self.session.conf.set(key, before)
        return self.table(name)

    # -- write ------------------------------------------------------------------------------
    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        if self._depth:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        self._pending, self._depth = {}, 1
        try:
            yield
        except BaseException:
            pending, self._pending = self._pending, None
            for path in pending.values():
                _remove(path)
            self.manifest = self._read_manifest()
            self._views.clear()
            raise
        finally:
            self._depth = 0
        pending, self._pending = self._pending, None
        for i, (name, path) in enumerate(pending.items()):
            if i == 1 and os.environ.get(CRASH_IN_COMMIT_ENV):
                os._exit(99)  # tests only: a crash between two swaps
            self._swap(name, path)
        self._save_manifest()

    def _swap(self, name: str, new: Path) -> None:
        old = self.dataset_path(name)
        trash = self.root / f".{name}.{uuid.uuid4().hex[:8]}.old"
        if old is not None:
            old.rename(trash)
        new.rename(self.root / name)
        _remove(trash)
        self._views.pop(name, None)

    def _write(
        self, name: str, df: DataFrame, *, temporary: bool = False, rows: int | None = None
    ) -> int:
        """Write `df` beside the table, then make it table `name`; returns its rows (-1 for a
        temporary table when not given: it is not counted)."""
        folder = self._scratch if temporary else self.root
        folder.mkdir(exist_ok=True)
        tmp = folder / f".{name}.{uuid.uuid4().hex[:8]}.tmp"
        df.write.mode("overwrite").parquet(str(tmp))
        self._views.pop(name, None)
        if temporary:  # not counted: a temporary table is not in the manifest
            if name in self._temporary:
                _remove(self._temporary[name])
            self._temporary[name] = tmp
            return -1 if rows is None else rows
        if rows is None:
            rows = self.session.read.parquet(str(tmp)).count()
        self.manifest.setdefault("tables", {})[name] = {"rows": rows, "written_at": _now()}
        if self._pending is not None:
            if name in self._pending:
                _remove(self._pending[name])
            self._pending[name] = tmp
            return rows
        self._swap(name, tmp)
        self._save_manifest()
        return rows

    def create_table(self, name: str, data: Data, *, temporary: bool = False) -> int:
        rows = data.num_rows if isinstance(data, pa.Table) else None
        return self._write(name, self._frame_of(data, name), temporary=temporary, rows=rows)

    def upsert(
        self, name: str, data: Data, key: Sequence[str], *, delete_keys: Data | None = None
    ) -> int:
        new = self._frame_of(data, name)
        if self.dataset_path(name) is None:
            self._write(name, new)
            return 0
        existing = self.frame(name)
        keys = (new if delete_keys is None else self._frame_of(delete_keys)).select(*key)
        keys = keys.distinct()
        replaced = existing.join(keys, list(key), "left_semi").count()
        merged = existing.join(keys, list(key), "left_anti")
        self._write(name, merged.unionByName(new.select(*merged.columns)))
        return replaced

    def replace_rows(self, name: str, data: Data, where: Where | None = None) -> int:
        new = self._frame_of(data, name)
        if self.dataset_path(name) is None:
            return self._write(name, new)
        kept = self.table(name)
        if where is not None:
            kept = kept.filter(~ibis.coalesce(where(kept), False))
        old = self.dataframe(kept)
        return self._write(name, old.unionByName(new.select(*old.columns)))

    def drop_table(self, name: str) -> None:
        if name in self._views:
            self.session.catalog.dropTempView(self.view(name))
            del self._views[name]
        if name in self._frames:
            del self._frames[name]
        elif name in self._temporary:
            _remove(self._temporary.pop(name))
        elif (path := self.dataset_path(name)) is not None:
            _remove(path)
            self.manifest.get("tables", {}).pop(name, None)
            self._save_manifest()

    def set_meta(self, key: str, value: str) -> None:
        self.manifest[key] = value
        self._save_manifest()

    # -- exchange ---------------------------------------------------------------------------
    def export_parquet(self, directory: str | Path) -> list[Path]:
        """Copy every stored dataset (and the manifest) to `directory`."""
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        written = []
        for name in self.stored_tables():
            src = self.dataset_path(name)
            assert src is not None
            target = out / src.name
            _remove(target)
            if src.is_dir():
                shutil.copytree(src, target)
            else:
                shutil.copy2(src, target)
            written.append(target)
        (out / MANIFEST).write_text(
            json.dumps(self.manifest, ensure_ascii=False, indent=2, sort_keys=True),
            encoding="utf-8",
        )
        return written

    def import_parquet(self, directory: str | Path) -> dict[str, int]:
        """Replace the tables found in the Parquet warehouse `directory`."""
        source = Path(directory)
        counts = {}
        found = [p for p in source.iterdir() if not p.name.startswith((".", "_"))]
        with self.transaction():
            for path in sorted(found):
                if path.suffix == ".parquet" or (path.is_dir() and any(path.rglob("*.parquet"))):
                    name = path.name.removesuffix(".parquet")
                    counts[name] = self._write(name, self.session.read.parquet(str(path)))
        return counts
