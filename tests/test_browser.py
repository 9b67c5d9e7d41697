"""The family's pages in a real browser: Playwright driving Debian's headless Chromium against a live server.

Log in, log a purchase while the preview follows the typing, watch the dashboard's balances and an
expiry warning change, ask 「どのカード?」 for 東京ガス and NHK, switch language, and keep a 360 px-wide
screenshot in test-artifacts/.
"""

import asyncio
import datetime as dt
import os
import re
import time
from pathlib import Path

import pytest
from playwright.async_api import async_playwright, expect

from programs.models import LotKind
from wallets import ledger

from .factories import PASSWORD, HeldCardFactory, LinkedAccountFactory

CHROMIUM = os.environ.get("POINTBOOK_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def in_browser(live_server, steps) -> None:
    """Run `steps(page)` in a fresh headless Chromium at 360 px wide.

    The browser runs under asyncio in this thread only while the steps run; the steps only drive the
    browser, so the test's own database work stays outside the event loop (and, with SQLite in
    memory, never overlaps the live server's requests on the shared connection).
    """
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: bin/test installs Debian's chromium"

    async def run() -> None:
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            context = await browser.new_context(
                viewport={"width": 360, "height": 800}, locale="ja-JP", base_url=live_server.url
            )
            try:
                await steps(await context.new_page())
            finally:
                await browser.close()

    asyncio.run(run())


async def log_in(page, username: str) -> None:
    await page.goto("/accounts/login/")
    await page.fill("#id_username", username)
    await page.fill("#id_password", PASSWORD)
    await page.click("main button[type=submit]")
    await expect(page).to_have_url(re.compile(r"^http://[^/]+/$"))


class LivePreview:
    """Follows the purchase form's live preview requests, so a step can wait until the preview has
    answered the last change (htmx sends it 400 ms after the typing stops).

    The form must not be submitted while a preview is still running: with SQLite in memory, the live
    server's request threads share one database connection, and the preview's queries would run
    inside the purchase's transaction. A family's browser may do that freely; their requests each
    have their own connection."""

    PATH = "/purchases/preview/"

    def __init__(self, page) -> None:
        self.running: set = set()
        self.last = time.monotonic()
        page.on("request", self._started)
        page.on("requestfinished", self._finished)
        page.on("requestfailed", self._finished)

    def _started(self, request) -> None:
        if request.url.endswith(self.PATH):
            self.running.add(request)
            self.last = time.monotonic()

    def _finished(self, request) -> None:
        self.running.discard(request)

    async def settled(self, quiet: float = 0.8, timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        while self.running or time.monotonic() - self.last < quiet:
            assert time.monotonic() < deadline, "the live preview did not settle"
            await asyncio.sleep(0.05)


def method_pk(slug: str) -> int:
    from programs.models import PaymentMethod

    return PaymentMethod.objects.get(slug=slug).pk


def test_a_family_member_logs_a_purchase_and_sees_the_dashboard_change(live_server, cast):
    today = dt.date.today()
    rakuten = LinkedAccountFactory(member=cast.alice, program="rakuten")
    ledger.earn(rakuten, 1000, today - dt.timedelta(days=60), available_on=today - dt.timedelta(days=40))
    ledger.earn(
        rakuten,
        300,
        today - dt.timedelta(days=30),
        available_on=today - dt.timedelta(days=9),
        kind=LotKind.PERIOD_LIMITED,
        expires_on=today + dt.timedelta(days=10),
    )
    rakuten_pay = method_pk("rakuten-pay")

    async def steps(page):
        await log_in(page, "alice")
        balances = page.locator("#balances tr[data-program=rakuten] .available")
        await expect(balances).to_have_text("1,300")
        await expect(page.locator("#expiry .limited")).to_contain_text("300")
        ARTIFACTS.mkdir(exist_ok=True)
        await page.screenshot(path=str(ARTIFACTS / "dashboard-360px.png"), full_page=True)
        assert await page.evaluate("document.documentElement.scrollWidth") <= 360

        await page.goto("/purchases/new/")
        preview = LivePreview(page)
        await page.select_option("#id_member", label="アリス")
        await page.fill("#id_merchant_name", "楽天市場")
        await page.fill("#id_amount", "2200")
        await page.fill("#id_amount_excl_tax", "2000")
        await page.select_option("#id_method", value=str(rakuten_pay))
        await page.select_option("#id_channel", value="online")
        await expect(page.locator("#preview tr[data-source='rule:rakuten-ichiba'] td.num")).to_have_text("20")
        await expect(page.locator("#preview")).to_contain_text("楽天市場")
        await page.fill("#id_points_spent", "300")
        await page.select_option("#id_points_account", value=str(rakuten.pk))
        await preview.settled()
        await page.click("button.primary")
        await expect(page.locator(".messages")).to_be_visible()

        await page.goto("/")
        await expect(balances).to_have_text("1,000")
        await expect(page.locator("#expiry .limited")).to_have_count(0)

    in_browser(live_server, steps)


def test_which_card_shows_tokyo_gas_half_and_nhk_excluded_for_an_amex_card(live_server, cast):
    HeldCardFactory(member=cast.alice, method="amex-gold-preferred")

    async def steps(page):
        await log_in(page, "alice")
        await page.goto("/which-card/")
        await page.fill("#merchant", "東京ガス")
        await page.fill("#amount", "10000")
        row = page.locator("#results tr[data-card=amex-gold-preferred]").first
        await expect(row).to_have_attribute("data-treatment", "half")

        await page.fill("#merchant", "NHK")
        await page.locator("#amount").dispatch_event("change")
        await expect(page.locator("#results h2")).to_contain_text("NHK")
        await expect(page.locator("#results tr[data-card=amex-gold-preferred]").first).to_have_attribute(
            "data-treatment", "excluded"
        )

    in_browser(live_server, steps)


def test_the_language_switch_turns_the_pages_into_english_and_back(live_server, cast):
    async def steps(page):
        await log_in(page, "bob")
        await expect(page.locator("html")).to_have_attribute("lang", "ja")
        await page.click("button[lang=en]")
        await expect(page.locator("html")).to_have_attribute("lang", "en")
        await expect(page.locator("nav")).to_contain_text("Purchases")
        await page.click("button[lang=ja]")
        await expect(page.locator("html")).to_have_attribute("lang", "ja")

    in_browser(live_server, steps)
