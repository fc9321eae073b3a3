"""The ingest package's names load on first use: a light module (the report, the layout
profiles' header detection) can be imported without the warehouse stack behind `load`."""

from __future__ import annotations

import subprocess
import sys

import pytest

import yigong.ingest as ingest


def test_every_public_name_resolves_to_its_module() -> None:
    from yigong.ingest.load import ingest_file
    from yigong.ingest.report import IngestError
    from yigong.ingest.run import ingest_paths

    assert ingest.ingest_paths is ingest_paths
    assert ingest.ingest_file is ingest_file
    assert ingest.IngestError is IngestError
    assert all(hasattr(ingest, name) for name in ingest.__all__)
    assert set(ingest.__all__) <= set(dir(ingest))
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        _ = ingest.nothing  # type: ignore[attr-defined]


def test_the_report_loads_without_the_warehouse_stack() -> None:
    code = (
        "import sys, yigong.ingest.report; "
        "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in ('ibis', 'duckdb') "
        "or m in ('yigong.ingest.load', 'yigong.ingest.run'))))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""
