"""Partitioned output: layout, determinism, round trip, and streaming one county-year at a time."""

from __future__ import annotations

import importlib
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from yigong.schema.tables import TABLES
from yigong.synth import PRESETS, generate
from yigong.synth.params import CountySpec, Preset
from yigong.synth.writer import NULL_PARTITION, PARTITION_PERIOD, PartitionedWriter, split_by_period

gen_mod = importlib.import_module("yigong.synth.generate")  # the package re-exports the function


def _files(root: Path) -> dict[str, bytes]:
    return {
        str(f.relative_to(root)): f.read_bytes() for f in sorted(root.rglob("*")) if f.is_file()
    }


def _read_dataset(folder: Path) -> pa.Table:
    return pa.concat_tables(pq.read_table(f) for f in sorted(folder.rglob("*.parquet")))


def _rows(t: pa.Table) -> list[tuple]:
    return sorted((tuple(r.values()) for r in t.to_pylist()), key=repr)


@pytest.fixture(scope="module")
def tiny_parts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("tiny-parts")
    generate("tiny", out, fmt="parquet", partitioned=True)
    return out


def test_layout_is_hive_style_by_county_and_period(tiny_parts: Path) -> None:
    for t in TABLES:
        files = sorted((tiny_parts / t.name).rglob("*.parquet"))
        assert files, t.name
        for f in files:
            keys = [p.split("=", 1)[0] for p in f.relative_to(tiny_parts / t.name).parts[:-1]]
            assert keys == (["county", "period"] if t.name in PARTITION_PERIOD else ["county"]), f
            assert f.name == "part-0.parquet"
    # divisions above the counties are filed under the province code, the county's under its own
    assert sorted(p.name for p in (tiny_parts / "admin_divisions").iterdir()) == [
        "county=130000",
        "county=130423",
    ]


def test_every_file_holds_one_county_year_of_its_period_column(tiny_parts: Path) -> None:
    for name, column in PARTITION_PERIOD.items():
        for f in (tiny_parts / name).rglob("*.parquet"):
            period = f.parent.name.split("=", 1)[1]
            values = pq.read_table(f).column(column)
            years = values if pa.types.is_integer(values.type) else pc.year(values)
            assert pc.all(pc.equal(years, int(period))).as_py(), f


def test_partitioned_round_trip_equals_the_single_files(tiny_parts: Path, tmp_path: Path) -> None:
    single = tmp_path / "single"
    generate("tiny", single, fmt="parquet")
    for t in TABLES:
        whole = pq.read_table(single / f"{t.name}.parquet")
        parts = _read_dataset(tiny_parts / t.name)
        assert parts.schema == whole.schema, t.name
        assert parts.num_rows == whole.num_rows, t.name
        assert _rows(parts) == _rows(whole), t.name


def test_same_seed_same_bytes_other_seed_other_bytes(tiny_parts: Path, tmp_path: Path) -> None:
    generate("tiny", tmp_path / "again", fmt="parquet", partitioned=True)
    generate("tiny", tmp_path / "other", fmt="parquet", partitioned=True, seed=7)
    first, again = _files(tiny_parts), _files(tmp_path / "again")
    assert first.keys() == again.keys()
    assert all(first[k] == again[k] for k in first)
    other = _files(tmp_path / "other")
    assert (
        first["discharges/county=130423/period=2024/part-0.parquet"]
        != other["discharges/county=130423/period=2024/part-0.parquet"]
    )


def test_partitioned_csv_has_a_header_per_file(tmp_path: Path) -> None:
    generate("tiny", tmp_path, fmt="csv", years=(2024,), partitioned=True)
    f = tmp_path / "discharges" / "county=130423" / "period=2024" / "part-0.csv"
    assert f.read_text(encoding="utf-8").splitlines()[0].startswith("discharge_id,")


def test_null_years_get_their_own_partition_and_xlsx_is_refused(tmp_path: Path) -> None:
    t = pa.table({"year": pa.array([2024, None, 2023], pa.int64()), "x": ["a", "b", "c"]})
    parts = split_by_period("finance", t)
    assert [(p, d.column("x").to_pylist()) for p, d in parts] == [
        ("2023", ["c"]),
        ("2024", ["a"]),
        (NULL_PARTITION, ["b"]),
    ]
    with pytest.raises(ValueError, match="csv or parquet"):
        PartitionedWriter(tmp_path, "xlsx")
    with pytest.raises(ValueError, match="needs the county"):
        PartitionedWriter(tmp_path).write("finance", t)


TWO = Preset(
    name="two-tiny",
    description="test: two tiny counties",
    province_code="130000",
    city_code="130400",
    counties=(
        CountySpec("130423", "临漳县", 2_000, 2, 2, communities=1, has_mch=False),
        CountySpec("130424", "成安县", 1_500, 2, 2, communities=1, has_mch=False),
    ),
    years=(2023, 2024),
)


def test_streams_county_by_county_and_writes_one_county_year_per_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Instrumented run: the log shows when each county's simulation starts and every file
    written; the writer must have finished a county before the next one is simulated, and it
    must never receive or write more than one county (resp. one county-year)."""
    monkeypatch.setitem(PRESETS, TWO.name, TWO)
    log: list[tuple] = []
    real_tables, real_write_file = gen_mod.county_tables, PartitionedWriter.write_file

    def county_tables(preset, index, seed, years):
        log.append(("start", preset.counties[index].code))
        yield from real_tables(preset, index, seed, years)
        log.append(("done", preset.counties[index].code))

    def write_file(self, folder: Path, data: pa.Table) -> Path:
        held = [v for v in vars(self).values() if isinstance(v, pa.Table)]
        assert not held, "the writer keeps rows between files"
        log.append(("file", folder, data.num_rows))
        return real_write_file(self, folder, data)

    monkeypatch.setattr(gen_mod, "county_tables", county_tables)
    monkeypatch.setattr(PartitionedWriter, "write_file", write_file)
    summary = generate(TWO.name, tmp_path, fmt="parquet", partitioned=True)

    starts = [i for i, e in enumerate(log) if e[0] == "start"]
    assert [log[i][1] for i in starts] == ["130423", "130424"]
    files = [e for e in log if e[0] == "file"]
    first_county = [e for e in log[: starts[1]] if e[0] == "file"]
    second_county = [e for e in log[starts[1] :] if e[0] == "file"]
    # every file of county 1 was written before county 2's simulation started, none after
    assert all("county=130424" not in str(e[1]) for e in first_county)
    assert all("county=130424" in str(e[1]) for e in second_county)
    assert ("done", "130423") in log[: starts[1]]
    # one file per (table, county, period): nothing written twice, nothing merged across years
    assert len({e[1] for e in files}) == len(files)
    assert all(
        e[1].name.startswith("period=")
        for e in files
        if e[1].parent.parent.name in PARTITION_PERIOD
    )
    assert sum(e[2] for e in files if "discharges" in e[1].parts) == summary["discharges"]


def test_counties_option_keeps_the_first_counties_unchanged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(PRESETS, TWO.name, TWO)
    generate(TWO.name, tmp_path / "all", fmt="parquet", partitioned=True, years=(2024,))
    generate(TWO.name, tmp_path / "one", fmt="parquet", partitioned=True, years=(2024,), counties=1)
    one, whole = _files(tmp_path / "one"), _files(tmp_path / "all")
    assert not any("130424" in k for k in one)
    assert all(one[k] == whole[k] for k in one if "county=130423" in k)
    with pytest.raises(ValueError, match="counties must lie between 1 and 2"):
        generate(TWO.name, tmp_path / "bad", counties=3)
