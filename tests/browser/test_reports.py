"""Report charts in a real browser: titled, full width, with text of at least 12 px on the
screen at 1280 px; the member's own trend fits a 390 px phone, its text still at 12 px or more."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Visitor, log_in

pytestmark = pytest.mark.browser

#: Each chart text's size as drawn on the screen: its font size times the scale its SVG applies.
_TEXT_SIZES = """
(selector) => Array.from(document.querySelectorAll(selector)).map(
    (el) => parseFloat(getComputedStyle(el).fontSize) * el.getScreenCTM().a)
"""


def chart_text_sizes(page: Page, selector: str) -> list[float]:
    sizes: list[float] = page.evaluate(_TEXT_SIZES, selector)
    return sizes


def test_report_charts_have_titles_and_readable_text_at_full_width(
    make, new_visitor: Callable[..., Visitor], live_server: str
) -> None:
    fran = make.create_user("Fran Facilitator", "fran@example.org")
    org = make.create_org("Harbour Practice", owner=fran)
    circle = make.create_circle(org, fran, "Evening circle")
    make.set_up_checkins(circle)
    people = [make.create_user(f"Person {n}", f"p{n}@example.org") for n in range(6)]
    for person in people:
        make.add_member(circle, person)
    now = datetime.now(UTC)
    for weeks_back in (3, 2, 1):
        for index, person in enumerate(people[:5]):
            make.check_in(
                circle, person, (index + weeks_back) % 6, now=now - timedelta(weeks=weeks_back)
            )

    staff = new_visitor("facilitator", viewport={"width": 1280, "height": 900})
    page = staff.page
    log_in(page, "fran@example.org")
    page.goto(f"/circles/{circle.id}/checkins/report")
    titles = page.locator("figure.trend figcaption")
    expect(titles).to_have_count(5)
    expect(titles.first).to_have_text("Average answer: I have felt calm and settled.")
    expect(titles.first).to_be_visible()
    chart = page.locator("svg.trend-chart").first
    expect(chart).to_have_accessible_name(
        re.compile(r"^Average answer: I have felt calm and settled\. 3 of 3 periods have a figure")
    )
    # The chart takes the page's width, not a thumbnail's.
    main_width = page.evaluate("document.querySelector('main h1').getBoundingClientRect().width")
    box = chart.bounding_box()
    assert box is not None and box["width"] >= 0.95 * main_width
    sizes = chart_text_sizes(page, "svg.trend-chart text")
    assert sizes and min(sizes) >= 12, sizes
    # The table alternative is still there.
    expect(page.get_by_role("table").first).to_contain_text("I have felt calm and settled.")
    assert staff.foreign_requests(live_server) == []


def test_own_trend_fits_a_phone_and_keeps_its_text_readable(
    make, new_visitor: Callable[..., Visitor], live_server: str
) -> None:
    fran = make.create_user("Fran Facilitator", "fran@example.org")
    org = make.create_org("Harbour Practice", owner=fran)
    circle = make.create_circle(org, fran, "Evening circle")
    make.set_up_checkins(circle)
    sam = make.create_user("Sam Member", "sam@example.org")
    make.add_member(circle, sam, "Sam")
    now = datetime.now(UTC)
    for weeks_back in range(8, -1, -1):
        make.check_in(circle, sam, weeks_back % 6, now=now - timedelta(weeks=weeks_back))

    member = new_visitor("member", viewport={"width": 390, "height": 844}, is_mobile=True)
    page = member.page
    log_in(page, "sam@example.org")
    page.goto(f"/circles/{circle.id}/checkin/history")
    expect(page.locator("figure.trend figcaption")).to_have_text(
        "Your wellbeing score over time (0 to 100)"
    )
    figure = page.locator("figure.trend")
    box = figure.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, box
    sizes = chart_text_sizes(page, "svg.trend-chart text")
    assert len(sizes) >= 6 and min(sizes) >= 12, sizes
    # No period label runs off the chart's edges.
    edges = page.evaluate(
        """() => Array.from(document.querySelectorAll('svg.trend-chart text')).map((el) => {
            const r = el.getBoundingClientRect(); return [r.left, r.right]; })"""
    )
    assert all(left >= 0 and right <= 390 for left, right in edges), edges
    assert member.foreign_requests(live_server) == []


def test_a_small_circle_sees_its_pooled_themes_and_the_page_stays_accessible(
    make, new_visitor: Callable[..., Visitor], live_server: str
) -> None:
    from tests.browser.test_accessibility import serious_violations

    fran = make.create_user("Fran Facilitator", "fran@example.org")
    org = make.create_org("Harbour Practice", owner=fran)
    circle = make.create_circle(org, fran, "Evening circle")
    make.set_up_checkins(circle)
    people = [make.create_user(f"Person {n}", f"p{n}@example.org") for n in range(8)]
    for person in people:
        make.add_member(circle, person)
    now = datetime.now(UTC)
    for weeks_back in (5, 4, 3, 2):
        for index, person in enumerate(people[:6]):
            themes = frozenset({"t_grief"} if index < 2 else {"t_relief"})
            when = now - timedelta(weeks=weeks_back)
            make.check_in(circle, person, index % 6, themes=themes, now=when)

    staff = new_visitor("facilitator", viewport={"width": 1280, "height": 900})
    page = staff.page
    log_in(page, "fran@example.org")
    page.goto(f"/circles/{circle.id}/checkins/report")
    pooled = page.get_by_role("region", name=re.compile(r"· 20 check-ins$"))
    expect(pooled.get_by_role("row")).to_have_count(3)  # a header and two ranked themes
    expect(pooled.get_by_role("row").nth(1)).to_contain_text("Relief")
    expect(pooled.get_by_role("row").nth(2)).to_contain_text("Grief")
    expect(page.get_by_text(re.compile(r"^A figure can count fewer check-ins"))).to_be_visible()
    assert serious_violations(staff) == []
    assert staff.foreign_requests(live_server) == []
