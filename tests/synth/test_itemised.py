"""The itemised year of the tiny world: lines add up to front pages, visits and settlements to
the fen; medication orders are the drug lines with their DDDs; planted item anomalies are the
only lines past a daily cap or after a discharge."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

import duckdb
import pyarrow as pa
import pytest

from yigong.schema.tables import DISCHARGE_COST_COLUMNS


@pytest.fixture(scope="module")
def con(tiny_tables: dict[str, pa.Table]) -> duckdb.DuckDBPyConnection:
    c = duckdb.connect()
    for name, t in tiny_tables.items():
        c.register(name.lstrip("_"), t)
    return c


def test_only_the_last_year_is_itemised(con) -> None:
    years = con.sql("SELECT DISTINCT year(d.discharge_date) FROM charge_items c JOIN discharges d "
                    "ON d.discharge_id = c.encounter_id").fetchall()  # fmt: skip
    assert years == [(2024,)]
    stays = con.sql(
        "SELECT count(*) FROM discharges WHERE year(discharge_date) = 2024 AND discharge_id NOT IN "
        "(SELECT encounter_id FROM charge_items)"
    ).fetchone()[0]
    assert stays == 0  # every stay of the year has its lines


def test_stays_add_up_to_their_front_page_by_category(con) -> None:
    cats = ", ".join(
        f"sum(amount) FILTER (WHERE cost_category = '{c.removeprefix('cost_')}') AS {c}"
        for c in DISCHARGE_COST_COLUMNS
    )
    items = con.sql(
        f"SELECT encounter_id, sum(amount) AS total, {cats} FROM charge_items "
        "WHERE setting = 'inpatient' GROUP BY 1"
    ).fetchall()
    pages = {r[0]: r[1:] for r in con.sql(
        f"SELECT discharge_id, total_cost, {', '.join(DISCHARGE_COST_COLUMNS)} FROM discharges"
    ).fetchall()}  # fmt: skip
    assert len(items) > 400
    for enc, *got in items:
        want = pages[enc]
        assert [g or Decimal(0) for g in got] == [w or Decimal(0) for w in want], enc


def test_visits_and_settlements_agree(con) -> None:
    bad_visits = con.sql(
        "SELECT count(*) FROM (SELECT encounter_id, sum(amount) t FROM charge_items WHERE "
        "setting = 'outpatient' GROUP BY 1) c JOIN outpatient_visits v ON v.visit_id = "
        "c.encounter_id WHERE c.t <> v.total_cost"
    ).fetchone()[0]
    assert bad_visits == 0
    checked, bad = con.sql(
        "SELECT count(*), count(*) FILTER (WHERE c.t <> s.total_cost) FROM (SELECT encounter_id, "
        "sum(amount) t FROM charge_items WHERE setting = 'inpatient' GROUP BY 1) c JOIN "
        "settlements s ON s.discharge_id = c.encounter_id"
    ).fetchone()
    assert checked > 400 and bad == 0


def test_prescriptions_are_the_drug_lines_with_their_ddds(con) -> None:
    drug_lines = con.sql("SELECT count(*), sum(amount) FROM charge_items WHERE charge_kind = "
                         "'drug'").fetchone()  # fmt: skip
    rx = con.sql("SELECT count(*), sum(amount) FROM prescriptions").fetchone()
    assert drug_lines == rx
    wrong = con.sql(
        "SELECT count(*) FROM prescriptions p JOIN drug_master m USING (item_code) WHERE "
        "p.is_antimicrobial <> m.is_antimicrobial OR (m.is_antimicrobial AND "
        "abs(p.ddd_count - round(p.quantity * m.strength / m.ddd, 4)) > 1e-9)"
    ).fetchone()[0]
    assert wrong == 0


def test_planted_lines_are_the_only_ones_past_a_cap_or_after_discharge(con) -> None:
    truth: dict[str, set[str]] = defaultdict(set)
    for rule, key in con.sql("SELECT rule_id, row_key FROM planted_anomalies").fetchall():
        truth[rule].add(key.removeprefix("charge_items:"))
    assert all(truth[r] for r in ("duplicate_charge", "price_above_catalogue",
                                  "quantity_beyond_day", "charge_after_discharge",
                                  "operating_room_add_on"))  # fmt: skip
    over = con.sql(
        "SELECT c.charge_id FROM charge_items c JOIN service_prices p USING (item_code) WHERE "
        "p.max_per_day IS NOT NULL AND c.quantity > p.max_per_day"
    ).fetchall()
    assert {r[0] for r in over} <= truth["quantity_beyond_day"]
    after = con.sql(
        "SELECT c.charge_id FROM charge_items c JOIN discharges d ON d.discharge_id = "
        "c.encounter_id WHERE c.charge_date > d.discharge_date"
    ).fetchall()
    assert after and {r[0] for r in after} <= truth["charge_after_discharge"]
