"""Accessibility: axe-core (bundled by the ``axe-playwright-python`` package) runs on every
cockpit page in Chromium, in both languages; no violation of impact *serious* or *critical*
is allowed. The findings of lesser impact are written next to the screenshots
(``artifacts/screenshots/axe-<lang>.txt``) for review."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.api.world import PASSWORD
from tests.web.test_language import PAGES

SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
#: the docs pages are third-party UIs (Swagger UI, ReDoc): checked, but reported only
THIRD_PARTY = ("/docs", "/redoc")


def _urls(client_get) -> list[tuple[str, str]]:  # noqa: ANN001
    out = []
    for path, (user, urls) in PAGES.items():
        if path in ("/referrals/{referral_id}", "/screening/flags/{flag_id}"):
            continue  # filled below from the world
        out += [(user, u) for u in urls]
    ref = client_get("/referrals?format=json", "town")["items"][0]["referral_id"]
    flag = client_get("/screening?format=json", "bureau")["items"][0]["flag_id"]
    return [*out, ("town", f"/referrals/{ref}"), ("bureau", f"/screening/flags/{flag}")]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_no_serious_or_critical_violation_on_any_page(browser, settled_server, lang):
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    contexts = {}

    def page_of(user: str):  # noqa: ANN202
        if user not in contexts:
            ctx = browser.new_context(viewport={"width": 1280, "height": 900})
            ctx.set_default_timeout(60_000)
            pg = ctx.new_page()
            pg.goto(f"{settled_server}/lang/{lang}")
            if user:
                pg.goto(f"{settled_server}/login")
                pg.fill("#username", user)
                pg.fill("#password", PASSWORD)
                pg.click("#login-submit")
                pg.wait_for_selector("#page-title")
            contexts[user] = (ctx, pg)
        return contexts[user][1]

    def get_json(url: str, user: str) -> dict:
        return page_of(user).request.get(f"{settled_server}{url}").json()

    bureau = page_of("bureau")
    bureau.goto(f"{settled_server}/settlement")
    if bureau.locator("#run-info").count() == 0:
        bureau.click("#run-submit")
        bureau.wait_for_selector("#run-info")
    report, serious = [], []
    for user, url in [*_urls(get_json), ("", "/docs"), ("", "/redoc")]:
        pg = page_of(user)
        pg.goto(f"{settled_server}{url}")
        pg.wait_for_load_state("networkidle")
        if url in THIRD_PARTY:
            pg.wait_for_selector("[data-rendered='1']")
        result = axe.run(pg)
        for v in result.response["violations"]:
            line = f"{url} [{v['impact']}] {v['id']}: {v['help']} ({len(v['nodes'])})"
            report.append(line)
            if v["impact"] in ("serious", "critical") and url not in THIRD_PARTY:
                serious.append(line + " — " + v["nodes"][0]["target"][0].__str__())
    for ctx, _ in contexts.values():
        ctx.close()
    SHOTS.mkdir(parents=True, exist_ok=True)
    (SHOTS / f"axe-{lang}.txt").write_text("\n".join(report) + "\n", encoding="utf-8")
    assert not serious, "\n".join(serious)
