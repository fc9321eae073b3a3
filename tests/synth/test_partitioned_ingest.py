"""`yigong ingest` reads a partitioned synthetic world: every part file, into its table, in order."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from yigong.cli.main import app
from yigong.ingest import PseudonymKey, ingest_paths
from yigong.ingest.run import collect
from yigong.schema.tables import TABLES
from yigong.synth import generate
from yigong.warehouse.backends.duckdb import DuckDBWarehouse

KEY = PseudonymKey(b"test-key-not-secret-0123456789abcdefghijklmnopqrstuv")


def test_collect_finds_every_part_file_in_dependency_order(tmp_path: Path) -> None:
    generate("tiny", tmp_path, fmt="parquet", partitioned=True, years=(2024,))
    (tmp_path / "discharges" / "_SUCCESS").write_text("")  # a Spark marker is not data
    found = collect([tmp_path])
    files = sorted(tmp_path.rglob("*.parquet"))
    assert sorted(f for _, f in found) == files
    assert all(f.is_relative_to(tmp_path / t) for t, f in found)
    assert [t for t, _ in found] == sorted(
        (t for t, _ in found), key=[x.name for x in TABLES].index
    )
    # the province-level divisions load before the county's (parents first)
    assert found[0][1].parent.name == "county=130000"
    # a dataset directory on its own
    assert collect([tmp_path / "discharges"]) == [(t, f) for t, f in found if t == "discharges"]


def test_ingest_of_a_partitioned_world_loads_every_row(tmp_path: Path) -> None:
    rows = generate("tiny", tmp_path / "world", fmt="parquet", partitioned=True, years=(2024,))
    with DuckDBWarehouse(tmp_path / "wh.duckdb") as wh:
        reports = ingest_paths(wh, [tmp_path / "world"], key=KEY)
        assert sum(r.rows_rejected for r in reports) == 0
        for t in TABLES:
            assert wh.count(t.name) == rows[t.name], t.name


def test_cli_partitioned_option_and_refusal(tmp_path: Path) -> None:
    runner = CliRunner()
    ok = runner.invoke(
        app,
        [
            "synth",
            "tiny",
            "--format",
            "parquet",
            "--partitioned",
            "--years",
            "2024",
            "-o",
            str(tmp_path / "p"),
        ],
    )
    assert ok.exit_code == 0, ok.output
    assert (tmp_path / "p" / "persons" / "county=130423" / "part-0.parquet").exists()
    bad = runner.invoke(
        app, ["synth", "tiny", "--format", "xlsx", "--partitioned", "-o", str(tmp_path / "x")]
    )
    assert bad.exit_code == 2
    assert "csv or parquet" in bad.output


def test_cli_ingest_report_names_partitions_and_prints_a_repeated_notice_once(
    tmp_path: Path, monkeypatch
) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    generate("tiny", tmp_path / "world", fmt="parquet", partitioned=True)
    parts = sorted((tmp_path / "world" / "discharges").rglob("part-0.parquet"))
    assert len(parts) == 2
    for part in parts:  # an extract with one column too many, in every part file
        t = pq.read_table(part, partitioning=None)
        pq.write_table(t.append_column("ward_note", pa.array(["x"] * t.num_rows)), part)
    monkeypatch.setenv("YIGONG_PSEUDONYM_KEY", "test-key-not-secret-0123456789abcdefghijklmn")
    out = CliRunner().invoke(
        app, ["ingest", str(tmp_path / "world"), "--db", str(tmp_path / "w.duckdb")]
    )
    assert out.exit_code == 0, out.output
    # the path's partition keys are not read as columns: no notice about them
    assert "column 'period'" not in out.output and "column 'county'" not in out.output
    lines = [
        x for x in out.output.splitlines() if "column 'ward_note' is not part of discharges" in x
    ]
    assert len(lines) == 1, lines
    assert "discharges/county=130423/period=2023/part-0.parquet and 1 more files" in lines[0]
