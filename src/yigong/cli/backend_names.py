"""The backend names and their environment variables, without any import: `backend_flags`
builds the ``--backend``/``--spark-master`` options from them, and `drg_fast` (which runs
without Typer) sends a command line to the full command when one of the variables is set.

The names repeat `yigong.warehouse`'s (`BACKENDS`, `ENV_BACKEND`, `ENV_MASTER`);
tests/cli/test_entry.py checks the two agree.
"""

from __future__ import annotations

ENV_BACKEND = "YIGONG_BACKEND"
ENV_MASTER = "YIGONG_SPARK_MASTER"
BACKENDS = ("duckdb", "spark")
