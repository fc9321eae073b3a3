"""Recall and precision of every rule on the anomalies the generator plants (tiny preset).

The tiny world is generated, ingested, grouped (CHS-DRG) and screened year by year; each rule's
flags are compared with the ground truth ``_planted_anomalies`` (a flag is a true positive when
one of its rows is a planted row of that rule). The measured figures are printed (run with -s)
and recorded in docs/oversight.md; the thresholds below are what the test insists on.
"""

from __future__ import annotations

import shutil
from collections import defaultdict
from pathlib import Path

import pyarrow.csv as pacsv
import pytest

from yigong.ingest.pseudonym import PseudonymKey
from yigong.ingest.run import ingest_paths
from yigong.oversight.loader import builtin_rule_paths
from yigong.services import screening
from yigong.synth import generate
from yigong.warehouse.backends.duckdb import DuckDBWarehouse

#: rule -> (minimum recall, minimum precision). exam_repeat's precision is low by design of the
#: generator, which models unrecognised township→county repeats (real matches of the rule);
#: minor_illness_above_level's because the generator treats many catalogued township
#: conditions at county hospitals.
THRESHOLDS = {
    "split_admission": (1.0, 0.5),
    "low_threshold_admission": (1.0, 0.2),
    "high_cost_outlier": (1.0, 0.2),
    "upcoding": (1.0, 1.0),
    "service_after_death": (1.0, 1.0),
    "service_after_discharge": (1.0, 1.0),
    "duplicate_billing": (1.0, 1.0),
    "exam_repeat": (1.0, 0.05),
    "minor_illness_above_level": (1.0, 0.01),
    # item-level rules (itemised charges of the last generated year, 2024)
    "duplicate_charge": (1.0, 1.0),
    "price_above_catalogue": (1.0, 1.0),
    "quantity_beyond_day": (1.0, 1.0),
    "charge_after_discharge": (1.0, 1.0),
    "operating_room_add_on": (1.0, 0.5),
}

#: measured and printed, not asserted: in the tiny world the planted overlong stay's DRG has
#: only 2 cases, so no group median can judge it; the planted CC coding moves the hospital's CMI
#: by +26 % in tiny (small-sample weights) but only +0.4 % in the county preset, so cmi_jump
#: catching it in tiny proves nothing (see docs/oversight.md).
MEASURED_ONLY = ("overlong_stay", "cmi_jump")


@pytest.fixture(scope="module")
def measured(
    tiny_world: tuple[Path, Path],
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, tuple[int, int, int, int]]:
    files, source_db = tiny_world
    root = tmp_path_factory.mktemp("planted")
    db = root / "w.duckdb"
    shutil.copyfile(source_db, db)
    truth: dict[str, set[str]] = defaultdict(set)
    for row in pacsv.read_csv(files / "_planted_anomalies.csv").to_pylist():
        truth[row["rule_id"]].add(row["row_key"])
    flags: dict[str, list[set[str]]] = defaultdict(list)
    # the tiny world has ~540 stays a year: DRG groups are judged from 3 cases instead of 20
    rules = root / "rules.yaml"
    rules.write_text(
        builtin_rule_paths()[0]
        .read_text(encoding="utf-8")
        .replace("min_group_cases: 20", "min_group_cases: 3")
        .replace("min_group_cases: 5", "min_group_cases: 3"),
        encoding="utf-8",
    )
    for year in (2023, 2024):
        screening.run_screening(db, year, rule_paths=[rules])
        for f in screening.list_flags(db, period=str(year)):
            flags[f["rule_id"]].append(set(f["rows"]))
    out = {}
    for rule in (*THRESHOLDS, *MEASURED_ONLY):
        planted = truth[rule]
        found = {k for rows in flags[rule] for k in rows & planted}
        tp = sum(1 for rows in flags[rule] if rows & planted)
        out[rule] = (len(planted), len(found), len(flags[rule]), tp)
        print(
            f"{rule:26} planted {len(planted):3} found {len(found):3} flags {len(flags[rule]):4} "
            f"recall {len(found) / max(len(planted), 1):.2f} precision {tp / max(len(flags[rule]), 1):.2f}"
        )
    return out


def test_truth_is_not_in_the_canonical_tables(tmp_path: Path) -> None:
    generate("tiny", tmp_path, seed=2024)
    truth = tmp_path / "_planted_anomalies.csv"
    assert truth.exists()
    with DuckDBWarehouse(None) as wh:
        ingest_paths(wh, [tmp_path], key=PseudonymKey(b"k-0123456789abcdefghijklmnopqrstuv"))
        assert "_planted_anomalies" not in wh.ibis.list_tables()


@pytest.mark.parametrize("rule", list(THRESHOLDS))
def test_recall_and_precision_on_planted_anomalies(
    measured: dict[str, tuple[int, int, int, int]], rule: str
) -> None:
    planted, found, flagged, tp = measured[rule]
    min_recall, min_precision = THRESHOLDS[rule]
    assert planted > 0, f"{rule}: nothing planted in the tiny world"
    assert found / planted >= min_recall, f"{rule}: recall {found}/{planted}"
    assert tp / max(flagged, 1) >= min_precision, f"{rule}: precision {tp}/{flagged}"
