"""Programme completion, assessment score and village share worked by hand."""

from __future__ import annotations

from decimal import Decimal as D

from yigong.public_health.assessment import assess, lines_from_tasks, village_share, workload_table
from yigong.public_health.loader import load_rules

RULES = load_rules()


def task(inst, program, assigned, done, unit=None):
    return dict(institution_id=inst, year=2024, program=program, tasks_assigned=assigned,
                tasks_done=done, unit=unit)  # fmt: skip


ROWS = [
    task("V1", "health_records", 100, 80, "records"),  # 80 % × weight 10
    task("V1", "hypertension", 10, 9, "persons"),  # 90 % × weight 12
    task("V1", "vaccination", 5, 5, "persons"),  # wrong unit: left out, problem named
    task("T1", "health_records", 200, 200, "records"),
    task("T1", "hypertension", 20, 22, "persons"),  # over-completion capped at 100 %
]


def test_score_and_workload_by_hand():
    lines = lines_from_tasks(RULES, ROWS)
    got = assess(RULES, lines)
    v1 = got[("V1", 2024)]
    # (10 × 0.8 + 12 × 0.9) / (10 + 12) × 100 = 18.8 / 22 × 100 = 85.4545… → 85.45
    assert v1.score == D("85.45")
    assert got[("T1", 2024)].score == D("100.00")
    # workload assigned: 100 × 0.2 + 10 × 2 = 40; done 80 × 0.2 + 9 × 2 = 34
    assert (v1.workload_assigned, v1.workload_done) == (D("40.0"), D("34.0"))
    bad = next(ln for ln in v1.lines if ln.program == "vaccination")
    assert "doses" in bad.problem and bad.weight == 0


def test_village_share_by_hand():
    lines = lines_from_tasks(RULES, ROWS)
    village, total = village_share(lines, {"V1"})
    # V1 34 of (34 + T1 200 × 0.2 + 22 × 2 = 84) = 34 / 118
    assert (village, total) == (D("34.0"), D("118.0"))
    assert round(village / total * 100, 2) == D("28.81")
    t = workload_table(lines)
    assert t.num_rows == 5 and t.column("problem").null_count == 4


def test_missing_unit_takes_the_programme_unit():
    (line,) = lines_from_tasks(RULES, [task("V1", "elderly_health", 10, 5)])
    assert line.unit == "persons" and not line.problem and line.completion == D("0.5")
