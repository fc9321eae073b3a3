"""The screening service on a real warehouse: runs are idempotent, flags explain themselves,
sampling is reproducible, reviews survive re-runs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from yigong.graded_care.errors import InvalidRequest, NotFound
from yigong.services import screening
from yigong.store import Store


@pytest.fixture
def db(tiny_world: tuple[Path, Path], tmp_path: Path) -> Path:
    out = tmp_path / "w.duckdb"
    shutil.copyfile(tiny_world[1], out)
    return out


def test_run_is_idempotent_and_replaces_only_its_period_and_rules(db: Path) -> None:
    first = screening.run_screening(db, 2024)
    assert first["flags"] == sum(first["by_rule"].values()) > 0
    ids = [f["flag_id"] for f in screening.list_flags(db, period="2024")]
    again = screening.run_screening(db, 2024)
    assert again["by_rule"] == first["by_rule"]
    assert [f["flag_id"] for f in screening.list_flags(db, period="2024")] == ids
    assert len(set(ids)) == len(ids)
    screening.run_screening(db, 2023)
    screening.run_screening(db, 2024, ["exam_repeat"])  # one rule again: the rest of 2024 stays
    assert sorted(f["flag_id"] for f in screening.list_flags(db, period="2024")) == sorted(ids)
    assert screening.list_flags(db, period="2023")


def test_every_flag_explains_itself(db: Path) -> None:
    screening.run_screening(db, 2023)
    screening.run_screening(db, 2024)
    flags = screening.list_flags(db)
    for f in flags:  # every stored flag carries its reason, parameters, numbers and rows
        assert f["params"] and f["numbers"] and f["rows"] and f["reason_en"] and f["reason_zh"]
    first = {}
    for f in flags:
        first.setdefault((f["rule_id"], f["period"]), f)
    assert {r for r, _ in first} >= {
        "split_admission",
        "service_after_death",
        "service_after_discharge",
        "duplicate_billing",
        "upcoding",
        "exam_repeat",
    }
    for f in first.values():  # one flag of every rule and year, explained down to its rows
        out = screening.explain_flag(db, f["flag_id"])
        assert out["rule"]["policy"]["text"] and out["rule"]["interpretation"]
        assert [r["row"] for r in out["row_details"]] == f["rows"]
        for row in out["row_details"]:  # every row behind the flag is found in the warehouse
            assert not row.get("missing") and len(row) > 1, row
    with pytest.raises(NotFound):
        screening.explain_flag(db, "Fnope")


def test_sampling_methods(db: Path, store: Store) -> None:
    screening.run_screening(db, 2024)
    flags = screening.list_flags(db, period="2024")
    a = screening.sample_flags(db, "random", 5, seed=7, period="2024")
    b = screening.sample_flags(db, "random", 5, seed=7, period="2024")
    assert [f["flag_id"] for f in a] == [f["flag_id"] for f in b] and len(a) == 5
    by_value = screening.sample_flags(db, "value", 3, period="2024")
    assert [f["value"] for f in by_value] == sorted((f["value"] for f in flags), reverse=True)[:3]
    by_dev = screening.sample_flags(db, "deviation", 3, period="2024", store=store)
    assert [f["deviation"] for f in by_dev] == sorted(
        (f["deviation"] for f in flags), reverse=True
    )[:3]
    opened = screening.review_status(store, by_dev[0]["flag_id"])
    assert opened["status"] == "open" and opened["sampled_by"] == "deviation"
    with pytest.raises(InvalidRequest):
        screening.sample_flags(db, "gut-feeling", 3)


def test_review_survives_a_rerun(db: Path, store: Store) -> None:
    screening.run_screening(db, 2024)
    fid = screening.list_flags(db, period="2024", rule_id="service_after_death")[0]["flag_id"]
    screening.review_flag(store, fid, "confirmed", "visit after death", "auditor", db=db)
    screening.run_screening(db, 2024)
    out = screening.explain_flag(db, fid, store)
    assert out["review"]["status"] == "confirmed" and out["review"]["decided_by"] == "auditor"


def test_demo_summary(db: Path) -> None:
    out = screening.demo_summary(db, 2024)
    fired = [r for r, n in out["by_rule"].items() if n]
    assert out["flags"] > 0 and len(out["examples"]) == len(fired)  # one per rule that fired
    assert [k.split(" ")[0] for k in out["examples"]] == sorted(  # most severe rules first
        fired,
        key=lambda r: (
            {"high": 0, "medium": 1, "low": 2}[screening.rules().rules[r].severity.value],
            r,
        ),
    )
    assert all(": " in e and e.split(" ")[0].startswith("F") for e in out["examples"].values())
