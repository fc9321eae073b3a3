"""The three users' journeys, end to end in Chromium, in Chinese and English, on a desktop
(1440×900) and a phone (390×844) — screenshots of every step in ``artifacts/screenshots/``:

- the county health commission's director: overview → map → ranking → the indicator's page
  (drill-down) → the overview as PDF;
- the insurance bureau's officer: the global budget → the fund-use warning → the ledger,
  filtered → the ledger as Excel;
- the township health centre's head: the to-do list → a referral step (accepting a patient
  sent down by the county hospital) → the self-check of a screening flag, dismissal with a
  reason.

Every page on the way is checked for untranslated codes (`tests.web.language`), for requests
leaving the machine and for refusals of the Content-Security-Policy. On the phone, no page is
wider than the screen (tables scroll inside their own box).
"""

from __future__ import annotations

import io
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.api.world import PASSWORD
from tests.web.language import problems

SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
TIMEOUT_MS = 60_000
SIZES = {"desktop": (1440, 900), "phone": (390, 844)}
LANGS = ("zh", "en")


class Journey:
    """A browser context of one user, language and size, with its checks."""

    def __init__(self, browser, base: str, who: str, lang: str, size: str) -> None:  # noqa: ANN001
        w, h = SIZES[size]
        self.ctx = browser.new_context(
            viewport={"width": w, "height": h},
            locale="zh-CN" if lang == "zh" else "en-GB",
            accept_downloads=True,
            is_mobile=size == "phone",
            has_touch=size == "phone",
        )
        self.ctx.set_default_timeout(TIMEOUT_MS)
        self.page = self.ctx.new_page()
        self.base, self.who, self.lang, self.size, self.step = base, who, lang, size, 0
        self.foreign: list[str] = []
        self.blocked: list[str] = []
        self.page.on(
            "request",
            lambda r: (
                urlparse(r.url).hostname not in ("127.0.0.1", None) and self.foreign.append(r.url)
            ),
        )
        self.page.on(
            "console",
            lambda m: "Content Security Policy" in m.text and self.blocked.append(m.text),
        )

    def login(self, user: str) -> None:
        pg = self.page
        pg.goto(f"{self.base}/lang/{self.lang}")
        pg.goto(f"{self.base}/login")
        pg.fill("#username", user)
        pg.fill("#password", PASSWORD)
        pg.click("#login-submit")
        pg.wait_for_selector("#page-title")

    def check(self, name: str) -> None:
        """Language, width, screenshot."""
        pg = self.page
        pg.wait_for_load_state("load")
        found = problems(pg.content(), self.lang)
        assert not found, f"{self.who} {self.lang} {name}: untranslated {found[:5]}"
        if self.size == "phone":  # usable at 390 px: nothing wider than the screen
            width = pg.evaluate("document.documentElement.scrollWidth")
            assert width <= SIZES["phone"][0] + 1, f"{name}: the page is {width}px wide"
        self.step += 1
        SHOTS.mkdir(parents=True, exist_ok=True)
        pg.screenshot(
            path=str(
                SHOTS / f"journey-{self.who}-{self.lang}-{self.size}-{self.step:02d}-{name}.png"
            ),
            full_page=True,
        )

    def close(self) -> None:
        self.ctx.close()
        assert self.foreign == [], f"requests left the machine: {self.foreign}"
        assert self.blocked == [], f"the Content-Security-Policy refused: {self.blocked}"


@pytest.fixture()
def journey(browser):  # noqa: ANN001, ANN201
    made: list[Journey] = []

    def make(base: str, who: str, lang: str, size: str) -> Journey:
        j = Journey(browser, base, who, lang, size)
        made.append(j)
        return j

    yield make
    for j in made:
        j.close()


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("lang", LANGS)
def test_director_overview_map_ranking_drilldown_pdf(journey, live_server, lang, size):
    j = journey(live_server, "director", lang, size)
    j.login("county")
    pg = j.page
    pg.wait_for_selector("#kpis li.tile")
    pg.wait_for_selector(".trajectories [data-rendered='1']")
    tiles = pg.locator("#kpis li.tile")
    assert tiles.count() >= 5  # the targets binding the county
    assert pg.locator("#kpis .yoy .arrow").count() > 0  # 同比 arrows where a year before exists
    j.check("overview")
    # the map of the county's townships (synthetic: a tile grid, coloured by bin)
    pg.locator("#map").scroll_into_view_if_needed()
    cells = pg.locator("#map li[data-node]")
    assert cells.count() == 2
    assert all("bin-" in (cells.nth(i).get_attribute("class") or "") for i in range(2))
    j.check("map")
    # ranking on another indicator, held in the URL
    options = pg.locator("#ranking-indicator option")
    other = options.nth(1).get_attribute("value")
    pg.select_option("#ranking-indicator", other)
    pg.click("#indicator-submit")
    pg.wait_for_url(f"**indicator={other}**")
    pg.wait_for_selector("#rank-title")
    ranked = pg.locator("#ranking tbody tr")
    if ranked.count():
        values = [
            float(ranked.nth(i).locator("td").nth(1).get_attribute("data-value"))
            for i in range(ranked.count())
        ]
        assert values == sorted(values, reverse=True) or values == sorted(values)
    j.check("ranking")
    # drill down from the first target's tile
    first = pg.locator("#kpis li.tile").first
    ident = first.get_attribute("data-indicator")
    first.locator("h3 a").click()
    pg.wait_for_selector("#definition")
    assert f"/indicators/{ident}" in pg.url
    assert pg.locator("#series tbody tr").count() >= 2
    pg.wait_for_selector("#series-chart[data-rendered='1']")
    j.check("drilldown")
    # back to the overview, and the overview as a PDF with node, period and time
    pg.goto(f"{live_server}/?node=division:130423")
    pg.wait_for_selector("#export-pdf")
    with pg.expect_download() as dl:
        pg.click("#export-pdf")
    body = Path(dl.value.path()).read_bytes()
    assert body.startswith(b"%PDF") and b"/Type /Page" in body and len(body) > 3000
    assert dl.value.suggested_filename.endswith(".pdf")
    j.check("pdf")


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("lang", LANGS)
def test_officer_budget_warning_ledger_export(journey, settled_server, lang, size):
    from openpyxl import load_workbook

    j = journey(settled_server, "officer", lang, size)
    j.login("bureau")
    pg = j.page
    pg.goto(f"{settled_server}/settlement")
    pg.wait_for_selector("#settlement")
    if pg.locator("#run-info").count() == 0:  # reading never computes: the officer does
        pg.click("#run-submit")
        pg.wait_for_selector("#run-info")
    rows = pg.locator("#settlement tbody tr[data-community]")
    assert rows.count() >= 1
    cell = rows.first.locator("td").first
    assert cell.get_attribute("title") and (
        "元" in cell.get_attribute("title") or "yuan" in cell.get_attribute("title")
    )
    j.check("budget")
    # fund use against time elapsed: every community has its level and the reason shown
    progress = pg.locator("#fund-progress tbody tr[data-community]")
    assert progress.count() >= 1
    pg.locator("#fund-progress").scroll_into_view_if_needed()
    pg.wait_for_selector("#progress-chart[data-rendered='1']")
    twin = pg.request.get(f"{settled_server}/settlement?format=json").json()["progress"]
    for c in twin["communities"]:
        row = pg.locator(f"#fund-progress tbody tr[data-community='{c['community_id']}']")
        assert row.get_attribute("data-level") == c["level"]
        cls = {"red": "alarm", "yellow": "warn", "ok": "ok"}[c["level"]]
        assert row.locator(f"td.{cls}").count() == 1
    j.check("warning")
    # the ledger, filtered to a month, then exported whole to Excel
    pg.goto(f"{settled_server}/settlement/ledger")
    pg.wait_for_selector("#ledger tbody tr[data-line]")
    month = pg.locator("#filter-month option").nth(3).get_attribute("value")
    pg.select_option("#filter-month", month)
    pg.click("#filter-submit")
    pg.wait_for_url(f"**month={month}**")
    total = pg.request.get(f"{pg.url}&format=json").json()["total"]
    assert total > 0
    j.check("ledger")
    with pg.expect_download() as dl:
        pg.click("#ledger-xlsx")
    wb = load_workbook(io.BytesIO(Path(dl.value.path()).read_bytes()), read_only=True)
    sheet = list(wb.worksheets[0].iter_rows(values_only=True))
    assert len(sheet) == total + 1  # the header, then every filtered line (not one page)
    assert all(str(r[1]).startswith(month) for r in sheet[1:])  # the date column
    j.check("export")


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("lang", LANGS)
def test_township_head_todo_referral_flag(journey, live_server, world, lang, size):
    from yigong.graded_care.referrals.records import Actor
    from yigong.services.referral import perform, request_referral
    from yigong.store import Store

    # the county hospital sends a patient down to the township centre and approves it
    store = Store(world.settings.workflow_url)
    sent = request_referral(
        store,
        Actor("doctor", "H13042300001"),
        patient_key=f"P-journey-{lang}-{size}",
        receiving_institution="H13042300100",
        direction="downward",
        diagnosis_icd10="I10",
        reason="stable hypertension, back to the township",
    )
    perform(store, sent.referral_id, "approve", Actor("reviewer", "H13042300001"))

    j = journey(live_server, "township", lang, size)
    j.login("town")
    pg = j.page
    pg.goto(f"{live_server}/todo")
    pg.wait_for_selector("#todo li[data-kind='referral'][data-status='approved']")
    j.check("todo")
    pg.locator("#todo li[data-kind='referral'][data-status='approved'] a.todo-go").click()
    pg.wait_for_selector("#step-accept")
    assert "/referrals/" in pg.url
    j.check("referral")
    pg.locator("#step-accept button[type=submit]").click()
    pg.wait_for_selector("#step-done")
    assert pg.locator("#referral-status").inner_text().strip() != ""
    j.check("accepted")
    # a flag of the centre: its self-check, asking for dismissal with the reason
    pg.goto(f"{live_server}/todo")
    pg.wait_for_selector("#todo li[data-kind='flags_to_check']")
    pg.locator("#todo li[data-kind='flags_to_check'] a.todo-go").click()
    pg.wait_for_selector("#self-check-form")
    j.check("flag")
    pg.check("#self-dismiss")
    pg.fill(
        "#self-reason",
        "门诊无法处置，留观住院符合规范"
        if lang == "zh"
        else "could not be treated as an outpatient",
    )
    pg.click("#self-check-submit")
    pg.wait_for_selector("#flag-done")
    assert pg.locator("#self-check-form").count() == 0
    j.check("dismissed")
