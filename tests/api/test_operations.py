"""Hospital operations through the API and the cockpit: what the services compute, scoped to
the user, Chinese pages in Chinese, every report as a workbook."""

from __future__ import annotations

import io
import re
from decimal import Decimal

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
        body = html.split('<main id="main">', 1)[1]
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


def test_one_excel_link_per_table_on_the_operations_pages(client, tokens):
    """Each table links its own CSV and Excel file once; no second, untranslated workbook
    of the API next to them (it said 下载Excel too)."""
    client.cookies.clear()
    for page in ("budget", "costs", "drg-pnl", "pay-checks"):
        html = client.get(f"/operations/{page}?node=division:{COUNTY}&year={YEAR}",
                          headers=tokens["county"]).text  # fmt: skip
        excel = re.findall(r"<a [^>]*>下载 ?Excel</a>", html)
        tables = re.findall(r'class="export-xlsx" data-table="([^"]+)"', html)
        assert excel and len(excel) == len(tables) == len(set(tables)), (page, excel)
        assert "/api/v1/operations/" not in html, page


def test_the_budget_page_sums_up_first_then_filters_and_pages_the_lines(client, tokens):
    """The page a phone can read: per-institution summary and total first, the lines a page
    at a time, the first alerts (警报 first) and adjustment steps; the JSON twin is this same
    view, the downloads hold every filtered row."""
    from yigong.access.views.operations import BUDGET_PAGE, BUDGET_TOP

    h = tokens["county"]
    base = f"/operations/budget?node=division:{COUNTY}&year={YEAR}"
    api = client.get(f"/api/v1/operations/budget?node=division:{COUNTY}&year={YEAR}",
                     headers=h).json()  # fmt: skip
    page = client.get(f"{base}&format=json", headers=h).json()
    n = len(api["lines"])
    assert n > BUDGET_PAGE  # the tiny county has more lines than a page
    assert page["lines_total"] == n and page["lines"] == api["lines"][:BUDGET_PAGE]
    assert page["pages"] == -(-n // BUDGET_PAGE) and page["page"] == 1
    assert sum(r["lines"] for r in page["summary"]) == page["total"]["lines"] == n
    executed = sum(Decimal(r["executed"]) for r in api["lines"])
    assert Decimal(page["total"]["executed"]) == executed
    assert sum(Decimal(r["executed"]) for r in page["summary"]) == executed
    assert page["alerts_total"] == len(api["alerts"])
    assert len(page["alerts"]) == min(BUDGET_TOP, len(api["alerts"]))
    levels = [a["level"] for a in page["alerts"]]
    assert levels == sorted(levels, key=lambda x: x != "alert")
    assert page["total"]["alerts"] + page["total"]["warnings"] == len(api["alerts"])
    adjustments = [r for r in api["trail"] if r["what"] != "approved"]
    assert page["trail_total"] == len(adjustments) and len(page["trail"]) <= BUDGET_TOP
    second = client.get(f"{base}&page=2&format=json", headers=h).json()
    assert second["lines"] == api["lines"][BUDGET_PAGE : 2 * BUDGET_PAGE]
    # filtered: one institution's lines with an alert
    inst = next(r["institution_id"] for r in api["lines"] if r["alerts"])
    one = client.get(f"{base}&institution={inst}&alerts_only=true&format=json", headers=h).json()
    want = [r for r in api["lines"] if r["institution_id"] == inst and r["alerts"]]
    assert one["lines_total"] == len(want) and one["lines"] == want[:BUDGET_PAGE]
    assert {a["line_id"] for a in one["alerts"]} <= {r["line_id"] for r in want}
    assert one["summary"] == page["summary"]  # the summary is the whole node's
    # the filter form as a browser sends it: "whole year" and "all" are empty values
    form = f"{base}&through_month=&institution=&account=&alerts_only=true"
    assert client.get(form, headers=h).status_code == 200
    # the HTML: the summary before the lines, a pager, the long sections folded
    html = client.get(base, headers=h).text
    assert html.index('id="summary"') < html.index('id="lines"')
    assert html.count('<tr><th scope="row"><span class="id"') <= BUDGET_PAGE + BUDGET_TOP * 2
    assert 'id="next-page"' in html and '<details class="section" id="trail-section">' in html
    # the download of the lines holds every line, not the page
    xlsx = client.get(f"{base}&format=xlsx&table=lines", headers=h)
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet.max_row - 1 == n
