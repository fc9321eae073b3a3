"""Finding, reading and checking the configuration file; resolving the secrets it names.

Where the file is: ``--config FILE`` on any command, else ``$YIGONG_CONFIG``, else
``./yigong.toml``, else ``/etc/yigong/yigong.toml``; none found means the built-in defaults
(every command still runs with its flags alone). A file that cannot be read, is not TOML or
breaks the model is refused in one line naming the file, the key and the reason.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from yigong.config.model import Config

__all__ = [
    "CONFIG_ENV",
    "DEFAULT_LOCATIONS",
    "ConfigError",
    "load_config",
    "locate",
    "pseudonym_key_file",
    "session_secret",
    "store_url",
]

CONFIG_ENV = "YIGONG_CONFIG"
DEFAULT_LOCATIONS = (Path("yigong.toml"), Path("/etc/yigong/yigong.toml"))
#: keys holding a path, resolved against the configuration file's folder when relative
_PATH_KEYS = {
    "warehouse": ("path", "spark_root"),
    "store": ("password_file",),
    "users": ("path",),
    "runs": ("path",),
    "secrets": ("session_secret_file", "pseudonym_key_file"),
}


class ConfigError(ValueError):
    """The configuration file is missing, unreadable or invalid (message: one line)."""


def locate(explicit: str | os.PathLike[str] | None = None) -> Path | None:
    """The configuration file to read: ``explicit``, ``$YIGONG_CONFIG``, or the first default
    location that exists (None: no file, use the defaults). A file named explicitly or by the
    environment must exist."""
    named = explicit if explicit not in (None, "") else os.environ.get(CONFIG_ENV) or None
    if named is not None:
        path = Path(named).expanduser()
        if not path.is_file():
            raise ConfigError(f"{path}: no such configuration file")
        return path
    return next((p for p in DEFAULT_LOCATIONS if p.is_file()), None)


def _where(loc: tuple[Any, ...]) -> str:
    section, *rest = [str(p) for p in loc] or ["?"]
    return f"[{section}] {'.'.join(rest)}" if rest else f"[{section}]"


def load_config(path: str | os.PathLike[str] | None = None) -> Config:
    """The configuration in ``path`` (or found by `locate`), validated, paths made absolute."""
    found = locate(path)
    if found is None:
        return Config()
    try:
        raw = tomllib.loads(found.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{found}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{found}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{found}: not valid TOML: {exc}") from None
    if "source" in raw:
        raise ConfigError(f"{found}: [source]: unknown section")
    base = found.resolve().parent
    for section, keys in _PATH_KEYS.items():
        part = raw.get(section)
        if not isinstance(part, dict):
            continue
        for key in keys:
            value = part.get(key)
            if isinstance(value, str) and value:
                part[key] = str((base / Path(value).expanduser()).resolve())
    store = raw.get("store")
    if isinstance(store, dict) and isinstance(store.get("url"), str):
        url = store["url"]
        if url and "://" not in url:  # an SQLite path, relative to the file too
            store["url"] = str((base / Path(url).expanduser()).resolve())
    try:
        config = Config.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        msg = first["msg"].removeprefix("Value error, ")
        if first["type"] == "extra_forbidden":
            msg = "unknown key"
        raise ConfigError(f"{found}: {_where(first['loc'])}: {msg}{more}") from None
    return config.model_copy(update={"source": found.resolve()})


def _read_secret(path: Path, what: str) -> str:
    try:
        value = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the {what}: {exc.strerror or exc}") from None
    if not value:
        raise ConfigError(f"{path}: the {what} file is empty")
    return value


def session_secret(config: Config) -> str | None:
    """The session secret the configuration names (file first, then variable), or None."""
    s = config.secrets
    if s.session_secret_file is not None:
        return _read_secret(s.session_secret_file, "session secret")
    if s.session_secret_env:
        value = os.environ.get(s.session_secret_env)
        if not value:
            raise ConfigError(
                f"[secrets] session_secret_env: ${s.session_secret_env} is not set or empty"
            )
        return value
    return None


def pseudonym_key_file(config: Config) -> Path | None:
    return config.secrets.pseudonym_key_file


def store_url(config: Config) -> str:
    """The workflow store URL with its password filled in from the file or variable named
    (never kept in the configuration itself); empty when the configuration names no store."""
    st = config.store
    if not st.url:
        return ""
    if "://" not in st.url or (st.password_file is None and not st.password_env):
        return st.url
    from sqlalchemy.engine import make_url  # lazy: heavy (sqlalchemy ~0.4 s), store only

    if st.password_file is not None:
        password = _read_secret(st.password_file, "store password")
    else:
        password = os.environ.get(st.password_env or "", "")
        if not password:
            raise ConfigError(f"[store] password_env: ${st.password_env} is not set or empty")
    return make_url(st.url).set(password=password).render_as_string(hide_password=False)
