"""A busy support inbox: a page of requests at a time, open ones first, searchable by what the
facilitators see (the name in the circle, the message, the status)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from circles.accounts.models import User
from circles.db import utcnow
from circles.extensions import db
from circles.groups import services as groups
from circles.groups.models import Circle, CircleMember, CircleRole
from circles.safety import services
from circles.safety.models import SupportRequest, SupportStatus
from tests.conftest import client_for
from tests.pages import page_nav

PAGE = services.INBOX_PAGE_SIZE


def names(page: str) -> list[str]:
    """Who asked, in the order the inbox lists the requests."""
    return re.findall(r'<li class="meeting">\s*<strong class="[^"]*">([^<]*)</strong>', page)


@pytest.fixture
def busy(app, make):
    """45 requests from members "Asker 01" to "Asker 45", newest last; 01 to 05 closed."""
    fran = make.create_user("Fran Facilitator")
    org = make.create_org(owner=fran)
    circle = make.create_circle(org, fran, "Evening circle", capacity=50)
    now = utcnow()
    with app.app_context():
        circle_row = db.session.get(Circle, circle.id)
        for n in range(1, 46):
            user = User(email=f"asker{n}@example.org", password_hash="-", display_name=f"U {n}")
            db.session.add(user)
            db.session.flush()
            groups.add_member(circle_row, user, f"Asker {n:02}", CircleRole.MEMBER)
            db.session.add(
                SupportRequest(
                    circle_id=circle.id,
                    user_id=user.id,
                    message="Please call after six." if n % 10 == 0 else "",
                    status=SupportStatus.CLOSED if n <= 5 else SupportStatus.NEW,
                    closed_at=now if n <= 5 else None,
                    created_at=now - timedelta(hours=100 - n),
                )
            )
        db.session.commit()
    return circle, client_for(app, fran), f"/circles/{circle.id}/support"


def test_the_inbox_shows_a_page_of_requests_open_ones_first(busy):
    _, fran, url = busy
    page = fran.get(url).get_data(as_text=True)
    assert names(page) == [f"Asker {n:02}" for n in range(45, 45 - PAGE, -1)]
    assert "45 requests, 40 new." in page
    assert "Page 1 of 3" in page_nav(page) and 'aria-current="page"' in page_nav(page)
    last = fran.get(url, query_string={"page": 3}).get_data(as_text=True)
    assert names(last) == ["Asker 05", "Asker 04", "Asker 03", "Asker 02", "Asker 01"]  # closed
    assert f'href="{url}?page=2"' in page_nav(last)


def test_search_by_name_message_or_status(busy):
    _, fran, url = busy
    by_name = fran.get(url, query_string={"q": "asker 07"}).get_data(as_text=True)
    assert names(by_name) == ["Asker 07"] and "1 of 45 requests matches “asker 07”" in by_name
    by_message = fran.get(url, query_string={"q": "CALL AFTER"}).get_data(as_text=True)
    assert names(by_message) == ["Asker 40", "Asker 30", "Asker 20", "Asker 10"]
    closed = fran.get(url, query_string={"q": "closed"}).get_data(as_text=True)
    assert names(closed) == [f"Asker {n:02}" for n in range(5, 0, -1)]
    nothing = fran.get(url, query_string={"q": "50%"}).get_data(as_text=True)
    assert names(nothing) == [] and "No request matches" in nothing


def test_a_request_from_someone_who_left_is_found_as_the_inbox_names_it(app, busy):
    _, fran, url = busy
    with app.app_context():
        db.session.execute(db.delete(CircleMember).where(CircleMember.display_name == "Asker 12"))
        db.session.commit()
    page = fran.get(url, query_string={"q": "former member"}).get_data(as_text=True)
    assert names(page) == ["A former member"]


def test_page_links_keep_the_search(busy):
    _, fran, url = busy
    page = fran.get(url, query_string={"q": "new"}).get_data(as_text=True)
    assert "40 of 45 requests match" in page and len(names(page)) == PAGE
    assert f'href="{url}?page=2&amp;q=new"' in page_nav(page)


@pytest.mark.parametrize("page", ["x", "-3", "0", "3.0", "12345678901234567890", "\x00"])
def test_odd_page_numbers_never_fail(busy, page):
    _, fran, url = busy
    response = fran.get(url, query_string={"page": page})
    assert response.status_code == 200 and page_nav(response.get_data(as_text=True))


def test_a_page_past_the_end_is_the_last_page(busy):
    _, fran, url = busy
    page = fran.get(url, query_string={"page": 7}).get_data(as_text=True)
    assert "Page 3 of 3" in page_nav(page) and names(page)[-1] == "Asker 01"


def test_a_status_change_returns_to_the_same_page_and_search(app, busy):
    circle, fran, url = busy
    page = fran.get(url, query_string={"q": "asker", "page": 2}).get_data(as_text=True)
    with app.app_context():
        request_id = db.session.scalar(
            db.select(SupportRequest.id)
            .join(CircleMember, CircleMember.user_id == SupportRequest.user_id)
            .where(CircleMember.display_name == "Asker 20")
        )
    action = f"/circles/{circle.id}/support/{request_id}/status?q=asker&amp;page=2"
    assert f'action="{action}"' in page
    response = fran.post(action.replace("&amp;", "&"), data={"status": "acknowledged"})
    assert response.headers["Location"] == f"{url}?q=asker&page=2"
    with app.app_context():
        assert db.session.get(SupportRequest, request_id).status == SupportStatus.ACKNOWLEDGED


def test_a_quiet_inbox_has_no_search_and_no_page_links(app, make):
    fran = make.create_user("Fran")
    circle = make.create_circle(make.create_org(owner=fran), fran)
    page = client_for(app, fran).get(f"/circles/{circle.id}/support").get_data(as_text=True)
    assert "No requests." in page and 'type="search"' not in page and page_nav(page) == ""


def test_paging_changes_nothing_about_who_may_read_the_inbox(app, make, busy):
    _, _, url = busy
    with app.app_context():
        member = db.session.scalar(db.select(User).where(User.email == "asker1@example.org"))
    query = {"page": 2, "q": "asker"}
    assert client_for(app, member).get(url, query_string=query).status_code == 403
    outsider = make.create_user("Out Sider")
    make.create_org("Elsewhere", owner=outsider)
    assert client_for(app, outsider).get(url, query_string=query).status_code == 404


def test_the_inbox_service_counts_on_the_server(app, busy, ctx):
    circle, *_ = busy
    page = services.inbox_page(circle.id, "Asker 4", page=1)
    assert page.total == 6 and page.items[0][1] == "Asker 45"
    assert services.request_count(circle.id) == 45
