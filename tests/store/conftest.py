"""Store fixtures: every store test runs on SQLite and on a real throwaway PostgreSQL server.

The PostgreSQL cluster is created once per test session with ``initdb`` in a temporary
directory and started with ``pg_ctl`` on a free loopback port; each test gets a fresh database.
Missing binaries FAIL the tests with instructions (never a silent skip). Under root the
server runs as an unprivileged user (``nobody``, or ``yigongtest`` created on the fly), because
``initdb`` refuses to run as root.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import event

from yigong.store import Store
from yigong.store.migrate import upgrade


def _no_sync(dbapi_connection: object, _record: object) -> None:
    dbapi_connection.execute("PRAGMA synchronous=OFF")  # type: ignore[attr-defined]


@dataclass(frozen=True)
class PgServer:
    """A running throwaway PostgreSQL cluster."""

    host: str
    port: int
    user: str

    def url(self, dbname: str) -> str:
        return f"postgresql+psycopg://{self.user}@{self.host}:{self.port}/{dbname}"

    def admin(self) -> psycopg.Connection:
        return psycopg.connect(
            host=self.host, port=self.port, user=self.user, dbname="postgres", autocommit=True
        )


def _pg_bindir() -> str:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        on_path = shutil.which("initdb")
        if on_path:
            return os.path.dirname(on_path)
        pytest.fail(
            "PostgreSQL server binaries not found (/usr/lib/postgresql/*/bin/initdb, or initdb "
            "on PATH). Install them with `bash scripts/ensure-system-deps.sh` (`make test` does); "
            "the workflow store tests must run on PostgreSQL and are never skipped.",
            pytrace=False,
        )
    return os.path.dirname(found[-1])


def _unprivileged_user() -> str:
    for name in ("nobody", "yigongtest"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    subprocess.run(["useradd", "--system", "--no-create-home", "yigongtest"], check=True)
    return "yigongtest"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    bindir = _pg_bindir()
    base = tempfile.mkdtemp(prefix="yigong-pg-")
    data = os.path.join(base, "data")
    prefix: list[str] = []
    if os.geteuid() == 0:
        user = _unprivileged_user()
        entry = pwd.getpwnam(user)
        os.chown(base, entry.pw_uid, entry.pw_gid)
        prefix = ["runuser", "-u", user, "--"]
    port = _free_port()

    def run(*args: str) -> None:
        proc = subprocess.run([*prefix, *args], capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            log = os.path.join(base, "server.log")
            tail = Path(log).read_text()[-2000:] if os.path.exists(log) else ""
            pytest.fail(
                f"{args[0]} failed ({proc.returncode}): {proc.stderr}\n{tail}", pytrace=False
            )

    run(
        f"{bindir}/initdb",
        "-D",
        data,
        "-U",
        "postgres",
        "--auth=trust",
        "--no-locale",
        "-E",
        "UTF8",
        "--no-sync",
    )
    options = (
        f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off "
        "-c synchronous_commit=off -c full_page_writes=off"
    )
    run(
        f"{bindir}/pg_ctl",
        "-D",
        data,
        "-o",
        options,
        "-l",
        os.path.join(base, "server.log"),
        "-w",
        "-t",
        "60",
        "start",
    )
    try:
        yield PgServer("127.0.0.1", port, "postgres")
    finally:
        subprocess.run(
            [*prefix, f"{bindir}/pg_ctl", "-D", data, "-m", "immediate", "stop"],
            capture_output=True,
            check=False,
        )
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: os.PathLike[str]) -> Iterator[Store]:
    """A fresh, empty workflow store on each backend."""
    if request.param == "sqlite":
        st = Store(f"sqlite:///{os.path.join(tmp_path, 'workflow.sqlite')}", create=False)
        # tests only: skip fsync (the server's fsync is off too); behaviour is otherwise the same
        event.listen(st.engine, "connect", _no_sync)
        upgrade(st.engine)  # what Store(create=True) does, after the no-sync hook is in place
        yield st
        st.dispose()
        return
    server: PgServer = request.getfixturevalue("pg_server")
    schema = f"t_{uuid.uuid4().hex[:10]}"  # a fresh schema per test: cheaper than a database
    with server.admin() as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    st = Store(server.url("postgres"), connect_args={"options": f"-csearch_path={schema}"})
    yield st
    st.dispose()
    with server.admin() as conn:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
