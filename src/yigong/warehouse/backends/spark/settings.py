"""How a Spark warehouse's session is started, local or on a cluster (no PySpark needed here).

On a cluster the executors run yigong's engines (the DRG grouper, ingest's row rules) as Python
code, with their data (DRG packs, code lists) read from the package. Unless told otherwise the
session ships the installed yigong package to the executors as an archive (``spark.archives``,
unpacked beside each executor and put on its ``PYTHONPATH``), so workers need Python with the
dependencies but not yigong itself. In local mode the executors are this process's children
and import yigong as it is.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yigong
from yigong.warehouse.errors import WarehouseError

DEFAULT_MASTER = "local[2]"
ENV_MASTER = "YIGONG_SPARK_MASTER"
ENV_CONF = "YIGONG_SPARK_CONF"  # extra Spark settings: "key=value,key=value"
ENV_SHUFFLE = "YIGONG_SPARK_SHUFFLE_PARTITIONS"
#: the folder the shipped archive is unpacked to on each executor (on its PYTHONPATH).
SHIPPED_AS = "yigong_code"


class SparkWarehouseError(WarehouseError):
    """The Parquet warehouse directory (or the Spark settings) cannot be used as asked."""


@dataclass(frozen=True)
class SparkSettings:
    """How to start (or join) the Spark session: master URL, shuffle partitions, extra conf,
    and whether to ship yigong to the executors (None: when the master is not local)."""

    master: str = DEFAULT_MASTER
    shuffle_partitions: int = 4
    app_name: str = "yigong"
    conf: Mapping[str, str] = field(default_factory=dict)
    ship_code: bool | None = None

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

    @property
    def local(self) -> bool:
        return self.master.startswith("local")

    @property
    def ships_code(self) -> bool:
        return (not self.local) if self.ship_code is None else self.ship_code

    def spark_conf(self) -> dict[str, str]:
        """Every setting the session gets: UTC session time, no web UI, the shuffle partitions,
        Arrow transfer, naive Parquet timestamps, then `conf` (which wins)."""
        return {
            "spark.sql.session.timeZone": "UTC",
            "spark.ui.enabled": "false",
            "spark.ui.showConsoleProgress": "false",
            "spark.sql.shuffle.partitions": str(self.shuffle_partitions),
            "spark.sql.execution.arrow.pyspark.enabled": "true",
            "spark.sql.parquet.inferTimestampNTZ.enabled": "true",
            **dict(self.conf),
        }


def _package_digest(package: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(package.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            st = path.stat()
            h.update(f"{path.relative_to(package)}:{st.st_size}:{st.st_mtime_ns}".encode())
    return h.hexdigest()[:16]


@cache
def code_archive() -> Path:
    """A zip of the installed yigong package with its data (packs, code lists), built once per
    package state under the temp directory: what `ships_code` sends to the executors."""
    package = Path(yigong.__file__).parent
    folder = Path(tempfile.gettempdir()) / "yigong-spark-code"
    folder.mkdir(exist_ok=True)
    target = folder / f"yigong-{yigong.__version__}-{_package_digest(package)}.zip"
    if not target.exists():
        tmp = folder / f".{target.stem}.{os.getpid()}"
        made = shutil.make_archive(str(tmp), "zip", root_dir=package.parent, base_dir=package.name)
        Path(made).replace(target)
    return target
