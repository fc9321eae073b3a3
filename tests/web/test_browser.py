"""The cockpit in a real browser: Debian's Chromium driven by Playwright.

login → overview → scorecard → indicator page → language switch, case mix, data quality, settlement (budget,
ledger → explain, statements), referrals, centres, contracts and the 403/404 pages, with
screenshots kept in ``artifacts/screenshots/``. Chromium comes from ``apt-get install chromium fonts-wqy-microhei``
(`scripts/ensure-system-deps.sh`); without it these tests fail, they never skip.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.api.world import PASSWORD

SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
TIMEOUT_MS = 20_000


@pytest.fixture()
def page(browser, live_server):  # noqa: ANN001, ANN201
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    context.set_default_timeout(TIMEOUT_MS)
    pg = context.new_page()
    pg.foreign = []  # requests that left the machine (the cockpit must work offline)
    pg.on(
        "request",
        lambda r: urlparse(r.url).hostname not in ("127.0.0.1", None) and pg.foreign.append(r.url),
    )
    pg.blocked = []  # what the Content-Security-Policy refused (the cockpit needs nothing of it)
    pg.on(
        "console",
        lambda m: "Content Security Policy" in m.text and pg.blocked.append(m.text),
    )
    yield pg
    context.close()
    assert pg.blocked == [], "the cockpit broke its own Content-Security-Policy"


def _shot(pg, name: str) -> None:  # noqa: ANN001
    SHOTS.mkdir(parents=True, exist_ok=True)
    pg.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _login(pg, base: str, user: str = "county") -> None:  # noqa: ANN001
    pg.goto(f"{base}/")
    pg.wait_for_selector("#login-form")
    pg.fill("#username", user)
    pg.fill("#password", PASSWORD)
    pg.click("#login-submit")


def test_login_scorecard_drilldown_and_language_switch(page, live_server, world):
    _login(page, live_server)
    page.wait_for_selector("#kpis li")  # lands on the overview
    page.click("#nav-indicators")
    page.wait_for_selector("#scorecard tbody tr")
    page.wait_for_selector("#chart[data-rendered='1']")  # ECharts, served from the package
    _shot(page, "01-scorecard-zh")
    assert "指标记分卡" in page.inner_text("#page-title")
    rows = page.locator("#scorecard tbody tr")
    assert rows.count() > 0
    lights = {
        page.locator("#scorecard tbody tr .light").nth(i).get_attribute("class")
        for i in range(rows.count())
    }
    assert lights <= {"light green", "light amber", "light red", "light grey"}
    # every other applicable indicator, grouped by catalog, and those not applicable apart
    groups = page.locator("table.scorecard-group")
    assert groups.count() >= 4
    assert page.locator("#group-tertiary-appraisal tr[data-indicator='T04']").count() == 1
    assert page.locator("#not-applicable tr[data-indicator='P18']").count() == 1
    assert page.locator("#group-tertiary-appraisal .proxy").count() > 0  # declared proxies
    page.fill("#search input[name='q']", "手术")
    page.click("#search button")
    page.wait_for_selector("#group-tertiary-appraisal")
    names = page.locator("table.scorecard-group tbody tr th").all_inner_texts()
    assert names and all("手术" in n for n in names)
    page.click("#nav-indicators")
    page.wait_for_selector("#scorecard tbody tr")

    page.locator("#scorecard tbody tr[data-indicator='C01'] a.drill").click()
    page.wait_for_selector("#children tbody tr")
    _shot(page, "02-drilldown-zh")
    assert "县域内住院人次占比" in page.inner_text("#page-title")
    assert "县域内住院人次占比" in page.inner_text("#definition")
    assert page.locator("#children tbody tr").count() == 2  # the county's two townships
    assert page.locator("#series tbody tr").count() >= 2  # a year of data each
    assert page.locator("table.cases tbody tr").count() > 0  # the records behind the value

    page.click("#lang-switch")
    page.wait_for_function("document.documentElement.lang === 'en'")
    page.wait_for_selector("#children tbody tr")
    _shot(page, "03-drilldown-en")
    assert "Children compared" in page.inner_text("main")
    page.click("#nav-indicators")
    page.wait_for_selector("#scorecard tbody tr")
    assert "Indicator scorecard" in page.inner_text("#page-title")
    _shot(page, "04-scorecard-en")
    assert page.foreign == []


def test_wrong_password_and_scope_in_the_browser(page, live_server):
    page.goto(f"{live_server}/login")
    page.fill("#username", "town")
    page.fill("#password", "not the password")
    page.click("#login-submit")
    page.wait_for_selector("#login-error")
    _login(page, live_server, "town")
    page.wait_for_selector("#page-title")
    page.goto(f"{live_server}/tree")
    page.wait_for_selector("li[data-institution]")
    shown = page.locator("li[data-institution]")  # in both hierarchies, nothing else
    ids = {shown.nth(i).get_attribute("data-institution") for i in range(shown.count())}
    assert ids == {"H13042300100"}
    _shot(page, "05-tree-township")
    r = page.goto(f"{live_server}/?node=division:130423")
    assert r is not None and r.status == 403


def test_casemix_and_data_quality_pages(page, live_server):
    _login(page, live_server)
    page.wait_for_selector("#page-title")
    page.click("#nav-casemix")
    page.wait_for_selector("#casemix tbody tr td")
    assert "临漳县人民医院" in page.inner_text("#casemix")
    _shot(page, "06-casemix-zh")
    page.click("#nav-quality")
    page.wait_for_selector("#quarantine tbody tr")
    assert page.locator("#quarantine tbody tr").count() > 0  # the planted extract errors
    _shot(page, "07-quality-zh")


def test_settlement_and_referral_pages(page, live_server):
    _login(page, live_server, "bureau")  # the insurance bureau computes the run
    page.wait_for_selector("#page-title")
    page.click("#nav-settlement")
    page.wait_for_selector("#settlement")
    assert "医保总额预算" in page.inner_text("#page-title")
    if page.locator("#no-run").count():  # reading never computes: the bureau presses the button
        page.click("#run-submit")
        page.wait_for_selector("#settlement-error")
    # the tiny county has one year of history: the engine's reason, not a crash
    assert "history" in page.inner_text("#settlement-error")
    _shot(page, "08-settlement-zh")
    assert page.locator("#nav-referrals").count() == 0  # no clinical workflow for the bureau
    page.click("#logout")
    page.wait_for_selector("#login-form")
    _login(page, live_server)
    page.wait_for_selector("#page-title")
    page.click("#nav-referrals")
    page.wait_for_selector("#referrals tbody tr td")
    rows = page.locator("#referrals tbody tr")
    assert rows.count() > 0
    # names, not ids: every referral has an end among the county's institutions
    names = ("临漳县人民医院", "临漳县中医院", "卫生院", "卫生室")
    assert all(any(n in rows.nth(i).inner_text() for n in names) for i in range(rows.count()))
    _shot(page, "09-referrals-zh")
    assert page.foreign == []


def test_ledger_explain_and_statements(page, settled_server):
    _login(page, settled_server, "bureau")
    page.wait_for_selector("#page-title")
    page.click("#nav-settlement")
    page.wait_for_selector("#settlement")
    if page.locator("#run-info").count() == 0:
        page.click("#run-submit")  # compute the run (one-year policy: it runs)
        page.wait_for_selector("#run-info")
    page.click("#nav-ledger")
    page.wait_for_selector("#ledger tbody tr[data-line]")
    assert "结算台账" in page.inner_text("#page-title")
    page.select_option("#filter-month", "2024-03")
    page.click("#filter-submit")
    page.wait_for_url("**month=2024-03**")
    rows = page.locator("#ledger tbody tr[data-line]")
    assert rows.count() > 0
    dates = rows.locator("td[data-label][data-value]:nth-of-type(1)")  # the date cell
    assert dates.count() == rows.count()
    for i in range(rows.count()):  # every line in March 2024, shown as a Chinese date
        assert (dates.nth(i).get_attribute("data-value") or "").startswith("2024-03")
        assert "2024年3月" in dates.nth(i).inner_text()
    _shot(page, "10-ledger-zh")
    line = rows.first.get_attribute("data-line")
    rows.first.locator("a.explain").click()
    page.wait_for_selector("#explain-inputs tbody tr")
    assert line in page.inner_text("#page-title")
    assert page.inner_text("#explain-rule").strip() and page.inner_text("#explain-formula")
    _shot(page, "11-explain-zh")
    page.click("#back-to-ledger")
    page.wait_for_selector("#ledger tbody tr[data-line]")
    page.click("#nav-statements")
    page.wait_for_selector(".statement-chart[data-rendered='1']")
    table = page.locator(".statement-table tbody tr")
    assert table.count() == 14  # twelve months, the year-end and the totals
    assert "合计" in table.last.inner_text()
    _shot(page, "12-statements-zh")
    with page.expect_download() as dl:
        page.locator("a.download-csv").first.click()
    text = Path(dl.value.path()).read_text(encoding="utf-8-sig")
    assert text.startswith("community_id,period,opening") and ",total," in text
    assert page.foreign == []


def test_centres_and_contracts_with_language_switch(page, live_server):
    _login(page, live_server)
    page.wait_for_selector("#page-title")
    page.click("#nav-centres")
    page.wait_for_selector("#centres tbody tr[data-month='all']")
    page.wait_for_selector("#chart[data-rendered='1']")
    assert "共享中心" in page.inner_text("#page-title")
    _shot(page, "13-centres-zh")
    page.click("#nav-contracts")
    page.wait_for_selector("#fee-check tbody tr[data-team]")
    assert int(page.inner_text("#contracts-total")) > 0
    _shot(page, "14-contracts-zh")
    page.click("#lang-switch")
    page.wait_for_function("document.documentElement.lang === 'en'")
    page.wait_for_selector("#fee-check tbody tr[data-team]")
    assert "Family-doctor contracts" in page.inner_text("#page-title")
    assert "Fee distribution check" in page.inner_text("main")
    _shot(page, "15-contracts-en")
    assert page.foreign == []


def test_forbidden_and_missing_pages(page, live_server):
    _login(page, live_server, "town")
    page.wait_for_selector("#page-title")
    r = page.goto(f"{live_server}/?node=division:130423")
    assert r is not None and r.status == 403
    page.wait_for_selector("#error-page[data-error-code='outside_scope']")
    assert "无权访问" in page.inner_text("#page-title")
    _shot(page, "16-forbidden-zh")
    r = page.goto(f"{live_server}/settlement/ledger")  # no community of the county is his
    assert r is not None and r.status == 403
    page.click("#lang-switch")
    page.wait_for_function("document.documentElement.lang === 'en'")
    r = page.goto(f"{live_server}/no-such-page")
    assert r is not None and r.status == 404
    assert "Page not found" in page.inner_text("#page-title")
    _shot(page, "17-not-found-en")
    page.click("#back-home")
    page.wait_for_selector("#kpis")
    assert page.foreign == []


def test_screening_flags_filter_and_language_switch(page, live_server):
    _login(page, live_server)
    page.wait_for_selector("#page-title")
    page.click("#nav-screening")
    page.wait_for_selector("#flags tbody tr[data-flag]")
    assert "基金监管筛查" in page.inner_text("#page-title")
    rule = page.get_attribute("#flags tbody tr[data-flag]", "data-rule")
    _shot(page, "18-screening-zh")
    page.select_option("#rule-filter", rule)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"**rule={rule}**")
    rules = {
        page.get_attribute(f"#flags tbody tr[data-flag]:nth-child({i + 1})", "data-rule")
        for i in range(page.locator("#flags tbody tr[data-flag]").count())
    }
    assert rules == {rule}
    page.click("#lang-switch")
    page.wait_for_function("document.documentElement.lang === 'en'")
    page.wait_for_selector("#flags tbody tr[data-flag]")
    assert "Fund screening" in page.inner_text("#page-title")
    _shot(page, "19-screening-en")
    assert page.foreign == []


def test_admin_adds_and_disables_a_user_and_the_user_changes_a_password(page, live_server):
    _login(page, live_server, "admin")
    page.wait_for_selector("#nav-admin")  # lands on the first page the role may open
    assert page.locator("#nav-overview").count() == 0  # an administrator sees no patient data
    page.click("#nav-admin")
    page.wait_for_selector("#users tbody tr[data-user]")
    assert "用户管理" in page.inner_text("#page-title")
    assert "临漳县" in page.inner_text("#users")  # nodes with their names
    page.fill("#new-username", "browser-user")
    page.select_option("#new-role", "community_office")
    page.fill("#new-nodes", "community:C1304231")
    page.fill("#new-password", PASSWORD)
    page.click("#add-user-submit")
    page.wait_for_selector("#admin-done")
    assert "新增用户 browser-user" in page.inner_text("#admin-done")
    _shot(page, "22-admin-users-zh")
    page.click("#logout")
    page.wait_for_selector("#login-form")
    _login(page, live_server, "browser-user")
    page.wait_for_selector("#page-title")
    page.click("#nav-account")
    page.wait_for_selector("#password-form")
    page.fill("#current-password", PASSWORD)
    page.fill("#new-password", "a new long passphrase")
    page.fill("#again-password", "a new long passphrase")
    page.click("#password-submit")
    page.wait_for_selector("#login-form")  # every session ended, this one too
    page.fill("#username", "browser-user")
    page.fill("#password", "a new long passphrase")
    page.click("#login-submit")
    page.wait_for_selector("#password-form")  # back to /account, logged in anew
    _shot(page, "23-account-zh")


def test_bureau_desk_at_390_px_in_both_languages(browser, settled_server):
    """The insurance bureau's desk on a phone-width screen: fund running, providers with their
    assessment, payment by method after the bureau computes the runs; both languages."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    context.set_default_timeout(TIMEOUT_MS)
    pg = context.new_page()
    try:
        _login(pg, settled_server, "bureau")
        pg.goto(f"{settled_server}/bureau/fund?county=130423&year=2024")
        pg.wait_for_selector("#fund-running tbody tr")
        assert "参保与基金运行" in pg.inner_text("#page-title")
        assert "可支付月数" in pg.inner_text("#fund-running thead")
        _shot(pg, "20-bureau-fund-zh-390")
        pg.goto(f"{settled_server}/bureau/agreements?county=130423&year=2024")
        pg.wait_for_selector("#providers tbody tr[data-provider]")
        assert "定点零售药店" in pg.inner_text("#providers")
        _shot(pg, "21-bureau-agreements-zh-390")
        pg.goto(f"{settled_server}/bureau/methods?county=130423&year=2024")
        pg.click("#methods-run-submit")
        pg.wait_for_selector("#method-dip table tbody tr")
        pg.click("#lang-switch")
        pg.wait_for_function("document.documentElement.lang === 'en'")
        assert "Payment by method" in pg.inner_text("#page-title")
        assert "per bed-day" in pg.inner_text("#method-per_bed_day")
        _shot(pg, "22-bureau-methods-en-390")
        width = pg.evaluate("document.documentElement.scrollWidth")
        assert width <= 400, f"the page is {width} px wide at 390 px"
    finally:
        context.close()


def test_operations_pages_in_both_languages_and_on_a_phone(page, live_server):
    _login(page, live_server)
    page.wait_for_selector("#kpis")  # a login lands on the overview
    page.click("#nav-ops-pnl")
    page.wait_for_selector("#worst tbody tr")
    assert "核对一致" in page.inner_text("#reconciled")
    assert "亏损最多的病组" in page.inner_text("main")
    _shot(page, "20-operations-pnl-zh")
    page.click("#nav-ops-budget")
    page.wait_for_selector("#lines tbody tr")
    _shot(page, "21-operations-budget-zh")
    page.click("#nav-ops-costs")
    page.wait_for_selector("#unit-costs tbody tr")
    assert "精确到分" in page.inner_text("#conserved")
    page.click("#nav-ops-pay")
    page.wait_for_selector("#checks tbody tr")
    page.click("#lang-switch")
    page.wait_for_function("document.documentElement.lang === 'en'")
    page.wait_for_selector("#checks tbody tr")
    assert "Pay checks" in page.inner_text("#page-title")
    assert "family-doctor fees paid to the team" in page.inner_text("#checks")
    _shot(page, "22-operations-pay-en")
    page.set_viewport_size({"width": 390, "height": 844})
    page.click("#nav-ops-pnl")
    page.wait_for_selector("#worst tbody tr")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390 + 1, width  # tables scroll inside themselves, the page does not
    _shot(page, "23-operations-pnl-phone")
    assert page.foreign == []


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_budget_execution_is_short_enough_for_a_phone(browser, live_server, lang):
    """At 390 px the budget-execution page opens on the institutions summed up, shows one page
    of lines, the first alerts and the approval steps folded: a few screens, not the tens of
    thousands of pixels of every line, alert and step stacked one under the other."""
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        locale="zh-CN" if lang == "zh" else "en-GB",
        is_mobile=True,
        has_touch=True,
    )
    context.set_default_timeout(TIMEOUT_MS)
    pg = context.new_page()
    try:
        pg.goto(f"{live_server}/lang/{lang}")
        _login(pg, live_server, "county")
        pg.wait_for_selector("#page-title")
        pg.goto(f"{live_server}/operations/budget")
        pg.wait_for_selector("#summary tbody tr")
        assert pg.locator("#lines tbody tr").count() <= 25
        assert pg.locator("#next-page").count() == 1
        assert pg.locator("#trail-section").get_attribute("open") is None  # folded
        assert pg.locator("#trail").is_visible() is False
        height = pg.evaluate("document.documentElement.scrollHeight")
        width = pg.evaluate("document.documentElement.scrollWidth")
        _shot(pg, f"21b-operations-budget-phone-{lang}")
        assert width <= 391, f"the page is {width} px wide at 390 px"
        assert height < 12_000, f"the budget page is {height} px tall at 390 px"
        pg.check("#budget-alerts-only")
        pg.click("#budget-filter button[type=submit]")
        pg.wait_for_selector("#lines tbody tr")
        assert "alerts_only=true" in pg.url
        alerts = pg.locator("#lines tbody tr td:last-child").all_inner_texts()
        assert alerts and all(int(a.replace(",", "")) > 0 for a in alerts)
        pg.click("#trail-section > summary")
        assert pg.locator("#trail").is_visible()
    finally:
        context.close()


def test_drugs_and_charges_at_390_px_in_both_languages(browser, live_server):
    """The county's drugs page (retained fund, VBP completion, drug use per prescriber) and the
    charges page (price simulation, one stay's daily list) on a phone-width screen, Chinese
    then English; tables scroll inside themselves, the page does not."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    context.set_default_timeout(TIMEOUT_MS)
    pg = context.new_page()
    try:
        _login(pg, live_server, "county")
        pg.wait_for_selector("#page-title")
        pg.goto(f"{live_server}/drugs")
        pg.wait_for_selector("#retained-funds tbody tr")
        assert "药品耗材" in pg.inner_text("#page-title")
        assert "万元" in pg.inner_text("#retained-total")
        assert pg.locator("#drug-use tbody tr[data-indicator]").count() == 8
        _shot(pg, "30-drugs-zh-390")
        assert pg.evaluate("document.documentElement.scrollWidth") <= 391
        pg.goto(f"{live_server}/charges?force=true")
        pg.wait_for_selector("#price-effects tbody tr")
        pg.locator("#stays a.stay-link").first.click()
        pg.wait_for_selector("#daily-days tbody tr")
        assert "元" in pg.inner_text("#daily-total")
        assert pg.evaluate("document.documentElement.scrollWidth") <= 391
        _shot(pg, "31-charges-zh-390")
        pg.click("#lang-switch")
        pg.wait_for_function("document.documentElement.lang === 'en'")
        pg.wait_for_selector("#daily-days tbody tr")
        assert "Itemised charges" in pg.inner_text("#page-title")
        assert "yuan" in pg.inner_text("#daily-total")
        assert pg.evaluate("document.documentElement.scrollWidth") <= 391
        _shot(pg, "32-charges-en-390")
    finally:
        context.close()
