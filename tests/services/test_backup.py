"""Backup and restore round-trip the tiny demo county: every warehouse table, every workflow
store row, every user-store row and every run file come back identical in an empty folder, and
the cockpit served from the restored folder answers the same scorecard. A changed, missing or
extra file refuses the restore; a PostgreSQL store round-trips through pg_dump/pg_restore."""

from __future__ import annotations

import hashlib
import sqlite3
import uuid
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from sqlalchemy import MetaData, create_engine, select

from tests.api.conftest import TestClient, login
from tests.api.world import LENIENT, PASSWORD
from tests.store.conftest import pg_server  # noqa: F401  (the throwaway PostgreSQL cluster)
from yigong.access.settings import Settings
from yigong.access.users import UserStore
from yigong.api import create_app
from yigong.config import load_config, store_url
from yigong.services.backup import BackupError, Deployment, backup, restore, verify
from yigong.services.demo import run_demo
from yigong.store import Store
from yigong.warehouse.upgrade import FILE_LAYOUT_VERSION


@dataclass(frozen=True)
class Demo:
    dep: Deployment
    node: str
    period: str

    def __getattr__(self, name: str):  # noqa: ANN204 - the deployment's locations
        return getattr(self.dep, name)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    """The tiny demo county with its workflow store, a user store with users and an audit
    trail, a settlement run file and a configuration file."""
    root = tmp_path_factory.mktemp("backup-demo")
    result = run_demo(root / "demo", preset="tiny", seed=5, dirty_share=0.01, say=lambda _: None)
    db = result.db
    users = UserStore(db.with_name("auth.sqlite"))
    users.add("county", PASSWORD, "county_commission", [result.scorecard_node], actor="tests")
    users.add("admin", PASSWORD, "county_admin", [result.scorecard_node], actor="tests")
    runs = db.with_name("runs")
    (runs / "budget-x-2024").mkdir(parents=True, exist_ok=True)
    (runs / "budget-x-2024" / "ledger.csv").write_text("line,amount\n1,12.34\n", encoding="utf-8")
    config = root / "yigong.toml"
    config.write_text(
        f'[warehouse]\npath = "{db}"\n[server]\nlanguage = "en"\nport = 8123\n', encoding="utf-8"
    )
    dep = Deployment(db, f"sqlite:///{db.with_name('workflow.sqlite')}", users.path, runs, config)
    return Demo(dep, result.scorecard_node, result.scorecard_period)


def warehouse_rows(path: Path) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        names = [
            r[0]
            for r in con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' "
                "ORDER BY 1"
            ).fetchall()
        ]
        return {n: con.execute(f'SELECT * FROM "{n}" ORDER BY ALL').fetchall() for n in names}
    finally:
        con.close()


def store_rows(url: str, **kw: object) -> dict[str, list[tuple]]:
    engine = create_engine(url, **kw)
    try:
        meta = MetaData()
        meta.reflect(engine)
        with engine.connect() as con:
            return {
                t.name: sorted(tuple(map(repr, r)) for r in con.execute(select(t)))
                for t in meta.sorted_tables
            }
    finally:
        engine.dispose()


def sqlite_rows(path: Path) -> dict[str, list[tuple]]:
    with sqlite3.connect(path) as con:
        names = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {n: sorted(con.execute(f'SELECT * FROM "{n}"').fetchall()) for n in names}


def tree(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in root.rglob("*")
        if p.is_file()
    }


def _scorecards(settings: Settings, node: str, period: str) -> tuple[dict, dict]:
    app = create_app(settings)
    client = TestClient(app)
    headers = login(client, "county")
    api = client.get(f"/api/v1/nodes/{node}/scorecard?period={period}", headers=headers)
    page = client.get(f"/?node={node}&period={period}&format=json", headers=headers)
    app.state.yigong.warehouse.close()  # the other tests back the same warehouse up
    assert api.status_code == 200 and page.status_code == 200, (api.text, page.text)
    assert len(api.content) > 2000 and str(period) in page.text  # a full scorecard, not empty
    return api.json(), page.json()


def test_backup_restored_into_an_empty_folder_gives_back_every_row_and_the_same_scorecard(
    demo, tmp_path
):
    before_wh = warehouse_rows(demo.warehouse)
    before_store = store_rows(demo.store_url)
    before_users = sqlite_rows(demo.users)
    assert sum(map(len, before_store.values())) > 100 and before_users["users"]

    manifest = backup(demo.dep, tmp_path / "bk")
    assert manifest["store"] == {"kind": "sqlite", "revision": "0002"}
    assert manifest["warehouse_layout"] == FILE_LAYOUT_VERSION
    assert set(manifest["files"]) >= {
        "warehouse.duckdb", "store.sqlite", "auth.sqlite", "yigong.toml",
        "runs/budget-x-2024/ledger.csv",
    }  # fmt: skip
    assert verify(tmp_path / "bk") == manifest

    done = restore(tmp_path / "bk", tmp_path / "restored")
    target = tmp_path / "restored"
    assert warehouse_rows(target / "yigong.duckdb") == before_wh  # every table, every row
    assert store_rows(f"sqlite:///{target / 'workflow.sqlite'}") == before_store
    assert sqlite_rows(target / "auth.sqlite") == before_users
    assert tree(target / "runs") == tree(demo.runs)

    config = load_config(done.config)  # the restored folder runs on its own configuration
    assert config.warehouse.path == target / "yigong.duckdb"
    assert config.server.language == "en" and config.server.port == 8123  # the original kept
    restored = Settings(
        warehouse=config.warehouse.path,
        workflow_store=store_url(config),
        users_db=config.users.path,
        runs_dir=config.runs.path,
        secret="s",
        login=LENIENT,
    )
    original = Settings(
        warehouse=demo.warehouse, users_db=demo.users, runs_dir=demo.runs, secret="s", login=LENIENT
    )
    assert _scorecards(restored, demo.node, demo.period) == _scorecards(
        original, demo.node, demo.period
    )


def test_a_changed_missing_or_extra_file_refuses_the_restore(demo, tmp_path):
    backup(demo.dep, tmp_path / "bk")
    auth = tmp_path / "bk" / "auth.sqlite"
    data = bytearray(auth.read_bytes())
    data[-1] ^= 0xFF
    auth.write_bytes(bytes(data))
    with pytest.raises(BackupError, match=r"auth\.sqlite: checksum differs"):
        restore(tmp_path / "bk", tmp_path / "r1")
    assert not (tmp_path / "r1").exists()
    auth.unlink()
    with pytest.raises(BackupError, match=r"auth\.sqlite: missing"):
        verify(tmp_path / "bk")
    backup(demo.dep, tmp_path / "bk2")
    (tmp_path / "bk2" / "runs" / "planted.csv").write_text("x", encoding="utf-8")
    with pytest.raises(BackupError, match=r"planted\.csv: not in the manifest"):
        verify(tmp_path / "bk2")


def test_backup_and_restore_refuse_folders_in_use(demo, tmp_path):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x", encoding="utf-8")
    with pytest.raises(BackupError, match="not empty"):
        backup(demo.dep, tmp_path / "full")
    backup(demo.dep, tmp_path / "bk")
    with pytest.raises(BackupError, match="not empty"):
        restore(tmp_path / "bk", tmp_path / "full")


def test_a_warehouse_held_for_writing_is_refused_with_the_reason(demo, tmp_path):
    import subprocess
    import sys

    holder = subprocess.Popen(  # another process holds the warehouse for writing
        [sys.executable, "-c", "import duckdb, sys; c = duckdb.connect(sys.argv[1]); "
         "print('open', flush=True); sys.stdin.read()", str(demo.warehouse)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "open"
        with pytest.raises(BackupError, match="--workers 2"):
            backup(demo.dep, tmp_path / "bk")
        assert not (tmp_path / "bk").exists()
    finally:
        holder.stdin.close()
        holder.wait(timeout=60)


def test_a_postgresql_store_round_trips(demo, pg_server, tmp_path):  # noqa: F811
    names = [f"yg_src_{uuid.uuid4().hex[:8]}", f"yg_dst_{uuid.uuid4().hex[:8]}"]
    with pg_server.admin() as conn:
        for n in names:
            conn.execute(f'CREATE DATABASE "{n}"')
    src, dst = (pg_server.url(n) for n in names)
    try:
        Store(src).dispose()  # made by the migrations, then filled from the SQLite store
        sqlite_engine = create_engine(demo.store_url)
        pg_engine = create_engine(src)
        meta = MetaData()
        meta.reflect(sqlite_engine)
        with sqlite_engine.connect() as s, pg_engine.begin() as p:
            for t in meta.sorted_tables:
                if t.name != "alembic_version":
                    rows = [dict(r._mapping) for r in s.execute(select(t))]
                    if rows:
                        p.execute(t.insert(), rows)
        sqlite_engine.dispose()
        pg_engine.dispose()
        before = store_rows(src)
        assert sum(map(len, before.values())) > 100
        dep = Deployment(demo.warehouse, src, demo.users, demo.runs, None)
        manifest = backup(dep, tmp_path / "bk")
        assert manifest["store"] == {"kind": "postgresql", "revision": "0002"}
        with pytest.raises(BackupError, match="--store"):
            restore(tmp_path / "bk", tmp_path / "r0")
        restore(tmp_path / "bk", tmp_path / "r", store_url=dst)
        assert store_rows(dst) == before
        with pytest.raises(BackupError, match="not empty"):
            restore(tmp_path / "bk", tmp_path / "r2", store_url=dst)
    finally:
        with pg_server.admin() as conn:
            for n in names:
                conn.execute(f'DROP DATABASE IF EXISTS "{n}" WITH (FORCE)')
