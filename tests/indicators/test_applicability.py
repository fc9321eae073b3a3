"""Every indicator × every node level of a synthetic county (the tiny preset through the whole
demo pipeline, DRG case facts included): ``not_applicable`` exactly where the declarations
say, with a reason in both languages and never a value; a value (or a stated reason why
not) everywhere else."""

from __future__ import annotations

import pytest

from yigong.indicators.applicability import institution_types
from yigong.indicators.evaluate import Status, evaluate
from yigong.indicators.periods import parse_period
from yigong.indicators.spec import NodeLevel
from yigong.services.demo import run_demo
from yigong.services.indicators import catalog
from yigong.warehouse.backends.duckdb import DuckDBWarehouse
from yigong.warehouse.hierarchy import parse_node

PERIOD = "2024"
#: applicable here but legitimately without a value in the tiny county (the reason is said)
NO_VALUE_AT_COUNTY = {
    "P16": "the county has no tertiary public hospital (0 of 0)",
}


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    root = tmp_path_factory.mktemp("tiny-walk")
    result = run_demo(root / "demo", preset="tiny", seed=11, dirty_share=0.0, say=lambda _: None)
    wh = DuckDBWarehouse(result.db)
    yield wh
    wh.close()


def _nodes(wh: DuckDBWarehouse) -> dict[str, tuple[NodeLevel, str | None]]:
    """One node per level and one institution per type present: node -> (level, type)."""
    out: dict[str, tuple[NodeLevel, str | None]] = {}
    for code, level in wh.duck.execute(
        "SELECT division_code, level FROM admin_divisions ORDER BY division_code"
    ).fetchall():
        node = f"division:{code}"
        if not any(lv == NodeLevel(level) for lv, _ in out.values()):
            out[node] = (NodeLevel(level), None)
    (community,) = wh.duck.execute("SELECT min(community_id) FROM communities").fetchone()
    out[f"community:{community}"] = (NodeLevel.COMMUNITY, None)
    for inst, kind in wh.duck.execute(
        "SELECT min(institution_id), institution_type FROM institutions GROUP BY 2"
    ).fetchall():
        out[f"inst:{inst}"] = (NodeLevel.INSTITUTION, kind)
    return out


def test_the_walk_covers_every_level(tiny):
    levels = {lv for lv, _ in _nodes(tiny).values()}
    assert levels == {
        NodeLevel.PROVINCE,
        NodeLevel.CITY,
        NodeLevel.COUNTY,
        NodeLevel.TOWNSHIP,
        NodeLevel.VILLAGE,
        NodeLevel.COMMUNITY,
        NodeLevel.INSTITUTION,
    }
    kinds = {k for _, k in _nodes(tiny).values() if k}
    assert {"county_general", "township_centre", "village_clinic"} <= kinds


def test_every_indicator_at_every_level(tiny):
    cat = catalog()
    period = parse_period(PERIOD)
    checked = 0
    for node, (level, kind) in _nodes(tiny).items():
        ev = evaluate(tiny, cat, parse_node(node), period, compare=False, targets=False)
        for r in ev.results:
            ind = cat.indicator(r.indicator)
            types = institution_types(ind, cat)
            expected = level in ind.node_levels and (
                level is not NodeLevel.INSTITUTION or not types or kind in types
            )
            where = f"{r.indicator} at {node}"
            if not expected:
                assert r.status is Status.NOT_APPLICABLE, where
                assert r.value is None and r.numerator is None, where
                assert r.note and r.note_zh, where
            else:
                assert r.status is not Status.NOT_APPLICABLE, (where, r.note)
                if r.status is Status.OK:
                    assert r.value is not None, where
                else:
                    assert r.value is None and r.note, where
            checked += 1
    assert checked == len(cat.indicators) * len(_nodes(tiny))


def test_the_county_has_a_value_for_every_applicable_indicator(tiny):
    """The synthetic county carries what every applicable indicator needs: health checks,
    operation categories, township populations, DRG case facts with low-risk groups."""
    (county,) = tiny.duck.execute("SELECT min(county_code) FROM communities").fetchone()
    ev = evaluate(tiny, catalog(), parse_node(f"division:{county}"), parse_period(PERIOD))
    missing = {
        r.indicator: r.note
        for r in ev.results
        if r.status is not Status.NOT_APPLICABLE and r.status is not Status.OK
    }
    assert missing.keys() == NO_VALUE_AT_COUNTY.keys(), missing
    got = {r.indicator: r for r in ev.results}
    assert got["H10"].value > 0  # health checks, counted apart
    assert got["T14"].denominator > 0  # discharges in the reference's low-risk DRGs
    assert 0 < got["T04"].value < 100 and got["D1"].value > 0
