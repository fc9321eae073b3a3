"""Hospital operations through the API and the cockpit: what the services compute, scoped to
the user, Chinese pages in Chinese, every report as a workbook."""

from __future__ import annotations

import io
import re

from openpyxl import load_workbook

from tests.api.world import COUNTY

YEAR = "2024"


def test_drg_pnl_reconciles_and_lists_the_worst_groups(client, tokens):
    r = client.get(f"/api/v1/operations/drg-pnl?node=division:{COUNTY}&year={YEAR}",
                   headers=tokens["county"])  # fmt: skip
    data = r.json()
    assert r.status_code == 200 and data["reconciled"] is True
    assert data["rows"] and data["counties"] == [COUNTY]
    assert len(data["worst"]) <= 5
    assert all(row["profit"].startswith("-") for row in data["worst"])
    assert data["institution"] == "H13042300001"  # the county general hospital by default


def test_an_institution_sees_only_its_own_rows(client, tokens):
    h = tokens["town"]
    node = "inst:H13042300100"
    budget = client.get(f"/api/v1/operations/budget?node={node}&year={YEAR}", headers=h).json()
    assert budget["lines"] and {x["institution_id"] for x in budget["lines"]} == {"H13042300100"}
    pnl = client.get(f"/api/v1/operations/drg-pnl?node={node}&year={YEAR}&by=department",
                     headers=h).json()  # fmt: skip
    assert {x["institution_id"] for x in pnl["rows"]} <= {"H13042300100"}
    costs = client.get(f"/api/v1/operations/costs?node={node}&year={YEAR}", headers=h).json()
    assert costs["conserved"] and {d["institution_id"] for d in costs["departments"]} == {
        "H13042300100"}  # fmt: skip


def test_the_community_budget_is_consolidated(client, tokens):
    r = client.get(f"/api/v1/operations/budget?node=community:C1304231&year={YEAR}",
                   headers=tokens["office"]).json()  # fmt: skip
    assert r["consolidated"][-1]["account"] == "balance"
    assert r["consolidated"][0]["institutions"] >= 1


def test_chinese_pages_are_chinese(client, tokens):
    client.cookies.clear()
    h = tokens["county"]
    for page in ("budget", "costs", "drg-pnl", "pay-checks"):
        html = client.get(f"/operations/{page}?node=division:{COUNTY}&year={YEAR}", headers=h).text
        body = html.split("<main>", 1)[1]
        text = re.sub(r"<[^>]+>|&[a-z]+;", " ", body)
        for raw in ("township_incentive", "family_doctor", "expense_", "revenue_", "None",
                    "administrative", "medical_support", "bed_day", "warn", "cumulative"):  # fmt: skip
            assert raw not in text, (page, raw)
    pay = client.get(f"/operations/pay-checks?node=division:{COUNTY}&year={YEAR}", headers=h).text
    assert "家庭医生签约服务费用于团队分配比例" in pay and "未达标" in pay


def test_json_twins_and_workbooks(client, tokens):
    h = tokens["county"]
    twin = client.get(f"/operations/costs?node=division:{COUNTY}&year={YEAR}&format=json",
                      headers=h).json()  # fmt: skip
    api = client.get(f"/api/v1/operations/costs?node=division:{COUNTY}&year={YEAR}",
                     headers=h).json()  # fmt: skip
    assert twin == api
    r = client.get(f"/api/v1/operations/budget.xlsx?node=division:{COUNTY}&year={YEAR}", headers=h)
    assert r.status_code == 200
    assert load_workbook(io.BytesIO(r.content)).sheetnames == ["lines", "alerts", "trail",
                                                               "consolidated"]  # fmt: skip
