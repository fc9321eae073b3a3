"""The tiny county on every backend, including a real Spark cluster: ingest, DRG grouping,
case-mix metrics, ``drg_case_facts`` and the indicator scorecard give what DuckDB gives.

On the cluster the row rules and the DRG grouper run in executors whose Python has yigong only
because the session shipped it, so these tests fail if code or pack data do not reach them.
"""

from __future__ import annotations

import sys

import pyarrow as pa
import pytest
from pyspark import cloudpickle

from tests.casemix.drg_helpers import HANDAN, NATIONAL
from tests.warehouse.compliance.support import assert_same_rows, rows
from yigong.payment import PaymentInputError
from yigong.schema.tables import BY_NAME
from yigong.services import casemix as service
from yigong.services.data import warehouse_status
from yigong.services.indicators import compute
from yigong.services.screening import run_screening
from yigong.services.settlement import settlement_section
from yigong.services.tasks import report

# the batch function below runs in the executors, which do not have the tests package
cloudpickle.register_pickle_by_value(sys.modules[__name__])

NODE, PERIOD, COUNTY = "division:130423", "2024", "130423"


def _group_and_facts(wh) -> list[service.GroupRunSummary]:
    """Both schemes, then the first again (a re-run replaces its own rows only), and facts."""
    out = [service.group_discharges(wh, s) for s in (NATIONAL, HANDAN, NATIONAL)]
    service.store_case_facts(wh, NATIONAL)
    return out


@pytest.fixture(scope="session")
def reference(tiny_reference):
    wh, _ = tiny_reference
    return wh, _group_and_facts(wh)


@pytest.fixture(scope="module")
def grouped(tiny):
    wh, _ = tiny
    return wh, _group_and_facts(wh)


def test_every_table_loads_the_same(tiny, tiny_reference):
    """The tiny preset as typed Parquet: every table, every row, no row rejected."""
    wh, reports = tiny
    assert all(r.rows_rejected == 0 and r.rows_accepted == r.rows_read > 0 for r in reports)
    assert [r.rows_read for r in reports] == [r.rows_read for r in tiny_reference[1]]
    for name in sorted(BY_NAME):
        a, b = tiny_reference[0].to_arrow(name), wh.to_arrow(name)
        assert a.num_rows == b.num_rows > 0, name
        assert_same_rows(a, b)


def _batch_facts(batch: pa.Table) -> pa.Table:
    import yigong

    return pa.table({"n": [batch.num_rows], "code_from": [yigong.__file__]})


def test_batch_map_runs_batch_by_batch(backend, tiny):
    """The batch-map hands the function batches of at most `batch_rows` rows, wherever the
    backend runs them (on the cluster: executors running the shipped package)."""
    wh, _ = tiny
    schema = pa.schema([("n", pa.int64()), ("code_from", pa.string())])
    d = wh.table("discharges").select("discharge_id")
    out = wh.to_arrow(wh.batch_map(d, _batch_facts, schema, batch_rows=100))
    assert sum(out.column("n").to_pylist()) == wh.count("discharges") > 500
    assert out.num_rows >= 2 and max(out.column("n").to_pylist()) <= 100
    if backend.name == "spark-cluster":
        assert all("/yigong_code/yigong/" in p for p in out.column("code_from").to_pylist())


def test_drg_results_identical(grouped, reference):
    wh, summaries = grouped
    for a, b in zip(reference[1], summaries, strict=True):
        assert (a.scheme, a.pack_version, a.rows, a.statuses, a.drgs) == (
            b.scheme,
            b.pack_version,
            b.rows,
            b.statuses,
            b.drgs,
        )
    assert summaries[0].rows == wh.count("discharges") > 500
    assert summaries[0].statuses.get("grouped", 0) > summaries[0].rows // 2
    t = wh.to_arrow(service.RESULTS_TABLE)
    cols = [c for c in t.column_names if c != "grouped_at"]
    want = rows(reference[0].to_arrow(service.RESULTS_TABLE), cols)
    assert len(want) == 2 * summaries[0].rows  # two schemes side by side
    assert rows(t, cols) == want
    assert t.column("grouped_at").null_count == 0


@pytest.mark.parametrize(
    ("level", "period"), [("institution", "quarter"), ("department", "year"), ("doctor", "month")]
)
def test_casemix_metrics_identical(grouped, reference, level, period):
    a = service.casemix_metrics(reference[0], NATIONAL, level, period)
    b = service.casemix_metrics(grouped[0], NATIONAL, level, period)
    assert a.num_rows == b.num_rows > 0
    assert a.column_names == b.column_names
    assert_same_rows(a, b)


def test_case_facts_identical(grouped, reference):
    a, b = reference[0].to_arrow(service.FACTS_TABLE), grouped[0].to_arrow(service.FACTS_TABLE)
    assert a.num_rows == b.num_rows > 500
    assert_same_rows(a, b)
    assert service.FACTS_TABLE in grouped[0].stored_tables()


def test_scorecard_identical(grouped, reference):
    """Every indicator of the catalog for the county: numerators and denominators exactly,
    values to 1e-9."""
    a = compute(reference[0], NODE, PERIOD).results
    b = compute(grouped[0], NODE, PERIOD).results
    assert [(r.indicator, r.status) for r in a] == [(r.indicator, r.status) for r in b]
    for x, y in zip(a, b, strict=True):
        assert (x.numerator, x.denominator) == (y.numerator, y.denominator), x.indicator
        assert (x.value is None) == (y.value is None), x.indicator
        if x.value is not None:
            assert x.value == pytest.approx(y.value, abs=1e-9, rel=0), x.indicator
    assert sum(r.status.value == "ok" for r in b) > 60


@pytest.mark.needs("status")
def test_status(tiny, tiny_reference):
    got, want = warehouse_status(tiny[0]), warehouse_status(tiny_reference[0])
    assert got["tables"] == want["tables"]
    assert got["institutions_by_type"] == want["institutions_by_type"]


@pytest.mark.needs("screening")
def test_screening(grouped):
    result = run_screening(grouped[0], PERIOD)
    assert result["flags"] > 0 and not result["skipped"]


@pytest.mark.needs("settlement")
def test_settlement_reads_the_warehouse(tiny):
    """The tiny county has one year: the budget engine is reached and names the missing
    history it read from the warehouse."""
    with pytest.raises(PaymentInputError, match="no residents' settlements of county 130423"):
        settlement_section(tiny[0], COUNTY, 2024)


@pytest.mark.needs("workflow")
def test_reform_task_report(tiny):
    rep = report(tiny[0], NODE, 2024)
    assert rep.at.node == NODE and rep.at.tasks
