"""DHIS2 exchange of the tiny county: the metadata and data values fit the shapes of the DHIS2
developer manual (docs.dhis2.org, Web API → "Metadata" and "Data": *Sending bulks of data
values*, *Identifier schemes*, *CSV data value format*, *ADX data format*; restated in
`yigong.interop.dhis2.shapes`), and a round trip reads every value back, by code, in JSON, CSV
and ADX."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest

from yigong.interop.dhis2 import datavalues as dv
from yigong.interop.dhis2.codes import uid
from yigong.interop.dhis2.shapes import CsvRow, DataValueSet, Metadata, check_adx


@pytest.fixture(scope="module")
def export(tiny, tmp_path_factory):
    from yigong.services.dhis2 import export_dhis2, export_nodes

    db, _, year = tiny
    nodes = export_nodes(db)
    folder = tmp_path_factory.mktemp("dhis2")
    done = export_dhis2(db, folder, year, nodes)
    return done, folder, nodes


def _files(folder):
    return (
        json.loads((folder / "metadata.json").read_text(encoding="utf-8")),
        json.loads((folder / "dataValueSet.json").read_text(encoding="utf-8")),
        (folder / "dataValueSet.csv").read_text(encoding="utf-8"),
        (folder / "dataValueSet.adx.xml").read_text(encoding="utf-8"),
    )


def test_the_export_checks_itself_and_covers_every_node(export):
    done, folder, nodes = export
    assert done.problems == [] and done.values > 0
    _, values, _, _ = _files(folder)
    units = {v["orgUnit"] for v in values["dataValues"]}
    assert units == {n.partition(":")[2] for n in nodes}  # county, community, institutions


def test_payloads_fit_the_documented_shapes(export):
    _, folder, _ = export
    meta, values, text, adx = _files(folder)
    Metadata.model_validate(meta)
    DataValueSet.model_validate(values)
    for row in csv.DictReader(io.StringIO(text)):
        CsvRow.model_validate(row)
    assert check_adx(adx) == []


def test_the_shapes_refuse_what_dhis2_does_not_define(export):
    _, folder, _ = export
    _, values, _, _ = _files(folder)
    with pytest.raises(ValueError, match="skipped"):
        DataValueSet.model_validate({**values, "skipped": []})  # the old export's extra key
    bad = json.loads(json.dumps(values))
    bad["dataValues"][0]["period"] = "2024-01"
    with pytest.raises(ValueError, match="period"):
        DataValueSet.model_validate(bad)
    assert check_adx('<adx xmlns="urn:ihe:qrph:adx:2015"><group orgUnit="x"/></adx>')


def test_the_metadata_is_one_consistent_tree_with_the_community_hierarchy(export, tiny):
    _, folder, _ = export
    meta, _, _, _ = _files(folder)
    units = {u["id"]: u for u in meta["organisationUnits"]}
    codes = {u["code"] for u in units.values()}
    assert len(codes) == len(units)
    for u in units.values():
        assert re.fullmatch(r"[A-Za-z][A-Za-z0-9]{10}", u["id"])
        assert u["openingDate"]
        if "parent" in u:
            assert u["parent"]["id"] in units, u["code"]
    assert {"130423", "C1304231", "H13042300001"} <= codes
    by_code = {u["code"]: u for u in units.values()}
    assert by_code["C1304231"]["parent"]["id"] == by_code["130423"]["id"]  # under its county
    assert by_code["H13042300001"]["translations"] == [] or all(
        t["locale"] == "en" for t in by_code["H13042300001"]["translations"]
    )
    (group,) = meta["organisationUnitGroups"]
    db, _, _ = tiny
    from yigong.warehouse.backends.duckdb import DuckDBWarehouse

    with DuckDBWarehouse(db) as wh:
        members = {
            r[0]
            for r in wh.duck.execute(
                "SELECT institution_id FROM community_memberships WHERE community_id='C1304231'"
            ).fetchall()
        }
    assert {m["id"] for m in group["organisationUnits"]} == {
        by_code[m]["id"] for m in members
    } and members
    assert meta["organisationUnitGroupSets"][0]["organisationUnitGroups"] == [{"id": group["id"]}]


def test_data_elements_indicators_and_data_sets_reference_each_other(export):
    _, folder, _ = export
    meta, values, _, _ = _files(folder)
    des = {d["id"]: d for d in meta["dataElements"]}
    assert des["" + uid("dataElement", "C01")]["code"] == "C01"
    assert all(d["valueType"] == "NUMBER" and d["aggregationType"] == "NONE" for d in des.values())
    zh_en = des[uid("dataElement", "C01")]
    assert (
        re.search(r"[\u4e00-\u9fff]", zh_en["name"]) and zh_en["translations"][0]["locale"] == "en"
    )
    types = {t["id"]: t for t in meta["indicatorTypes"]}
    for ind in meta["indicators"]:
        refs = re.findall(r"#\{(\w+)\}", ind["numerator"] + ind["denominator"])
        assert refs and all(r in des for r in refs), ind["code"]
        assert ind["indicatorType"]["id"] in types
    c01 = next(i for i in meta["indicators"] if i["code"] == "C01_IND")
    assert types[c01["indicatorType"]["id"]]["factor"] == 100
    assert {s["periodType"] for s in meta["dataSets"]} == {"Yearly", "Quarterly", "Monthly"}
    for s in meta["dataSets"]:
        assert all(e["dataElement"]["id"] in des for e in s["dataSetElements"])
    codes = {d["code"] for d in des.values()}
    assert {v["dataElement"] for v in values["dataValues"]} <= codes


def test_round_trip_finds_every_value_in_every_format(export, tiny):
    _, folder, nodes = export
    meta, values, text, adx = _files(folder)
    db, _, year = tiny
    from yigong.services import indicators as indicators_svc

    expected = {}
    for node in nodes[:2]:  # the county and the community, from the engine directly
        for r in indicators_svc.compute(db, node, year, compare=False).results:
            if r.value is not None:
                ou = node.partition(":")[2]
                # the value as published: rounded to the indicator's decimals
                places = r.decimals if r.decimals is not None else 2
                expected[(r.indicator, year, ou)] = round(float(r.value), places)
                expected[(f"{r.indicator}_N", year, ou)] = float(r.numerator)
                if r.denominator is not None:
                    expected[(f"{r.indicator}_D", year, ou)] = float(r.denominator)
    assert expected
    for back in (dv.read_json(values), dv.read_csv(text), dv.read_adx(adx)):
        got = {v.key: float(v.value) for v in back}
        for key, value in expected.items():
            assert key in got, key
            assert got[key] == pytest.approx(value, abs=0.006), key
        assert len(back) == len(values["dataValues"])


@pytest.mark.parametrize(
    ("code", "adx"),
    [("2024", "2024-01-01/P1Y"), ("2024Q3", "2024-07-01/P3M"), ("202412", "2024-12-01/P1M")],
)
def test_adx_periods_are_iso_8601_start_and_duration(code, adx):
    assert dv.adx_period(code) == adx
    assert dv._dhis_period(adx) == code
