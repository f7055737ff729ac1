"""Languages in Chromium: a visitor switches language on a phone and signs in in it; the main
pages in every language have no serious accessibility violation and never scroll sideways."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from circles.accounts.models import User
from circles.extensions import db
from tests.browser.conftest import Visitor
from tests.browser.test_accessibility import serious_violations
from tests.factories import PASSWORD
from tests.languages import OTHER_LANGUAGES, translated

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1280, "height": 800}
BROWSER_LOCALE = {"en": "en-GB", "de": "de-DE", "es": "es-ES"}
OVERFLOW = """() => {
  const root = document.scrollingElement;
  return Math.max(root.scrollWidth - window.innerWidth, root.scrollWidth - root.clientWidth, 0);
}"""


def log_in_speaking(app: Flask, page: Page, code: str, email: str) -> None:
    """The login form as a person reading it in ``code`` would fill it in."""
    page.goto("/login")
    page.get_by_label(translated(app, code, "Email"), exact=True).fill(email)
    page.get_by_label(translated(app, code, "Password"), exact=True).fill(PASSWORD)
    page.locator("main").get_by_role("button", name=translated(app, code, "Log in")).click()
    expect(page).not_to_have_url(re.compile(r"/login"))


def switch_to(app: Flask, page: Page, now: str, to: str) -> None:
    """The footer's switcher, read in the language the page speaks now."""
    footer = page.locator("footer")
    footer.get_by_label(translated(app, now, "Language"), exact=True).select_option(to)
    footer.get_by_role("button", name=translated(app, now, "Change language")).click()
    expect(page.locator("html")).to_have_attribute("lang", to)


@pytest.mark.parametrize("code", OTHER_LANGUAGES)
def test_a_visitor_switches_language_on_a_phone_and_signs_in_in_it(
    app: Flask, make, new_visitor: Callable[..., Visitor], code: str
) -> None:
    rosa = make.create_user("Rosa", email="rosa@example.org")
    visitor = new_visitor("visitor", viewport=PHONE)
    page = visitor.page
    page.goto("/help")
    expect(page.locator("html")).to_have_attribute("lang", "en")

    switch_to(app, page, "en", code)
    # Back on the page it was switched on, now in the chosen language.
    expect(page).to_have_url(re.compile(r"/help$"))
    expect(page.get_by_role("link", name=translated(app, code, "Need help now?"))).to_be_visible()
    for path in ("/", "/login", "/signup", "/grounding"):
        page.goto(path)
        expect(page.locator("html")).to_have_attribute("lang", code)
        assert page.evaluate(OVERFLOW) == 0, f"{path} scrolls sideways in {code}"

    log_in_speaking(app, page, code, "rosa@example.org")
    expect(page.locator("html")).to_have_attribute("lang", code)
    # Signed in, the switcher also changes the account's own setting.
    switch_to(app, page, code, "en")
    with app.app_context():
        assert db.session.get(User, rosa.id).language == "en"


@pytest.mark.parametrize("code", OTHER_LANGUAGES)
def test_pages_in_each_language_have_no_serious_accessibility_violations(
    app: Flask, make, new_visitor: Callable[..., Visitor], code: str
) -> None:
    fran = make.create_user("Fran", email="fran@example.org")
    sam = make.create_user("Sam", email="sam@example.org", timezone="Europe/Madrid")
    with app.app_context():
        for person in (fran, sam):
            db.session.get(User, person.id).language = code
        db.session.commit()
    org = make.create_org("Harbour Practice", owner=fran)
    circle = make.create_circle(org, fran, "Evening circle")
    make.add_member(circle, sam, "Sam")
    series = make.schedule(circle, fran)
    first = series.meetings[0]
    dosing = make.dosing_session(sam, first.starts_at - timedelta(hours=48))
    make.set_up_checkins(circle)
    make.journal_entry(sam, "The sea, again.")
    make.own_commitment(sam, "Walk on Sunday")

    found: list[str] = []
    anonymous = new_visitor("anonymous", locale=BROWSER_LOCALE[code], viewport=PHONE)
    for path in ("/", "/login", "/signup", "/help", "/grounding"):
        anonymous.page.goto(path)
        expect(anonymous.page.locator("html")).to_have_attribute("lang", code)
        found += serious_violations(anonymous)

    member = new_visitor("member", locale=BROWSER_LOCALE[code], viewport=PHONE)
    log_in_speaking(app, member.page, code, "sam@example.org")
    for path in (
        "/",
        f"/circles/{circle.id}",
        f"/circles/{circle.id}/meetings/{first.id}",
        f"/circles/{circle.id}/checkin",
        f"/integration/{dosing.id}/plan",
        "/journal",
        "/commitments",
        "/schedule",
        "/account",
    ):
        member.page.goto(path)
        expect(member.page.locator("html")).to_have_attribute("lang", code)
        found += serious_violations(member)
        assert member.page.evaluate(OVERFLOW) == 0, f"{path} scrolls sideways in {code}"

    staff = new_visitor("facilitator", locale=BROWSER_LOCALE[code], viewport=LAPTOP)
    log_in_speaking(app, staff.page, code, "fran@example.org")
    live = make.live_session(circle, fran)
    for path in (
        f"/circles/{circle.id}",
        f"/circles/{circle.id}/roster",
        f"/circles/{circle.id}/invitations",
        f"/circles/{circle.id}/meetings/new",
        f"/circles/{circle.id}/checkins/report",
        f"/orgs/{org.id}",
        f"/circles/{circle.id}/live/{live.id}",
    ):
        staff.page.goto(path)
        expect(staff.page.locator("html")).to_have_attribute("lang", code)
        found += serious_violations(staff)
    assert found == []
