"""Node resolution on the hand-made county of tests/indicators/world.py."""

from __future__ import annotations

from datetime import date

import pytest

from tests.indicators import world
from yigong.warehouse.hierarchy import (
    Node,
    NodeKind,
    UnknownNode,
    division_prefix,
    parse_node,
    resolve,
)


@pytest.fixture(scope="module")
def wh():
    return world.build()


def ids(resolved) -> set[str]:
    return {r["institution_id"] for r in resolved.institutions.to_pyarrow().to_pylist()}


def test_parse_node():
    assert parse_node("inst:H1") == Node(NodeKind.INSTITUTION, "H1")
    assert parse_node("institution:H1") == Node(NodeKind.INSTITUTION, "H1")
    assert parse_node("community:C1") == Node(NodeKind.COMMUNITY, "C1")
    assert parse_node("division:410101") == Node(NodeKind.DIVISION, "410101")
    assert parse_node("410101001") == Node(NodeKind.DIVISION, "410101001")
    assert str(parse_node("inst:H1")) == "inst:H1"
    for bad in ("H1", "foo:H1", "inst:", "12345"):
        with pytest.raises(ValueError):
            parse_node(bad)


def test_division_prefix():
    assert division_prefix("410000") == "41"
    assert division_prefix("410100") == "4101"
    assert division_prefix("410101") == "410101"
    assert division_prefix("410101001") == "410101001"
    assert division_prefix("410100", "county") == "410100"  # the level wins when known


def test_community_membership_as_of(wh):
    # P1 joins on 2024-07-01: not a member at the end of March, a member at year end
    assert ids(resolve(wh, parse_node("community:C1"), date(2024, 3, 31))) == {
        "H1",
        "H2",
        "T1",
        "V1",
    }
    assert ids(resolve(wh, parse_node("community:C1"), date(2024, 12, 31))) == {
        "H1",
        "H2",
        "T1",
        "V1",
        "P1",
    }


def test_divisions_nest_by_prefix(wh):
    on = date(2024, 12, 31)
    assert ids(resolve(wh, parse_node("410101"), on)) == {"H1", "H2", "T1", "V1", "P1"}
    assert ids(resolve(wh, parse_node("410100"), on)) == {"H1", "H2", "T1", "V1", "P1", "B1"}
    assert ids(resolve(wh, parse_node("410000"), on)) == {"H1", "H2", "T1", "V1", "P1", "B1"}
    assert ids(resolve(wh, parse_node("410101001"), on)) == {"T1", "V1"}
    assert ids(resolve(wh, parse_node("410101001001"), on)) == {"V1"}


def test_areas(wh):
    on = date(2024, 12, 31)
    com = resolve(wh, parse_node("community:C1"), on)
    assert com.area is not None and com.area.codes == ("410101",)
    city = resolve(wh, parse_node("410100"), on)
    assert city.area is not None and city.area.prefixes == ("4101",)
    inst = resolve(wh, parse_node("inst:H1"), on)
    assert inst.area is None and ids(inst) == {"H1"}


def test_unknown_nodes(wh):
    on = date(2024, 12, 31)
    for text in ("inst:NOPE", "community:C9", "division:999999"):
        with pytest.raises(UnknownNode):
            resolve(wh, parse_node(text), on)
    with pytest.raises(UnknownNode):  # before the division's validity
        resolve(wh, parse_node("410101"), date(1999, 1, 1))


def test_division_rank(wh):
    import ibis

    from yigong.warehouse.hierarchy import division_rank

    codes = ["410000", "410100", "410101", "410101001", "410101001001"]
    t = ibis.memtable({"c": codes})
    ranks = t.select(r=division_rank(t.c)).to_pyarrow().column("r").to_pylist()
    assert ranks == [0, 1, 2, 3, 4]
