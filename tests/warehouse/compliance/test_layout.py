"""Every backend records the layout its warehouse was written in and refuses, on open, one
written in another layout, naming it — a release never reads tables whose columns it does not
know. The DuckDB file keeps its layout in ``warehouse_meta`` (an older one is upgraded by
`yigong warehouse upgrade`: tests/warehouse/test_upgrade.py); the Parquet warehouse in
``_yigong.json``, read at its exact version."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from tests.warehouse.compliance.conftest import LOCAL_BACKENDS, Backend
from yigong.warehouse import WarehouseError

pytestmark = pytest.mark.parametrize("backend", LOCAL_BACKENDS, indirect=True)


def _layout_plus_one(backend: Backend, place: Path) -> None:
    """Record the warehouse at ``place`` as written by a release one layout ahead."""
    if backend.kind == "duckdb":
        from yigong.warehouse.backends.duckdb import file_layout

        con = duckdb.connect(str(place.with_suffix(".duckdb")))
        try:
            file_layout.stamp_file_layout(con, file_layout.FILE_LAYOUT_VERSION + 1)
        finally:
            con.close()
        return
    from yigong.warehouse.layout import LAYOUT_VERSION, MANIFEST

    manifest = place / MANIFEST
    data = json.loads(manifest.read_text(encoding="utf-8"))
    assert data["layout_version"] == LAYOUT_VERSION
    data["layout_version"] = LAYOUT_VERSION + 1
    manifest.write_text(json.dumps(data), encoding="utf-8")


def test_a_warehouse_of_another_layout_is_refused_on_open(backend, tmp_path):
    place = tmp_path / "warehouse"
    wh = backend.open(place)
    wh.set_meta("pseudonym_key_fingerprint", "abc")  # the warehouse is written down
    wh.close()
    reopened = backend.open(place, create=False)  # its own layout opens
    assert reopened.meta("pseudonym_key_fingerprint") == "abc"
    reopened.close()
    _layout_plus_one(backend, place)
    with pytest.raises(WarehouseError, match="layout"):
        backend.open(place, create=False).close()
