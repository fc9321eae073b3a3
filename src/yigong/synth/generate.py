"""The generator's entry points: `generate` (to files) and `generate_tables` (in memory)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv

from yigong.schema.tables import TABLES
from yigong.synth.anomalies import TRUTH_TABLE
from yigong.synth.params import preset as get_preset
from yigong.synth.world import county_tables, shared_tables
from yigong.synth.writer import PartitionedWriter, TableWriter, conform

Progress = Callable[[str, int], None]


def _years(name: str, years: tuple[int, ...] | None) -> tuple[int, ...]:
    p = get_preset(name)
    chosen = tuple(sorted(set(years))) if years else p.years
    bad = [y for y in chosen if not 2016 <= y <= 2030]
    if bad:
        raise ValueError(f"years must lie between 2016 and 2030, got {bad}")
    return chosen


def generate(
    preset: str,
    out_dir: Path,
    *,
    seed: int = 2024,
    fmt: str = "csv",
    years: tuple[int, ...] | None = None,
    progress: Progress | None = None,
    partitioned: bool = False,
    counties: int | None = None,
    layout: str = "canonical",
    encoding: str = "",
) -> dict[str, int]:
    """Write a synthetic world to `out_dir`; returns rows written per table.

    Streams county by county: one county's tables are simulated, written and released before
    the next county starts, so memory is bounded by the largest county, not by the world.
    `partitioned` writes Hive-style datasets (`<table>/county=…/period=…/part-0.<ext>`, see
    `PartitionedWriter`) instead of one file per table. `counties` keeps only the preset's
    first N counties (a slice of a province for benchmarks; each county is the same as in the
    whole world, since its random streams depend on the seed and its index only).

    `layout="national"` writes the front page, the settlement list and the visit list in their
    national export layouts (Chinese headers, wide diagnosis and procedure columns, sub-lists;
    CSV in GBK unless `encoding` says otherwise, or XLSX); the other tables stay canonical.

    Deterministic: the same preset, seed, years and counties give byte-identical files.
    """
    p = get_preset(preset)
    chosen = _years(preset, years)
    if counties is not None and not 1 <= counties <= len(p.counties):
        raise ValueError(
            f"counties must lie between 1 and {len(p.counties)} for preset {preset!r}, "
            f"got {counties}"
        )
    specs = p.counties[:counties] if counties else p.counties
    if partitioned and layout != "canonical":
        raise ValueError("partitioned datasets are written in the canonical layout only")
    writer: TableWriter | PartitionedWriter = (
        PartitionedWriter(Path(out_dir), fmt)
        if partitioned
        else TableWriter(Path(out_dir), fmt, layout=layout, encoding=encoding)
    )
    truth: list[pa.Table] = []
    try:
        for name, data in shared_tables(p, specs).items():
            writer.write(name, data, county=p.province_code)
        for index, county in enumerate(specs):
            for name, data in county_tables(p, index, seed, chosen):
                if name == TRUTH_TABLE:  # ground truth of planted anomalies: beside the files
                    truth.append(data)
                    continue
                rows = writer.write(name, data, county=county.code)
                if progress:
                    progress(f"{county.code} {county.name_zh} {name}", rows)
    finally:
        writer.close()
    if truth:
        pacsv.write_csv(pa.concat_tables(truth), Path(out_dir) / f"{TRUTH_TABLE}.csv")
    return {t.name: writer.rows.get(t.name, 0) for t in TABLES}


def generate_tables(
    preset: str, seed: int = 2024, years: tuple[int, ...] | None = None
) -> dict[str, pa.Table]:
    """The file-shaped tables of a synthetic world, in memory (for tests and small presets)."""
    p = get_preset(preset)
    chosen = _years(preset, years)
    parts: dict[str, list[pa.Table]] = {t.name: [] for t in TABLES}
    for name, data in shared_tables(p).items():
        parts[name].append(conform(name, data))
    for index in range(len(p.counties)):
        for name, data in county_tables(p, index, seed, chosen):
            parts.setdefault(name, []).append(data if name == TRUTH_TABLE else conform(name, data))
    return {name: pa.concat_tables(v) for name, v in parts.items()}
