"""A layout profile's profile.toml is read by the rule packs' TOML reader: a broken copy is
refused with one line per problem naming profile.toml, its line and field."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from yigong.ingest.profiles.packs import SHIPPED, ProfileError, load_profile


def _copy(tmp_path: Path) -> Path:
    folder = tmp_path / "ws445-frontpage"
    shutil.copytree(SHIPPED / "ws445-frontpage", folder)
    return folder


def test_a_mistyped_and_an_unknown_key_are_named_at_their_lines(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    path = folder / "profile.toml"
    lines = path.read_text(encoding="utf-8").splitlines()
    at = next(n for n, t in enumerate(lines) if t.startswith("min_share"))
    lines[at] = 'min_share = "half"'
    lines.insert(at + 1, "colour = 1")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ProfileError) as exc:
        load_profile(folder)
    text = str(exc.value)
    assert "\n" not in text
    assert f"{path}:{at + 1} [profile.min_share]: error profile.schema" in text
    assert f"{path}:{at + 2} [profile.colour]: error profile.schema" in text


def test_a_toml_syntax_error_and_a_missing_file(tmp_path: Path) -> None:
    """(A missing profile.toml is refused by the pack convention: its manifest lists it.)"""
    folder = _copy(tmp_path)
    path = folder / "profile.toml"
    path.write_text("[profile]\ntable = \n", encoding="utf-8")
    with pytest.raises(ProfileError, match=r"profile\.toml:2: error profile\.toml: "):
        load_profile(folder)
    path.unlink()
    with pytest.raises(ProfileError, match=r"profile\.toml is listed but missing"):
        load_profile(folder)
