"""Every data file in the package is matched by the package-data globs, so the wheel carries it."""

from __future__ import annotations

import fnmatch
import re
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


def _name(requirement: str) -> str:
    """The normalised distribution name of a PEP 508 requirement string."""
    head = re.split(r"[\s\[<>=!~;@]", requirement.strip(), maxsplit=1)[0]
    return re.sub(r"[-_.]+", "-", head).lower()


def test_every_dependency_is_pinned_in_the_lock():
    """`make install` installs with constraints.txt; a dependency added to pyproject without
    `make lock` would be installed unpinned."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    project = config["project"]
    wanted = {_name(r) for r in project["dependencies"]}
    for extra in project["optional-dependencies"].values():
        wanted |= {_name(r) for r in extra}
    pinned = {
        _name(line.split("==")[0])
        for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines()
        if "==" in line and not line.startswith("#")
    }
    # ibis-framework[duckdb] names ibis-framework; an extra of a pinned package is covered.
    assert wanted - pinned == set(), f"run `make lock`: not pinned: {sorted(wanted - pinned)}"
