"""Check-ins in a real browser: three members check in and the facilitator sees "not enough
responses yet"; once five are in, the facilitator sees the aggregate."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Visitor, log_in

pytestmark = pytest.mark.browser


def test_facilitator_sees_figures_only_once_enough_have_checked_in(
    make, new_visitor: Callable[..., Visitor], live_server: str
) -> None:
    fran = make.create_user("Fran Facilitator", "fran@example.org")
    org = make.create_org("Harbour Practice", owner=fran)
    circle = make.create_circle(org, fran, "Evening circle")
    make.set_up_checkins(circle)
    members = []
    for name in ["Ana", "Ben", "Cai", "Dee", "Eli"]:
        user = make.create_user(f"{name} Member", f"{name.lower()}@example.org")
        make.add_member(circle, user, name)
        members.append(user)

    for index, user in enumerate(members[:3]):
        visitor = new_visitor(f"member{index}")
        page = visitor.page
        log_in(page, user.email)
        page.goto(f"/circles/{circle.id}")
        page.get_by_role("link", name="Check in", exact=True).click()
        for item in range(5):
            page.locator(f"input[name=scale_wb{item + 1}][value='{(index + item) % 6}']").check()
        page.get_by_label("Grief").check()
        page.get_by_role("button", name="Send my check-in").click()
        expect(page.get_by_text("Your check-in is in")).to_be_visible()
        expect(page.get_by_role("heading", name=re.compile("You have checked in"))).to_be_visible()

    staff = new_visitor("facilitator")
    log_in(staff.page, "fran@example.org")
    staff.page.goto(f"/circles/{circle.id}")
    staff.page.get_by_role("link", name="Check-in reports").first.click()
    expect(staff.page.get_by_text("Not enough responses yet")).to_be_visible()
    expect(staff.page.locator("svg.chart")).to_have_count(0)

    for user in members[3:]:
        make.check_in(circle, user, 4)
    staff.page.reload()
    expect(staff.page.get_by_text("Not enough responses yet")).to_have_count(0)
    figures = staff.page.get_by_role("table").first
    expect(figures).to_contain_text("I have felt calm and settled.")
    expect(figures.get_by_role("cell", name="5", exact=True).first).to_be_visible()
    expect(staff.page.locator("svg.chart").first).to_be_visible()
    assert staff.foreign_requests(live_server) == []
