"""Endpoints return what the services compute, with the error object and pagination."""

from __future__ import annotations

import csv
import io

from yigong.services import indicators as indicators_svc


def test_without_a_token_every_api_route_says_401_with_the_error_object(client):
    r = client.get("/api/v1/institutions")
    assert r.status_code == 401
    assert set(r.json()["error"]) == {"code", "message", "detail"}
    r = client.get("/api/v1/me", headers={"Authorization": "Bearer nonsense.token"})
    assert r.status_code == 401 and r.json()["error"]["code"] == "unauthorized"


def test_wrong_password(client):
    r = client.post(
        "/api/v1/auth/token", data={"username": "county", "password": "x", "grant_type": "password"}
    )
    assert r.status_code == 401 and r.json()["error"]["code"] == "bad_credentials"


def test_validation_errors_use_the_error_object(client, tokens):
    r = client.get("/api/v1/nodes/division:130423/indicators?period=24Q9", headers=tokens["county"])
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_request"
    r = client.get("/api/v1/nodes/nonsense/indicators?period=2024", headers=tokens["county"])
    assert r.status_code == 400 and r.json()["error"]["code"] == "bad_node"


def test_institutions_paginate(client, tokens):
    h = tokens["county"]
    full = client.get("/api/v1/institutions?limit=1000", headers=h).json()
    assert full["total"] == len(full["items"]) == 10
    page = client.get("/api/v1/institutions?limit=3&offset=3", headers=h).json()
    assert [i["institution_id"] for i in page["items"]] == [
        i["institution_id"] for i in full["items"][3:6]
    ]


def test_indicators_match_the_service(client, tokens, world):
    r = client.get(
        f"/api/v1/nodes/division:130423/indicators?period={world.period}", headers=tokens["county"]
    )
    assert r.status_code == 200
    got = {i["indicator"]: i for i in r.json()["items"]}
    want = indicators_svc.scorecard(world.settings.warehouse, "division:130423", world.period)
    assert want
    for w in (x.as_dict() for x in want):  # Decimals travel as strings
        assert got[w["indicator"]]["numerator"] == w["numerator"]
        assert got[w["indicator"]]["denominator"] == w["denominator"]
        assert got[w["indicator"]]["target"]["gap"] == w["target"]["gap"]


def test_explain_gives_rows(client, tokens, world):
    r = client.get(
        f"/api/v1/nodes/division:130423/indicators/C01/explain?period={world.period}&limit=3",
        headers=tokens["county"],
    )
    body = r.json()
    assert r.status_code == 200 and body["result"]["numerator"] > 0
    assert any(len(m["rows"]) == 3 for m in body["measures"])
    r = client.get(
        f"/api/v1/nodes/division:130423/indicators/NOPE/explain?period={world.period}",
        headers=tokens["county"],
    )
    assert r.status_code == 404


def test_casemix_cmi_is_weight_over_cases(client, tokens, world):
    r = client.get(
        f"/api/v1/casemix?node=division:130423&period={world.period}", headers=tokens["county"]
    )
    items = r.json()["items"]
    assert items
    for row in items:
        assert abs(float(row["weight_sum"]) / row["cases"] - row["cmi"]) < 1e-9


def test_data_value_sets_json_and_csv_agree(client, tokens, world):
    h, q = tokens["county"], f"node=division:130423&period={world.period}Q1"
    js = client.get(f"/api/v1/dataValueSets?{q}", headers=h).json()["dataValues"]
    text = client.get(f"/api/v1/dataValueSets?{q}&format=csv", headers=h).text
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows and len(rows) == len(js)
    assert {(r["dataelement"], r["period"], r["value"]) for r in rows} == {
        (v["dataElement"], v["period"], v["value"]) for v in js
    }
    assert all(v["period"] == f"{world.period}Q1" and v["orgUnit"] == "130423" for v in js)
    values = [v for v in js if "_" not in v["dataElement"]]  # C02 (not C02_N / C02_D)
    assert values and all("numerator=" in v["comment"] for v in values)
    assert set(js[0]) <= {"dataElement", "period", "orgUnit", "value", "comment"}  # no extras


def test_data_value_sets_adx_reads_back_to_the_same_values(client, tokens, world):
    from yigong.interop.dhis2.datavalues import read_adx
    from yigong.interop.dhis2.shapes import DataValueSet, check_adx

    h, q = tokens["county"], f"node=community:C1304231&period={world.period}"
    js = client.get(f"/api/v1/dataValueSets?{q}", headers=h).json()
    DataValueSet.model_validate(js)  # the shape of the DHIS2 Web API documentation
    r = client.get(f"/api/v1/dataValueSets?{q}&format=adx", headers=h)
    assert r.headers["content-type"].startswith("application/adx+xml")
    assert check_adx(r.text) == []
    back = {(v.data_element, v.period, v.org_unit): v.value for v in read_adx(r.text)}
    assert back == {
        (v["dataElement"], v["period"], v["orgUnit"]): v["value"] for v in js["dataValues"]
    }


def test_quarantine_detail_only_for_the_whole_warehouse(client, tokens):
    full = client.get("/api/v1/quarantine", headers=tokens["county"]).json()
    assert full["detailed"] and full["total"] > 0 and "reason" in full["items"][0]
    counts = client.get("/api/v1/quarantine", headers=tokens["town"]).json()
    assert not counts["detailed"] and sum(i["errors"] for i in counts["items"]) == full["total"]


def test_export_csv_is_scoped(client, tokens):
    r = client.get("/api/v1/export/institutions.csv", headers=tokens["town"])
    rows = list(csv.DictReader(io.StringIO(r.text.lstrip("\ufeff"))))
    assert [row["institution_id"] for row in rows] == ["H13042300100"]
    assert client.get("/api/v1/export/persons.csv", headers=tokens["town"]).status_code == 404


def test_export_xlsx_has_the_csv_rows(client, tokens):
    from openpyxl import load_workbook

    h = tokens["town"]
    text = client.get("/api/v1/export/discharges.csv", headers=h).text.lstrip("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text)))
    r = client.get("/api/v1/export/discharges.xlsx", headers=h)
    assert r.status_code == 200 and "spreadsheetml" in r.headers["content-type"]
    sheet = load_workbook(io.BytesIO(r.content), read_only=True).worksheets[0]
    got = list(sheet.iter_rows(values_only=True))
    assert list(got[0]) == list(rows[0]) and len(got) - 1 == len(rows) > 0
    assert {g[0] for g in got[1:]} == {row["discharge_id"] for row in rows}


def test_scorecard_groups_every_applicable_indicator(client, tokens, world):
    h = tokens["county"]
    r = client.get(f"/api/v1/nodes/division:130423/scorecard?period={world.period}", headers=h)
    assert r.status_code == 200
    body = r.json()
    keys = [g["key"] for g in body["groups"]]
    assert keys[0] == "targets" and "tertiary-appraisal" in keys and "health-statistics" in keys
    targets = {i["indicator"] for i in body["groups"][0]["items"]}
    want = indicators_svc.scorecard(world.settings.warehouse, "division:130423", world.period)
    assert targets == {w.indicator for w in want}  # the targets first, as the CLI lists them
    shown = [i["indicator"] for g in body["groups"] for i in g["items"]]
    na = {i["indicator"]: i for i in body["not_applicable"]}
    assert len(shown) == len(set(shown)) == body["counts"]["applicable"]
    assert len(shown) + len(na) == body["counts"]["indicators"]
    assert "P18" in na and na["P18"]["note_zh"] and na["P18"]["value"] is None
    r = client.get(
        f"/api/v1/nodes/division:130423/scorecard?period={world.period}&q=T04", headers=h
    )
    found = [i["indicator"] for g in r.json()["groups"] for i in g["items"]]
    assert found == ["T04"]
