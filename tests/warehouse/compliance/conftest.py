"""The compliance suite: every test runs on each backend, ibis style.

The `backend` fixture is parametrised over DuckDB, Spark in local mode and Spark on a real
standalone cluster (a master and a worker this session starts on 127.0.0.1, whose executors get
yigong only by the session shipping it). A test that needs a feature some backend declares
unsupported says so with ``@pytest.mark.needs("feature", …)``; on that backend the test is
turned into a strict expected failure (it must fail, with `BackendError` or the `IngestError`
naming it), with the declared reason. The list of gaps is read from the backends
(`yigong.warehouse.gaps`), never written here, and `test_gaps.py` checks that every declared gap
is named by a test.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from yigong.ingest import IngestError, PseudonymKey, ingest_paths
from yigong.warehouse import BackendError, Warehouse, gaps, open_warehouse

#: the backends every compliance test runs on: param id -> backend kind.
BACKENDS = {"duckdb": "duckdb", "spark": "spark", "spark-cluster": "spark"}
#: the backends in this process only (tests whose data need no cluster to be believed).
LOCAL_BACKENDS = ["duckdb", "spark"]
KEY = PseudonymKey(b"compliance-key-not-secret-0123456789abcdefghijklmnopqrstuv")


@dataclass
class Backend:
    """One backend under test: opens warehouses on it (Spark: on the session's cluster)."""

    name: str
    kind: str
    session: Any = None

    def open(self, location: Path, *, create: bool = True) -> Warehouse:
        """A warehouse at `location` (a `.duckdb` file beside it on DuckDB)."""
        if self.kind == "duckdb":
            return open_warehouse("duckdb", location.with_suffix(".duckdb"), create=create)
        return open_warehouse("spark", location, create=create, session=self.session)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Strict expected failures, with the declared reason, where a backend lacks a feature;
    the Spark runs are marked slow (they still run in `make test`)."""
    for item in items:
        callspec = getattr(item, "callspec", None)
        name = callspec.params.get("backend") if callspec else None
        if name not in BACKENDS:
            continue
        if BACKENDS[name] == "spark":
            item.add_marker(pytest.mark.slow)
        declared = gaps(BACKENDS[name])
        for marker in item.iter_markers("needs"):
            for feature in marker.args:
                if feature in declared:
                    item.add_marker(
                        pytest.mark.xfail(
                            strict=True,
                            raises=(BackendError, IngestError),
                            reason=f"declared gap of {BACKENDS[name]}: {feature}: "
                            f"{declared[feature]}",
                        )
                    )


@contextlib.contextmanager
def _spark_local() -> Iterator[Any]:
    from yigong.warehouse.backends.spark.session import spark_session
    from yigong.warehouse.backends.spark.settings import SparkSettings

    session = spark_session(
        SparkSettings(master="local[2]", shuffle_partitions=1, app_name="yigong-compliance")
    )
    try:
        yield session
    finally:
        session.stop()


@contextlib.contextmanager
def _spark_cluster(work: Path) -> Iterator[Any]:
    from tests.warehouse.compliance.cluster import start_cluster
    from yigong.warehouse.backends.spark.session import spark_session
    from yigong.warehouse.backends.spark.settings import SparkSettings

    cluster = start_cluster(work)
    before = os.environ.get("PYSPARK_PYTHON")
    os.environ["PYSPARK_PYTHON"] = str(cluster.python)  # read when the context starts
    try:
        settings = SparkSettings(
            master=cluster.url,
            shuffle_partitions=2,
            app_name="yigong-compliance-cluster",
            conf={"spark.executor.memory": "1g", "spark.executor.cores": "2"},
            ship_code=True,
        )
        session = spark_session(settings)
    except BaseException:
        cluster.stop()
        raise
    finally:
        if before is None:
            os.environ.pop("PYSPARK_PYTHON", None)
        else:
            os.environ["PYSPARK_PYTHON"] = before
    try:
        yield session
    finally:
        session.stop()
        cluster.stop()


@pytest.fixture(scope="session", params=list(BACKENDS))
def backend(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """The backend under test (one at a time: a process runs one Spark context)."""
    name = request.param
    if name == "duckdb":
        yield Backend(name, "duckdb")
    elif name == "spark":
        with _spark_local() as session:
            yield Backend(name, "spark", session)
    else:
        with _spark_cluster(tmp_path_factory.mktemp("cluster")) as session:
            yield Backend(name, "spark", session)


@pytest.fixture(scope="session")
def tiny_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny preset as Parquet files (typed: dates, decimals, booleans, lists as text)."""
    from yigong.synth import generate

    files = tmp_path_factory.mktemp("tiny") / "files"
    generate("tiny", files, seed=2024, fmt="parquet")
    return files


@pytest.fixture(scope="session")
def tiny_reference(tiny_files: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The tiny county ingested into a DuckDB warehouse: what every backend must reproduce."""
    wh = open_warehouse("duckdb", tmp_path_factory.mktemp("ref") / "tiny.duckdb", create=True)
    reports = ingest_paths(wh, [tiny_files], key=KEY)
    yield wh, reports
    wh.close()


@pytest.fixture(scope="session")
def tiny(backend: Backend, tiny_files: Path, tmp_path_factory: pytest.TempPathFactory):
    """The tiny county ingested on the backend under test (on the cluster: by its executors),
    once per backend: the tests that write to it (DRG results, case facts) write what they
    would write again."""
    wh = backend.open(tmp_path_factory.mktemp(f"tiny-{backend.name}") / "warehouse")
    reports = ingest_paths(wh, [tiny_files], key=KEY)
    yield wh, reports
    wh.close()
