"""The case-mix reference tables shipped with yigong and the default of each scheme.

`references/references.toml` names each shipped table (scheme, file, title) and, under
``[defaults]``, the one a scheme uses when none is chosen. A user chooses another by name, by
a CSV file (`read_reference`), or by a wider warehouse (`yigong.services.casemix`).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

__all__ = ["ShippedReference", "default_reference", "shipped_references"]


@dataclass(frozen=True)
class ShippedReference:
    name: str
    scheme: str
    path: Path
    title: str


def _folder() -> Path:
    return Path(str(resources.files("yigong.casemix") / "references"))


@cache
def _config() -> dict[str, Any]:
    return tomllib.loads((_folder() / "references.toml").read_text(encoding="utf-8"))


def shipped_references() -> dict[str, ShippedReference]:
    """Every shipped reference table by name."""
    out = {}
    for name, body in _config().get("references", {}).items():
        out[name] = ShippedReference(name, body["scheme"], _folder() / body["file"], body["title"])
    return out


def default_reference(scheme: str) -> ShippedReference | None:
    """The reference a scheme uses when none is chosen (None: the scheme has none)."""
    name = _config().get("defaults", {}).get(scheme)
    return shipped_references().get(name) if name else None
