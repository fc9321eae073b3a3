"""Backing up and restoring a deployment: the warehouse, the workflow store, the user store,
the settlement runs and the configuration file, with a manifest of checksums.

A backup is a folder::

    manifest.json      what is in it: every file with its SHA-256 and size, the yigong version,
                       the warehouse layout, the store's kind and schema revision, the sources
    warehouse.duckdb   the DuckDB file (and warehouse.duckdb.wal when DuckDB left one)
    store.sqlite       the workflow store (SQLite, by SQLite's online backup), or
    store.pgdump       the workflow store (PostgreSQL, `pg_dump --format=custom`)
    auth.sqlite        users, sessions and the audit log (SQLite's online backup)
    runs/              the settlement runs
    yigong.toml        the configuration file the backup was made with (when there was one)

Consistency while the server runs: the warehouse is copied while this process holds it open
read-only, which DuckDB grants only when no process holds it for writing (``yigong serve
--workers 2`` or more opens it read-only; a single-worker server holds it for writing and the
backup is refused, naming the reason); SQLite's backup API and ``pg_dump`` copy a consistent
snapshot while others write. The backup is written to a temporary folder renamed at the end: a
folder named like the target is always a whole backup.

`restore` checks every checksum first (a changed, missing or extra file refuses the whole
restore), then lays the files out in an empty folder — ``yigong.duckdb``, ``workflow.sqlite``,
``auth.sqlite``, ``runs/`` and a ``yigong.toml`` pointing at them (the original configuration
with its locations replaced) — again through a temporary folder renamed at the end. A
PostgreSQL store is restored into the empty database named by ``store_url``.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yigong
from yigong.store.migrate import current_revision
from yigong.warehouse import WarehouseError
from yigong.warehouse.upgrade import copy_snapshot

__all__ = ["FORMAT", "BackupError", "Deployment", "backup", "restore", "verify"]

FORMAT = "yigong-backup/1"
MANIFEST = "manifest.json"


class BackupError(RuntimeError):
    """A backup or restore that cannot be done (message: one line naming the file and why)."""


@dataclass(frozen=True)
class Deployment:
    """Where a deployment's data lives (as `Settings` resolves it)."""

    warehouse: Path
    store_url: str
    users: Path
    runs: Path
    config: Path | None = None


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _files(root: Path) -> dict[str, dict[str, Any]]:
    return {
        p.relative_to(root).as_posix(): {"sha256": _sha256(p), "bytes": p.stat().st_size}
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != MANIFEST
    }


def _copy_warehouse(src: Path, dst: Path) -> int | None:
    """Copy the DuckDB file while holding it read-only (no writer can hold it meanwhile);
    returns its layout."""

    if not src.is_file():
        raise BackupError(f"no warehouse at {src}")
    try:
        return copy_snapshot(src, dst)
    except WarehouseError as exc:
        raise BackupError(
            f"{exc}; a server with one worker holds it for writing: run it with --workers 2 or "
            "more (read-only), or stop it for the backup"
        ) from None


def _sqlite_copy(src: Path, dst: Path) -> None:
    """SQLite's online backup: a consistent copy while other connections write."""
    source = sqlite3.connect(f"file:{src}?mode=ro", uri=True)
    try:
        target = sqlite3.connect(dst)
        try:
            source.backup(target)
        finally:
            target.close()
    finally:
        source.close()


def _pg(url: str) -> tuple[str, dict[str, str]]:
    """A libpq connection string without the password, and the environment carrying it (a
    password never appears in a process list)."""
    from sqlalchemy.engine import make_url  # lazy: heavy (sqlalchemy ~0.4 s), store only

    u = make_url(url)
    env = dict(os.environ)
    if u.password:
        env["PGPASSWORD"] = str(u.password)
    plain = u.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _run(args: list[str], env: dict[str, str], what: str) -> None:
    try:
        done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise BackupError(f"{args[0]} not found: install the PostgreSQL client tools") from None
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["(no message)"])[-1]
        raise BackupError(f"{what} failed: {last}")


def _store_revision(url: str) -> str | None:
    from sqlalchemy import create_engine  # lazy: heavy (sqlalchemy ~0.4 s), store only

    engine = create_engine(url)
    try:
        with engine.connect() as con:
            return current_revision(con)
    finally:
        engine.dispose()


def backup(dep: Deployment, out: Path) -> dict[str, Any]:
    """Write a backup of ``dep`` to the new folder ``out``; returns its manifest."""
    from sqlalchemy.engine import make_url  # lazy: heavy (sqlalchemy ~0.4 s), store only

    if out.exists() and any(out.iterdir()):
        raise BackupError(f"{out} exists and is not empty: name a new folder")
    out.parent.mkdir(parents=True, exist_ok=True)
    stage = out.with_name(f".{out.name}.partial-{os.getpid()}")
    shutil.rmtree(stage, ignore_errors=True)
    stage.mkdir()
    try:
        layout = _copy_warehouse(dep.warehouse, stage / "warehouse.duckdb")
        url = make_url(dep.store_url)
        if url.get_backend_name() == "sqlite":
            db = Path(url.database or "")
            if not db.is_file():
                raise BackupError(f"no workflow store at {db}")
            kind = "sqlite"
            _sqlite_copy(db, stage / "store.sqlite")
        elif url.get_backend_name() == "postgresql":
            kind = "postgresql"
            conninfo, env = _pg(dep.store_url)
            _run(
                ["pg_dump", "--format=custom", "--no-owner", "--no-privileges",
                 f"--file={stage / 'store.pgdump'}", f"--dbname={conninfo}"],
                env,
                "pg_dump of the workflow store",
            )  # fmt: skip
        else:
            raise BackupError(f"workflow store {url.get_backend_name()}: SQLite or PostgreSQL")
        if dep.users.is_file():
            _sqlite_copy(dep.users, stage / "auth.sqlite")
        if dep.runs.is_dir():
            shutil.copytree(dep.runs, stage / "runs")
        if dep.config is not None:
            shutil.copy2(dep.config, stage / "yigong.toml")
        manifest = {
            "format": FORMAT,
            "yigong": yigong.__version__,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "warehouse_layout": layout,
            "store": {"kind": kind, "revision": _store_revision(dep.store_url)},
            "source": {
                "warehouse": str(dep.warehouse),
                "store": url.render_as_string(hide_password=True),
                "users": str(dep.users),
                "runs": str(dep.runs),
                "config": str(dep.config) if dep.config else None,
            },
            "files": _files(stage),
        }
        (stage / MANIFEST).write_text(
            json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        if out.exists():
            out.rmdir()
        stage.rename(out)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    return manifest


def verify(folder: Path) -> dict[str, Any]:
    """The backup's manifest once every file matches it (else a `BackupError` naming the file)."""
    path = folder / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackupError(f"{path}: no manifest: not a yigong backup") from None
    except ValueError as exc:
        raise BackupError(f"{path}: not valid JSON: {exc}") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{path}: format {manifest.get('format')!r}, this yigong reads {FORMAT}")
    listed: dict[str, dict[str, Any]] = manifest["files"]
    found = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    found.discard(MANIFEST)
    for name in sorted(set(listed) - found):
        raise BackupError(f"{folder / name}: missing (listed in the manifest)")
    for name in sorted(found - set(listed)):
        raise BackupError(f"{folder / name}: not in the manifest")
    for name, want in sorted(listed.items()):
        p = folder / name
        if p.stat().st_size != want["bytes"] or _sha256(p) != want["sha256"]:
            raise BackupError(f"{p}: checksum differs from the manifest (damaged or changed)")
    return manifest


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return str(v)
    return json.dumps(str(v), ensure_ascii=False)  # a TOML basic string


def _config_text(original: str | None, target: Path, store: str) -> str:
    """The restored deployment's configuration: the original's sections and keys, with the
    locations pointing into ``target``."""
    data: dict[str, dict[str, Any]] = tomllib.loads(original) if original else {}
    data.setdefault("warehouse", {})["path"] = str(target / "yigong.duckdb")
    data.setdefault("store", {})["url"] = store
    if "://" not in store:
        data["store"].pop("password_file", None)
        data["store"].pop("password_env", None)
    data.setdefault("users", {})["path"] = str(target / "auth.sqlite")
    data.setdefault("runs", {})["path"] = str(target / "runs")
    lines = ["# written by `yigong restore`: the backed-up configuration, locations replaced"]
    for section, keys in data.items():
        lines += ["", f"[{section}]"]
        lines += [f"{k} = {_toml_value(v)}" for k, v in keys.items()]
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Restored:
    folder: Path
    config: Path
    store_url: str
    manifest: dict[str, Any]


def restore(folder: Path, target: Path, *, store_url: str | None = None) -> Restored:
    """Restore the backup in ``folder`` into the new (or empty) folder ``target``."""
    manifest = verify(folder)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise BackupError(f"{target} exists and is not empty: restore into a new folder")
    kind = manifest["store"]["kind"]
    if kind == "postgresql" and not store_url:
        raise BackupError(
            "the backup holds a PostgreSQL workflow store: name an empty database with --store URL"
        )
    target = target.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    stage = target.with_name(f".{target.name}.restoring-{os.getpid()}")
    shutil.rmtree(stage, ignore_errors=True)
    stage.mkdir()
    try:
        shutil.copy2(folder / "warehouse.duckdb", stage / "yigong.duckdb")
        if (folder / "warehouse.duckdb.wal").is_file():
            shutil.copy2(folder / "warehouse.duckdb.wal", stage / "yigong.duckdb.wal")
        if (folder / "auth.sqlite").is_file():
            shutil.copy2(folder / "auth.sqlite", stage / "auth.sqlite")
        if (folder / "runs").is_dir():
            shutil.copytree(folder / "runs", stage / "runs")
        else:
            (stage / "runs").mkdir()
        original = None
        if (folder / "yigong.toml").is_file():
            original = (folder / "yigong.toml").read_text(encoding="utf-8")
            (stage / "yigong.original.toml").write_text(original, encoding="utf-8")
        if kind == "sqlite":
            shutil.copy2(folder / "store.sqlite", stage / "workflow.sqlite")
            store = str(target / "workflow.sqlite")
        else:
            assert store_url is not None
            if _store_revision(store_url) is not None:
                raise BackupError("the PostgreSQL database named by --store is not empty")
            conninfo, env = _pg(store_url)
            _run(
                ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error",
                 "--single-transaction", f"--dbname={conninfo}", str(folder / "store.pgdump")],
                env,
                "pg_restore of the workflow store",
            )  # fmt: skip
            store = store_url
        from sqlalchemy.engine import make_url  # lazy: heavy (sqlalchemy), store only

        shown = store if "://" not in store else make_url(store).set(password=None)
        config_store = shown if isinstance(shown, str) else shown.render_as_string()
        (stage / "yigong.toml").write_text(
            _config_text(original, target, config_store), encoding="utf-8"
        )
        if target.exists():
            target.rmdir()
        stage.rename(target)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    return Restored(target, target / "yigong.toml", store, manifest)
