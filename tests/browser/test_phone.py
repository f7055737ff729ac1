"""On a 390 px phone: no page scrolls sideways, tables stack into labelled rows, the header folds
into a menu that works without JavaScript, and the targets are large enough to tap.

The pages are every GET route of the authorisation matrix (which fails when a route of the URL
map is missing from it), so a new page is measured here as soon as it is added there.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.conftest import Visitor
from tests.browser.test_live_room import LAPTOP, PHONE
from tests.conftest import login_as
from tests.test_authorisation_matrix import MATRIX
from tests.world import World, build_world

PHONE_OPTIONS = {"viewport": PHONE, "is_mobile": True, "has_touch": True}
ROLES = ("anonymous", "member", "facilitator", "admin")

#: How far the page reaches beyond the screen, sideways (0 when it fits).
OVERFLOW = """() => {
  const root = document.scrollingElement;
  return Math.max(root.scrollWidth - window.innerWidth, root.scrollWidth - root.clientWidth, 0);
}"""

#: Interactive elements smaller than 44 by 44 px (visible ones), described.
TOO_SMALL = """selector => [...document.querySelectorAll(selector)]
  .filter(el => el.getClientRects().length && getComputedStyle(el).visibility !== 'hidden')
  .map(el => [el, el.getBoundingClientRect()])
  .filter(([el, box]) => box.width < 44 || box.height < 44)
  .map(([el, box]) => {
    const name = (el.innerText || el.value || el.getAttribute('aria-label') || '').trim();
    return `${el.tagName.toLowerCase()} "${name.slice(0, 40)}" ${box.width | 0}x${box.height | 0}`;
  })"""

#: The targets the issue names: the header, navigation, form controls, tables' action buttons.
TARGETS = (
    ".site-header a, .site-header summary, .site-header button, .subnav a, .pagination a, "
    "main button, main select, main summary, "
    "main .field input:not([type=checkbox]):not([type=radio]):not([type=hidden])"
)


def sign_in(app: Flask, context: BrowserContext, base_url: str, user_id: int) -> None:
    """Give the browser a login session, as the matrix's test client gets one (no login form:
    org A's admin uses two-step sign-in)."""
    client = app.test_client()
    with app.app_context():
        login_as(client, user_id)
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    assert cookie is not None
    context.add_cookies(
        [{"name": cookie.key, "value": cookie.value, "url": base_url, "httpOnly": True}]
    )


def is_page(context: BrowserContext, url: str) -> bool:
    """An HTML page (not a calendar file, a CSV export or the health check)."""
    response = context.request.get(url)
    return response.headers.get("content-type", "").startswith("text/html")


#: Cards listed in a ul or ol that still show a bullet or number, or sit indented in their list.
CARDS_AS_BULLETS = """() => [...document.querySelectorAll('li.card')]
  .filter(li => {
    const list = li.parentElement.getBoundingClientRect().left;
    return getComputedStyle(li).listStyleType !== 'none'
      || Math.abs(li.getBoundingClientRect().left - list) > 1;
  })
  .map(li => `${li.parentElement.className}: ${li.innerText.slice(0, 30)}`)"""


def get_urls(world: World) -> list[str]:
    return sorted({case.url(world) for case in MATRIX if case.method == "GET"})


def measure(page: Page) -> int:
    overflow: int = page.evaluate(OVERFLOW)
    return overflow


@pytest.mark.browser
def test_no_page_scrolls_sideways_on_a_phone(
    app: Flask, live_server: str, new_visitor: Callable[..., Visitor]
) -> None:
    with app.app_context():
        world = build_world()
    sideways: dict[str, int] = {}
    small: dict[str, list[str]] = {}
    cards: dict[str, list[str]] = {}
    measured = 0
    for role in ROLES:
        visitor = new_visitor(role, **PHONE_OPTIONS)
        if role != "anonymous":
            sign_in(app, visitor.context, live_server, world.users[role])
        seen: set[str] = set()
        for url in get_urls(world):
            if not is_page(visitor.context, url):
                continue
            visitor.page.goto(url)
            visitor.page.wait_for_load_state("load")
            where = f"{role} {url} -> {visitor.page.url.removeprefix(live_server)}"
            if visitor.page.url in seen:
                continue  # sent to a page already measured (the login page, the home page)
            seen.add(visitor.page.url)
            measured += 1
            if overflow := measure(visitor.page):
                sideways[where] = overflow
            if too_small := visitor.page.evaluate(TOO_SMALL, TARGETS):
                small[where] = too_small
            if bulleted := visitor.page.evaluate(CARDS_AS_BULLETS):
                cards[where] = bulleted
        assert not visitor.foreign_requests(live_server)

    # The measurement itself: a page with something too wide is caught.
    visitor.page.goto("/")
    visitor.page.evaluate(
        "() => { const p = document.createElement('p'); p.textContent = 'Too wide';"
        " p.style.width = '600px';"
        " document.querySelector('main').append(p); }"
    )
    assert measure(visitor.page) > 0

    assert measured > 50
    assert sideways == {}
    assert small == {}
    assert cards == {}


@pytest.mark.browser
def test_tables_stack_into_labelled_rows_on_a_phone_and_scroll_without_javascript(
    make: Any, app: Flask, live_server: str, new_visitor: Callable[..., Visitor]
) -> None:
    owner = make.create_user("Olive Owner", email="olive@example.org")
    org = make.create_org("Harbour Practice", owner=owner)
    member = make.create_user("Fran Facilitator", email="fran-with-a-long-address@example.org")
    make.add_staff(org, member)
    team = f"/orgs/{org.id}/team"

    phone = new_visitor("phone", **PHONE_OPTIONS)
    sign_in(app, phone.context, live_server, owner.id)
    phone.page.goto(team)
    table = phone.page.get_by_role("table", name="Team members and their roles")
    row = table.get_by_role("row").filter(has_text="Fran Facilitator")
    email = row.get_by_role("cell", name="fran-with-a-long-address@example.org")
    expect(email).to_have_attribute("data-label", "Email")
    label = email.evaluate("cell => getComputedStyle(cell, '::before').content")
    assert "Email" in label
    # Stacked: each cell takes the row's full width, one below the other.
    cells = row.get_by_role("cell").all()
    boxes = [cell.bounding_box() for cell in cells]
    assert all(box is not None for box in boxes)
    assert len({round(box["x"]) for box in boxes if box}) == 1
    assert [box["y"] for box in boxes if box] == sorted(box["y"] for box in boxes if box)
    # Screen readers still hear a table with its column headers.
    expect(table.get_by_role("columnheader", name="Role")).to_have_count(1)
    assert measure(phone.page) == 0

    # The same page on a laptop: an ordinary table, one row per person.
    laptop = new_visitor("laptop", viewport=LAPTOP)
    sign_in(app, laptop.context, live_server, owner.id)
    laptop.page.goto(team)
    cells = (
        laptop.page.get_by_role("row").filter(has_text="Fran Facilitator").get_by_role("cell").all()
    )
    assert len({round(box["y"]) for c in cells if (box := c.bounding_box())}) == 1

    # Without JavaScript: the table keeps its columns and scrolls inside its own region.
    plain = new_visitor("no-js", java_script_enabled=False, **PHONE_OPTIONS)
    sign_in(app, plain.context, live_server, owner.id)
    plain.page.goto(team)
    region = plain.page.get_by_role("region", name="Team members and their roles")
    assert region.evaluate("r => r.scrollWidth > r.clientWidth")
    assert plain.page.locator("td[data-label]").count() == 0
    assert measure(plain.page) == 0


@pytest.mark.browser
def test_the_header_folds_into_a_menu_that_works_without_javascript(
    make: Any, app: Flask, live_server: str, new_visitor: Callable[..., Visitor]
) -> None:
    person = make.create_user("Sam Member", email="sam@example.org")
    for options in ({"java_script_enabled": False}, {}):
        phone = new_visitor("phone", **PHONE_OPTIONS, **options)
        sign_in(app, phone.context, live_server, person.id)
        page = phone.page
        page.goto("/account")
        help_link = page.get_by_role("link", name="Need help now?")
        expect(help_link).to_be_visible()  # never folded away
        schedule = page.get_by_role("link", name="Schedule", exact=True)
        expect(schedule).to_be_hidden()
        # By keyboard: the menu is the next stop after "Need help now?".
        help_link.focus()
        page.keyboard.press("Tab")
        expect(page.locator(".site-menu > summary")).to_be_focused()
        page.keyboard.press("Enter")
        expect(schedule).to_be_visible()
        page.keyboard.press("Tab")
        expect(page.get_by_role("link", name="Home", exact=True)).to_be_focused()
        if not options:  # with JavaScript, Escape folds it again, back on "Menu"
            page.keyboard.press("Escape")
            expect(schedule).to_be_hidden()
            expect(page.locator(".site-menu > summary")).to_be_focused()
            page.keyboard.press("Enter")
        schedule.click()
        expect(page).to_have_url(f"{live_server}/schedule")
        expect(page.get_by_role("link", name="Home", exact=True)).to_be_hidden()  # folded again

    laptop = new_visitor("laptop", viewport=LAPTOP, java_script_enabled=False)
    sign_in(app, laptop.context, live_server, person.id)
    laptop.page.goto("/account")
    expect(laptop.page.locator(".site-menu > summary")).to_be_hidden()
    for name in ("Home", "Schedule", "Your account"):
        expect(laptop.page.get_by_role("link", name=name, exact=True)).to_be_visible()
    expect(laptop.page.get_by_role("button", name="Log out")).to_be_visible()


@pytest.mark.browser
def test_an_organisation_accent_colours_its_pages_only(
    make: Any, app: Flask, live_server: str, new_visitor: Callable[..., Visitor]
) -> None:
    from circles.extensions import db
    from circles.orgs.models import Organisation

    owner = make.create_user("Olive Owner", email="olive@example.org")
    org = make.create_org("Harbour Practice", owner=owner)
    with app.app_context():
        db.session.get(Organisation, org.id).accent_colour = "#6a1b9a"
        db.session.commit()
    visitor = new_visitor("owner", **PHONE_OPTIONS)
    sign_in(app, visitor.context, live_server, owner.id)
    page = visitor.page
    accent = "() => getComputedStyle(document.documentElement).getPropertyValue('--accent').trim()"
    page.goto(f"/orgs/{org.id}")
    assert page.evaluate(accent) == "#6a1b9a"
    expect(page.locator(".site-header")).to_contain_text("Harbour Practice")
    page.goto("/account")
    assert page.evaluate(accent) == "#2f5d50"
    assert not visitor.foreign_requests(live_server)
