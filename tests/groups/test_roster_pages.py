"""A full circle's roster: a page at a time, searchable, and a member's search finds only what
members see (names in the circle), never whose account or address is behind a name."""

from __future__ import annotations

import re

import pytest

from circles.accounts.models import User
from circles.extensions import db
from circles.groups import services
from circles.groups.models import Circle, CircleMember, CircleRole
from tests.conftest import client_for
from tests.pages import page_nav

PAGE = services.ROSTER_PAGE_SIZE


def fill(app, circle_id: int, count: int, start: int = 1) -> None:
    """``count`` members "Member 01", ... with accounts "Private Person 01 <private01@...>"."""
    with app.app_context():
        circle = db.session.get(Circle, circle_id)
        for n in range(start, start + count):
            user = User(
                email=f"private{n:02}@example.org",
                password_hash="-",
                display_name=f"Private Person {n:02}",
            )
            db.session.add(user)
            db.session.flush()
            services.add_member(circle, user, f"Member {n:02}", CircleRole.MEMBER)
        db.session.commit()


def names(page: str) -> list[str]:
    """The names in the circle, in the order the roster lists them (table or list)."""
    section = page.split('<section aria-labelledby="roster-heading">')[1].split("</section>")[0]
    return re.findall(r"<tr>\s*<td>([^<]*)</td>", section) or re.findall(
        r"<li>([^<]*?)(?: <span|</li>)", section
    )


@pytest.fixture
def full_circle(app, make):
    """Fran facilitates a circle of 50: herself and Member 01 to 49; Sky is Member 01."""
    fran = make.create_user("Fran Facilitator")
    org = make.create_org(owner=fran)
    circle = make.create_circle(org, fran, "Big circle", capacity=50)
    fill(app, circle.id, 49)
    with app.app_context():
        member = db.session.scalar(db.select(User).where(User.email == "private01@example.org"))
    return circle, fran, member, f"/circles/{circle.id}/roster"


def test_the_roster_shows_a_page_of_people_and_the_way_on(app, full_circle):
    _, fran, _, url = full_circle
    page = client_for(app, fran).get(url).get_data(as_text=True)
    assert names(page) == ["Fran"] + [f"Member {n:02}" for n in range(1, PAGE)]
    assert "50 people" in page
    assert "Page 1 of 2" in page_nav(page) and 'aria-current="page"' in page_nav(page)
    second = client_for(app, fran).get(url, query_string={"page": 2}).get_data(as_text=True)
    assert names(second) == [f"Member {n:02}" for n in range(PAGE, 50)]
    assert f'href="{url}"' not in page_nav(second) and f'href="{url}?page=1"' in page_nav(second)


def test_a_member_pages_through_names_only(app, full_circle):
    _, _, member, url = full_circle
    viewer = client_for(app, member)
    page = viewer.get(url, query_string={"page": 2}).get_data(as_text=True)
    assert names(page) == [f"Member {n:02}" for n in range(PAGE, 50)]
    assert "Page 2 of 2" in page_nav(page)
    assert "private" not in page.lower() and "@example.org" not in page


def test_a_facilitator_searches_names_accounts_and_addresses(app, full_circle):
    _, fran, _, url = full_circle
    facilitator = client_for(app, fran)
    for q in ("member 07", "PRIVATE PERSON 07", "private07@"):
        page = facilitator.get(url, query_string={"q": q}).get_data(as_text=True)
        assert names(page) == ["Member 07"], q
        assert f"1 of 50 people matches “{q}”" in page
    page = facilitator.get(url, query_string={"q": "member 0"}).get_data(as_text=True)
    assert len(names(page)) == 9 and page_nav(page) == ""


def test_a_members_search_finds_circle_names_and_never_accounts(app, full_circle):
    _, _, member, url = full_circle
    viewer = client_for(app, member)
    page = viewer.get(url, query_string={"q": "member 07"}).get_data(as_text=True)
    assert names(page) == ["Member 07"]
    for q in ("Private Person 07", "private07@example.org", "example.org"):
        page = viewer.get(url, query_string={"q": q}).get_data(as_text=True)
        assert names(page) == [] and "Nobody here matches" in page, q


def test_page_links_keep_the_search(app, full_circle):
    _, fran, _, url = full_circle
    page = client_for(app, fran).get(url, query_string={"q": "member"}).get_data(as_text=True)
    assert len(names(page)) == PAGE and "49 of 50 people match" in page
    assert f'href="{url}?page=2&amp;q=member"' in page_nav(page)


@pytest.mark.parametrize("page", ["two", "-2", "0", "1e3", "99999999999999999999"])
def test_odd_page_numbers_show_the_first_or_last_page(app, full_circle, page):
    _, fran, _, url = full_circle
    response = client_for(app, fran).get(url, query_string={"page": page})
    assert response.status_code == 200
    expected = "Page 2 of 2" if page.startswith("9") else "Page 1 of 2"
    assert expected in page_nav(response.get_data(as_text=True))


def test_removing_a_member_returns_to_the_same_page_and_search(app, full_circle):
    circle, fran, _, url = full_circle
    facilitator = client_for(app, fran)
    page = facilitator.get(url, query_string={"q": "member", "page": 2}).get_data(as_text=True)
    with app.app_context():
        member_id = db.session.scalar(
            db.select(CircleMember.id).where(CircleMember.display_name == "Member 30")
        )
    action = f"/circles/{circle.id}/members/{member_id}/remove?q=member&amp;page=2"
    assert f'action="{action}"' in page
    response = facilitator.post(action.replace("&amp;", "&"))
    assert response.headers["Location"] == f"{url}?q=member&page=2"
    after = facilitator.get(response.headers["Location"]).get_data(as_text=True)
    assert "Member 30" not in names(after) and "48 of 49 people match" in after


def test_a_small_circle_has_no_page_links_and_no_search_box(app, make):
    fran = make.create_user("Fran Facilitator")
    org = make.create_org(owner=fran)
    circle = make.create_circle(org, fran, "Small circle")
    make.add_member(circle, make.create_user("Sam"), "Sam")
    page = client_for(app, fran).get(f"/circles/{circle.id}/roster").get_data(as_text=True)
    assert names(page) == ["Fran", "Sam"] and "2 people" in page
    assert page_nav(page) == "" and 'type="search"' not in page


def test_paging_changes_nothing_about_who_may_see_a_roster(app, make, full_circle):
    _, _, _, url = full_circle
    outsider = make.create_user("Out Sider")
    other = make.create_circle(make.create_org("Elsewhere", owner=outsider), outsider)
    stranger = client_for(app, outsider)
    assert stranger.get(url, query_string={"page": 2, "q": "member"}).status_code == 404
    assert stranger.get(f"/circles/{other.id}/roster").status_code == 200


def test_the_roster_service_pages_on_the_server(app, full_circle, ctx):
    circle, *_ = full_circle
    page = services.roster_page(circle.id, "MEMBER 4", page=1)
    assert [m.display_name for m in page.items] == [f"Member {n}" for n in range(40, 50)]
    assert page.total == 10 and services.circle_size(circle.id) == 50
    hidden = services.roster_page(circle.id, "private", page=1)
    assert hidden.total == 0  # without accounts, the search sees circle names only
    assert services.roster_page(circle.id, "private", with_accounts=True).total == 49
