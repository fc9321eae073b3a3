"""A Spark standalone cluster on 127.0.0.1 for the compliance suite: one master, one worker,
started from the pyspark package's own launcher (`bin/spark-class`) and stopped by the session
fixture.

The worker's Python is the test interpreter started with ``-S`` and the virtualenv's
site-packages on its path: every dependency is there, but yigong (an editable install, found
through a ``.pth`` file that ``-S`` skips) is not. The executors can only run yigong's engines
if the session ships the package to them (`SparkSettings.ship_code`).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import sysconfig
import time
from dataclasses import dataclass, field
from pathlib import Path

import pyspark

STARTUP_SECONDS = 180


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for(log: Path, text: str, proc: subprocess.Popen, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if log.exists() and text in log.read_text(errors="replace"):
            return
        if proc.poll() is not None:
            break
        time.sleep(0.5)
    tail = log.read_text(errors="replace")[-3000:] if log.exists() else "(no log)"
    raise RuntimeError(f"Spark cluster did not start ({text!r} not in {log}):\n{tail}")


@dataclass
class Cluster:
    """A running standalone master and worker; `url` is the master URL."""

    url: str
    work: Path
    python: Path  # the executors' interpreter (without yigong)
    processes: list[subprocess.Popen] = field(default_factory=list)

    def stop(self) -> None:
        """Stop the worker, then the master (their process groups), and wait for them."""
        for proc in reversed(self.processes):
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in reversed(self.processes):
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=30)


def executor_python(folder: Path) -> Path:
    """An interpreter that has the dependencies but not yigong (see the module docstring)."""
    site = sysconfig.get_paths()["purelib"]
    path = folder / "python-without-yigong"
    path.write_text(
        "#!/bin/sh\n"
        f'PYTHONPATH="${{PYTHONPATH:+$PYTHONPATH:}}{site}" exec {sys.executable} -S "$@"\n',
        encoding="utf-8",
    )
    path.chmod(0o755)
    return path


def start_cluster(work: Path, cores: int = 2, memory: str = "2g") -> Cluster:
    """Start a master and one worker on 127.0.0.1; raises (and stops them) if they do not
    come up."""
    work.mkdir(parents=True, exist_ok=True)
    home = Path(pyspark.__file__).parent
    spark_class = str(home / "bin" / "spark-class")
    env = {
        **os.environ,
        "SPARK_HOME": str(home),
        "SPARK_LOCAL_IP": "127.0.0.1",
        "SPARK_NO_DAEMONIZE": "1",
        "SPARK_LOG_DIR": str(work),
    }
    port = _free_port()
    url = f"spark://127.0.0.1:{port}"
    cluster = Cluster(url, work, executor_python(work))
    master_log, worker_log = work / "master.log", work / "worker.log"
    try:
        master = subprocess.Popen(
            [spark_class, "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1"]
            + ["--port", str(port), "--webui-port", str(_free_port())],
            stdout=master_log.open("w"),
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
        cluster.processes.append(master)
        _wait_for(master_log, "I have been elected leader", master, STARTUP_SECONDS)
        worker = subprocess.Popen(
            [spark_class, "org.apache.spark.deploy.worker.Worker", url, "--host", "127.0.0.1"]
            + ["--cores", str(cores), "--memory", memory, "--work-dir", str(work / "worker")]
            + ["--webui-port", str(_free_port())],
            stdout=worker_log.open("w"),
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
        cluster.processes.append(worker)
        _wait_for(worker_log, "Successfully registered with master", worker, STARTUP_SECONDS)
    except BaseException:
        cluster.stop()
        raise
    return cluster
