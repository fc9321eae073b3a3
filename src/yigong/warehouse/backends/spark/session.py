"""Starting (or joining) the Spark session a Spark warehouse runs on (see `settings`)."""

from __future__ import annotations

import os
import sys
from typing import Any

import pyarrow as pa
from pyspark.sql import SparkSession
from pyspark.sql.pandas.types import from_arrow_schema

from yigong.warehouse.backends.spark.settings import SHIPPED_AS, SparkSettings, code_archive


def spark_session(settings: SparkSettings | None = None) -> SparkSession:
    """Start the Spark session of these settings (or join the one this process runs)."""
    settings = settings or SparkSettings.from_env()
    if settings.local:
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        # the Python workers run the engines (mapInArrow): the interpreter that has yigong
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    conf = settings.spark_conf()
    if settings.ships_code:
        shipped = f"{code_archive()}#{SHIPPED_AS}"
        conf["spark.archives"] = ",".join(filter(None, [conf.get("spark.archives"), shipped]))
        path = conf.get("spark.executorEnv.PYTHONPATH")
        conf["spark.executorEnv.PYTHONPATH"] = ":".join(filter(None, [SHIPPED_AS, path]))
    builder = SparkSession.builder.master(settings.master).appName(settings.app_name)
    for k, v in conf.items():
        builder = builder.config(k, v)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


def spark_schema(schema: pa.Schema) -> Any:
    """The Spark schema of an Arrow schema (naive timestamps stay naive: TIMESTAMP_NTZ)."""
    return from_arrow_schema(schema, prefer_timestamp_ntz=True)
