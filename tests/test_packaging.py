"""Every data file in the package is matched by the package-data globs, so the wheel carries it."""

from __future__ import annotations

import fnmatch
import tomllib
from pathlib import Path

ROOT = Path(__file__).parents[1]


def test_every_data_file_ships_in_the_wheel():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    globs = config["tool"]["setuptools"]["package-data"]["*"]
    package = ROOT / "src" / "yigong"
    missing = []
    for path in package.rglob("*"):
        if path.is_dir() or path.suffix in (".py", ".pyc") or "__pycache__" in path.parts:
            continue
        rel = path.relative_to(package).as_posix()
        if not any(
            fnmatch.fnmatch(rel, g) or fnmatch.fnmatch(path.name, g.removeprefix("**/"))
            for g in globs
        ):
            missing.append(rel)
    assert not missing, f"not shipped in the wheel: {missing}"
