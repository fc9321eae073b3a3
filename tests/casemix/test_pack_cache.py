"""The on-disk cache of compiled packs: light to load (no pack model, no pack loader), keyed
by what the compiled pack depends on, and the same tables as a fresh compilation."""

from __future__ import annotations

import dataclasses

import numpy as np
import pyarrow as pa
import pytest

from yigong.casemix import pack_cache, packs
from yigong.casemix.compile import compile_model
from yigong.casemix.compiled import CompiledPack
from yigong.casemix.model import pack_model

NATIONAL = "chs-drg-1.1"


def _same(a: CompiledPack, b: CompiledPack) -> None:
    for f in dataclasses.fields(CompiledPack):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if isinstance(x, np.ndarray):
            assert np.array_equal(x, y), f.name
        elif isinstance(x, pa.Array):
            assert x.equals(y), f.name
        else:
            assert x == y, f.name


def test_a_cached_pack_is_the_compiled_pack(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv(pack_cache.CACHE_ENV, str(tmp_path))
    fresh = compile_model(pack_model(NATIONAL))
    built = pack_cache.cached(NATIONAL, lambda: fresh)
    files = list((tmp_path / "packs").iterdir())
    assert len(files) == 1 and files[0].name.startswith(f"{NATIONAL}-")
    loaded = pack_cache.cached(NATIONAL, lambda: pytest.fail("compiled again"))
    assert loaded is not built
    _same(loaded, fresh)
    assert (loaded.pack_id, loaded.version) == (NATIONAL, "1.1")


def test_the_light_folder_lookup_agrees_with_the_pack_loader(tmp_path) -> None:
    assert pack_cache.PACKS_DIR == packs.PACKS_DIR
    for ref in (*packs.available_packs(), str(packs.PACKS_DIR / NATIONAL)):
        assert pack_cache.resolve_folder(ref) == packs.resolve_folder(ref)
    with pytest.raises(packs.PackError, match="no pack"):
        pack_cache.resolve_folder("no-such-pack")
    with pytest.raises(packs.PackError):
        pack_cache.resolve_folder(str(tmp_path))


def test_the_key_changes_with_the_packs_files(tmp_path) -> None:
    import shutil

    folder = tmp_path / NATIONAL
    shutil.copytree(packs.PACKS_DIR / NATIONAL, folder)
    before = pack_cache.digest(str(folder))
    (folder / "README.md").write_text("changed\n", encoding="utf-8")
    assert pack_cache.digest(str(folder)) != before
