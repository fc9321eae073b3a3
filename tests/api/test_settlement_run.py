"""The global-budget run in the cockpit: ledger lines (filters, pages, scope), a line explained
exactly as `yigong settle explain` explains it, and the communities' monthly statements with
their CSV and XLSX downloads. The tiny county settles under a one-year policy (`settled_app`)."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

import pytest
from typer.testing import CliRunner

from yigong.access.views import settlement
from yigong.cli.main import app as cli
from yigong.payment.statements import COLUMNS

COUNTY, YEAR = "130423", 2024
BASE = f"county={COUNTY}&year={YEAR}"


def _get(client, tokens, user: str, url: str, status: int = 200):
    r = client.get(url, headers=tokens[user])
    assert r.status_code == status, (user, url, r.status_code, r.text[:300])
    return r


def _all_lines(client, tokens, user: str, query: str = "") -> list[dict]:
    first = _get(client, tokens, user, f"/api/v1/settlement/ledger?{BASE}{query}").json()
    assert first["error"] is None, first["error"]
    items, page = list(first["items"]), 1
    while len(items) < first["total"]:
        page += 1
        more = _get(
            client, tokens, user, f"/api/v1/settlement/ledger?{BASE}{query}&page={page}"
        ).json()["items"]
        assert more, "a page came back empty before the total was reached"
        items += more
    assert len(items) == first["total"]
    return items


def _run_dir(app):
    return app.state.yigong.settings.runs_path / f"budget-{COUNTY}-{YEAR}"


def test_the_county_sees_every_line_of_the_run_and_it_balances(settled_app, client, tokens):
    lines = _all_lines(client, tokens, "county")
    on_disk = list(
        csv.DictReader(
            io.StringIO((_run_dir(settled_app) / "ledger.csv").read_text(encoding="utf-8"))
        )
    )
    assert [ln["line_id"] for ln in lines] == [r["line_id"] for r in on_disk]
    assert sum(Decimal(ln["amount"]) for ln in lines) == 0  # double entry
    assert "inputs" not in lines[0]
    # out-of-county providers are accounts of the run, not institutions of the warehouse
    assert any(ln["account"].startswith("external:out_of_county:H") for ln in lines)


def test_institutions_outside_the_scope_are_masked_everywhere_in_a_line():
    from yigong.access.redact import Redactor

    mask = Redactor(frozenset({"H2", "某医院"}))
    view = settlement._View(False, frozenset({"C1"}), frozenset({"H1"}))
    line = {
        "account": "fund:quota:C1",
        "counterparty": "external:out_of_county:H2",
        "inputs": {"institution": "H2", "name": "某医院", "other": "H1"},
    }
    assert mask(line) == {
        "account": "fund:quota:C1",
        "counterparty": "external:out_of_county:(outside scope)",
        "inputs": {"institution": "(outside scope)", "name": "(outside scope)", "other": "H1"},
    }
    assert view.line_visible({"account": "institution:H1"})
    assert not view.line_visible({"account": "institution:H2"})
    assert not view.line_visible({"account": "fund:pool"})
    assert not view.line_visible({"account": "community:C2"})


def test_the_run_is_computed_by_a_post_and_audited(settled_app, client, tokens):
    before = len(settled_app.state.yigong.users.audit_rows())
    for user in ("county", "auditor", "office"):
        _get(client, tokens, user, f"/api/v1/settlement/ledger?{BASE}")  # reading runs nothing
    assert not [
        a
        for a in settled_app.state.yigong.users.audit_rows()[before:]
        if a["action"].startswith("settlement.run")
    ]
    rows = [
        json.loads(a["detail"])
        for a in settled_app.state.yigong.users.audit_rows()
        if a["action"] == "settlement.run"
    ]
    run = json.loads((_run_dir(settled_app) / "run.json").read_text(encoding="utf-8"))
    assert any(
        r["run_dir"] == str(_run_dir(settled_app))
        and r["county"] == COUNTY
        and r["inputs_sha256"] == run["inputs_sha256"]
        for r in rows
    )
    assert {
        a["actor"]
        for a in settled_app.state.yigong.users.audit_rows()
        if a["action"] == "settlement.run"
    } <= {"bureau"}
    for user in ("county", "auditor", "office", "town"):  # only the insurance bureau computes
        r = client.post(
            "/api/v1/settlement/runs",
            headers=tokens[user],
            json={"action": "settlement.run", "county": COUNTY, "year": YEAR},
        )
        assert r.status_code == 403 and r.json()["error"]["code"] == "not_permitted", user


def test_the_budget_page_shows_the_same_run(settled_app, client, tokens):
    from yigong.services.settlement import settlement_section

    state = settled_app.state.yigong
    body = _get(client, tokens, "county", f"/api/v1/settlement/budget?{BASE}").json()
    with state.tables() as wh:
        shown = [
            {k: v for k, v in r.items() if k not in ("community_id", "name")} for r in body["items"]
        ]
        assert shown == settlement_section(wh, COUNTY, YEAR, state.settings.settlement_policy)
    totals = body["totals"]  # the county total: every money column summed, exactly
    assert totals["quota"] == str(sum(Decimal(r["quota"]) for r in body["items"]))
    assert body["status"] == "ready" and body["run"]["computed_at"]


def test_ledger_filters_and_pages(settled_app, client, tokens):
    march = _all_lines(client, tokens, "county", "&month=2024-03")
    assert march and {ln["period"] for ln in march} == {"2024-03"}
    fund = _all_lines(client, tokens, "county", "&account=fund:")
    assert fund and all(ln["account"].startswith("fund:") for ln in fund)
    mine = _all_lines(client, tokens, "county", "&community=C1304231&month=2024-YE")
    assert mine and all(
        ln["account"] in ("community:C1304231", "fund:quota:C1304231", "fund:withheld:C1304231")
        for ln in mine
    )
    p1 = _get(client, tokens, "county", f"/api/v1/settlement/ledger?{BASE}").json()
    p2 = _get(client, tokens, "county", f"/api/v1/settlement/ledger?{BASE}&page=2").json()
    assert len(p1["items"]) == p1["page_size"] == 50
    assert p2["items"][0]["line_id"] == "L0000051"
    _get(client, tokens, "county", f"/api/v1/settlement/ledger?{BASE}&month=2024-13", 422)


def test_a_line_is_explained_as_settle_explain_does(settled_app, client, tokens):
    lines = _all_lines(client, tokens, "county", "&account=institution:")
    line = lines[0]["line_id"]
    api = _get(client, tokens, "county", f"/api/v1/settlement/ledger/{line}?{BASE}").json()
    out = CliRunner().invoke(cli, ["settle", "explain", line, "--run", str(_run_dir(settled_app))])
    assert out.exit_code == 0, out.output
    cli_says = json.loads(out.output)
    assert {k: api[k] for k in cli_says} == cli_says
    assert api["rule"]["formula"] and api["inputs"]
    twin = _get(client, tokens, "county", f"/settlement/ledger/{line}?{BASE}&format=json").json()
    assert {k: twin[k] for k in api} == api
    page = _get(client, tokens, "county", f"/settlement/ledger/{line}?{BASE}").text
    assert api["rule"]["id"] in page and 'id="explain-inputs"' in page


def test_the_community_office_sees_its_own_accounts_only(settled_app, client, tokens):
    office = _all_lines(client, tokens, "office")
    county = _all_lines(client, tokens, "county")
    assert 0 < len(office) < len(county)
    for ln in office:
        assert ln["account"] in (
            "community:C1304231",
            "fund:quota:C1304231",
            "fund:withheld:C1304231",
        ) or ln["account"].startswith("institution:H130423"), ln
    hidden = next(ln["line_id"] for ln in county if ln["account"] == "fund:pool")
    r = _get(client, tokens, "office", f"/api/v1/settlement/ledger/{hidden}?{BASE}", 403)
    assert r.json()["error"]["code"] == "outside_scope"
    missing = _get(client, tokens, "office", f"/api/v1/settlement/ledger/L9999999?{BASE}", 403)
    assert (
        missing.json()["error"]["message"].replace("L9999999", hidden)
        == r.json()["error"]["message"]
    )  # unknown and hidden lines are refused alike


@pytest.mark.parametrize("user", ["town", "village", "elsewhere"])
def test_users_without_a_community_of_the_county_are_refused(settled_app, client, tokens, user):
    for url in (
        f"/api/v1/settlement/ledger?{BASE}",
        f"/api/v1/settlement/ledger/L0000001?{BASE}",
        f"/api/v1/settlement/statements?{BASE}",
        f"/api/v1/settlement/statements.csv?{BASE}&community=C1304231",
    ):
        r = _get(client, tokens, user, url, 403)
        assert r.json()["error"]["code"] == "outside_scope"


def test_without_history_the_ledger_shows_the_engines_message(client, tokens):
    r = client.post(
        "/api/v1/settlement/runs",
        headers=tokens["bureau"],
        json={"action": "settlement.run", "county": COUNTY, "year": YEAR},
    )
    assert r.status_code == 200 and r.json()["status"] == "refused"
    body = _get(client, tokens, "county", f"/api/v1/settlement/ledger?{BASE}").json()
    assert body["items"] == [] and "history" in body["error"]  # the shipped policy: 3 years


def test_statements_add_up_and_match_the_run(settled_app, client, tokens):
    body = _get(client, tokens, "county", f"/api/v1/settlement/statements?{BASE}").json()
    (st,) = body["statements"]
    assert st["community_id"] == "C1304231" and st["name"]
    assert [r["period"] for r in st["rows"]] == [f"2024-{m:02d}" for m in range(1, 13)] + [
        "2024-YE"
    ]
    rows = st["rows"]
    for before, after in zip(rows, rows[1:], strict=False):
        assert after["opening"] == before["closing"]
    for r in rows:  # each month: closing = opening + the movements on the community's account
        assert Decimal(r["closing"]) == Decimal(r["opening"]) + sum(Decimal(r[c]) for c in COLUMNS)
    tot = st["totals"]
    assert Decimal(tot["closing"]) == Decimal(tot["opening"]) + sum(
        Decimal(tot[c]) for c in COLUMNS
    )
    assert tot["prepaid"] == str(sum(Decimal(r["prepaid"]) for r in rows))
    on_disk = list(
        csv.DictReader(
            io.StringIO((_run_dir(settled_app) / "statements.csv").read_text(encoding="utf-8"))
        )
    )
    assert rows == on_disk
    office = _get(client, tokens, "office", f"/api/v1/settlement/statements?{BASE}").json()
    assert office["statements"] == body["statements"]
    r = _get(
        client, tokens, "office", f"/api/v1/settlement/statements?{BASE}&community=C1304239", 403
    )
    assert r.json()["error"]["code"] == "outside_scope"


def test_statement_downloads_hold_the_same_figures(settled_app, client, tokens):
    from openpyxl import load_workbook

    (st,) = _get(
        client, tokens, "office", f"/api/v1/settlement/statements?{BASE}&community=C1304231"
    ).json()["statements"]
    r = _get(
        client, tokens, "office", f"/api/v1/settlement/statements.csv?{BASE}&community=C1304231"
    )
    assert r.text.startswith("\ufeff") and "attachment" in r.headers["content-disposition"]
    table = list(csv.DictReader(io.StringIO(r.text.lstrip("\ufeff"))))
    assert [t["period"] for t in table] == [x["period"] for x in st["rows"]] + ["total"]
    assert table[-1]["closing"] == st["totals"]["closing"]
    assert table[3]["claims_paid"] == st["rows"][3]["claims_paid"]
    x = _get(
        client, tokens, "office", f"/api/v1/settlement/statements.xlsx?{BASE}&community=C1304231"
    )
    ws = load_workbook(io.BytesIO(x.content), read_only=True).worksheets[0]
    cells = [list(row) for row in ws.iter_rows(values_only=True)]
    header, body = cells[1], cells[2:]
    assert header[0] == "period" and [b[0] for b in body] == [t["period"] for t in table]
    col = header.index("closing")
    assert Decimal(str(body[-1][col])) == Decimal(st["totals"]["closing"])


def test_pages_and_twins(settled_app, client, tokens):
    for path, marker in (
        ("/settlement/ledger", 'id="ledger"'),
        ("/settlement/statements", 'class="statement-table"'),
    ):
        page = _get(client, tokens, "county", f"{path}?{BASE}")
        assert marker in page.text and "(outside scope)" not in page.text.split("<main>")[0]
        twin = _get(client, tokens, "county", f"{path}?{BASE}&format=json").json()
        assert twin["county"] == COUNTY and twin["error"] is None
    led = _get(client, tokens, "county", f"/settlement/ledger?{BASE}&month=2024-02&page=1")
    assert led.text.count('class="explain"') == min(
        50,
        _get(client, tokens, "county", f"/api/v1/settlement/ledger?{BASE}&month=2024-02").json()[
            "total"
        ],
    )
