"""The team page of a large organisation: fifty people a page, a search, totals from the count."""

from __future__ import annotations

import re

import pytest

from circles.accounts.models import User
from circles.extensions import db
from circles.orgs import services
from circles.orgs.models import OrgMember, OrgRole
from tests.conftest import client_for
from tests.pages import page_nav


def add_team(app, org_id: int, count: int, name: str = "Teammate", start: int = 1) -> None:
    """``count`` facilitators named "<name> 001", ... (accounts made directly: no hashing)."""
    with app.app_context():
        for n in range(start, start + count):
            user = User(
                email=f"{name.lower().replace(' ', '.')}{n:03}@example.org",
                password_hash="-",
                display_name=f"{name} {n:03}",
            )
            db.session.add(user)
            db.session.flush()
            db.session.add(OrgMember(org_id=org_id, user_id=user.id, role=OrgRole.FACILITATOR))
        db.session.commit()


def rows(page: str) -> list[str]:
    """The names in the team table, in order."""
    table = page.split('<section aria-labelledby="staff-heading">')[1].split("</section>")[0]
    return re.findall(r"<tr>\s*<td>([^<]*)</td>", table)


@pytest.fixture
def big_org(app, make):
    """Olive owns an organisation of 120 people: Olive and Teammate 001 to 119."""
    owner = make.create_user("Olive Owner", email="olive@example.org")
    org = make.create_org("Large Practice", owner=owner)
    add_team(app, org.id, 119)
    return client_for(app, owner), f"/orgs/{org.id}/team", org


def test_the_team_page_shows_fifty_people_and_the_way_on(big_org):
    admin, url, _ = big_org
    page = admin.get(url).get_data(as_text=True)
    names = rows(page)
    assert len(names) == 50
    assert names[:2] == ["Olive Owner", "Teammate 001"] and names[-1] == "Teammate 049"
    assert "120 people" in page  # the whole team, counted, not the page
    pages = page_nav(page)
    assert "Page 1 of 3" in pages and 'aria-current="page"' in pages
    assert f'href="{url}?page=2"' in pages and "Previous" not in pages


def test_later_pages_continue_where_the_last_one_stopped(big_org):
    admin, url, _ = big_org
    second = admin.get(url, query_string={"page": 2}).get_data(as_text=True)
    assert rows(second)[0] == "Teammate 050" and len(rows(second)) == 50
    assert "Page 2 of 3" in page_nav(second)
    assert f'href="{url}?page=1"' in page_nav(second) and f'href="{url}?page=3"' in page_nav(second)
    last = admin.get(url, query_string={"page": 3}).get_data(as_text=True)
    assert rows(last) == [f"Teammate {n:03}" for n in range(100, 120)]
    assert "Page 3 of 3" in page_nav(last) and "Next" not in page_nav(last)


def test_search_finds_people_by_name_or_email_in_any_case(app, big_org):
    admin, url, org = big_org
    add_team(app, org.id, 3, name="Rowan Quill")
    page = admin.get(url, query_string={"q": "rowan QUILL"}).get_data(as_text=True)
    assert rows(page) == ["Rowan Quill 001", "Rowan Quill 002", "Rowan Quill 003"]
    assert "3 of 123 people match “rowan QUILL”" in page
    assert page_nav(page) == ""  # one page: no page links
    assert rows(admin.get(url, query_string={"q": "olive@EXAMPLE"}).get_data(as_text=True)) == [
        "Olive Owner"
    ]
    nobody = admin.get(url, query_string={"q": "nobody by that name"}).get_data(as_text=True)
    assert rows(nobody) == [] and "Nobody on the team matches" in nobody


def test_search_text_is_taken_literally(big_org):
    admin, url, _ = big_org
    for wildcard in ("%", "_", "Teammate 0_1", "\\"):
        page = admin.get(url, query_string={"q": wildcard}).get_data(as_text=True)
        assert rows(page) == [], wildcard


def test_page_links_keep_the_search(big_org):
    admin, url, _ = big_org
    page = admin.get(url, query_string={"q": "teammate"}).get_data(as_text=True)
    assert "119 of 120 people match" in page and len(rows(page)) == 50
    assert f'href="{url}?page=2&amp;q=teammate"' in page_nav(page)
    second = admin.get(url, query_string={"q": "teammate", "page": 2}).get_data(as_text=True)
    assert rows(second)[0] == "Teammate 051"
    assert f'href="{url}?page=1&amp;q=teammate"' in page_nav(second)
    assert 'value="teammate"' in second  # the search box shows what was searched


@pytest.mark.parametrize("page", ["abc", "-1", "0", "", "1.5", "²", "1" * 5000])
def test_a_page_that_is_not_a_page_number_never_fails(big_org, page):
    admin, url, _ = big_org
    response = admin.get(url, query_string={"page": page})
    assert response.status_code == 200
    shown = response.get_data(as_text=True)
    assert "Page 1 of 3" in page_nav(shown) or "Page 3 of 3" in page_nav(
        shown
    )  # the first, or the last


def test_a_page_past_the_end_shows_the_last_page(big_org):
    admin, url, _ = big_org
    page = admin.get(url, query_string={"page": 99}).get_data(as_text=True)
    assert "Page 3 of 3" in page_nav(page) and rows(page)[-1] == "Teammate 119"


def test_a_search_with_odd_characters_never_fails(big_org):
    admin, url, _ = big_org
    for odd in ("\x00", "x" * 5000, "<script>", "  "):
        response = admin.get(url, query_string={"q": odd})
        assert response.status_code == 200 and "<script>" not in response.get_data(as_text=True)


def test_changing_a_role_returns_to_the_same_page_and_search(app, big_org):
    admin, url, org = big_org
    page = admin.get(url, query_string={"q": "teammate", "page": 2}).get_data(as_text=True)
    with app.app_context():
        member_id = db.session.scalar(
            db.select(OrgMember.id).join(User).where(User.display_name == "Teammate 060")
        )
    action = f"/orgs/{org.id}/team/{member_id}/role?q=teammate&amp;page=2"
    assert f'action="{action}"' in page
    response = admin.post(action.replace("&amp;", "&"), data={"role": "admin"})
    assert response.status_code == 302
    assert response.headers["Location"] == f"{url}?q=teammate&page=2"
    with app.app_context():
        assert db.session.get(OrgMember, member_id).role == OrgRole.ADMIN


def test_removing_the_last_person_on_the_last_page_lands_on_the_page_before(app, big_org):
    admin, url, org = big_org
    add_team(app, org.id, 31, name="Extra", start=1)  # 151 people: the fourth page holds one
    last = admin.get(url, query_string={"page": 4}).get_data(as_text=True)
    assert rows(last) == ["Extra 031"]
    remove = re.search(r'action="([^"]*/remove\?page=4)"', last).group(1)
    response = admin.post(remove, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "They are no longer part of the team." in page
    assert "Page 3 of 3" in page_nav(page) and "150 people" in page


def test_the_team_page_stays_the_same_size_however_large_the_team(app, make):
    owner = make.create_user("Olive Owner")
    org = make.create_org("Growing Practice", owner=owner)
    admin = client_for(app, owner)
    add_team(app, org.id, 59)
    sixty = len(admin.get(f"/orgs/{org.id}/team").data)
    add_team(app, org.id, 440, start=60)
    five_hundred = admin.get(f"/orgs/{org.id}/team")
    assert "500 people" in five_hundred.get_data(as_text=True)
    # Ten times the team, the same page: only the digits of the count and the nav differ.
    assert len(five_hundred.data) < sixty + 500
    # About 1.3 KB a row: fifty rows and the page around them, nowhere near 500 rows.
    assert len(five_hundred.data) < services.TEAM_PAGE_SIZE * 1_600 + 16_000


def test_page_and_search_change_nothing_about_who_may_see_the_team(app, make, big_org):
    _, url, org = big_org
    facilitator = make.create_user("Fran")
    make.add_staff(org, facilitator)
    query = {"page": 2, "q": "teammate"}
    assert client_for(app, facilitator).get(url, query_string=query).status_code == 403
    outsider = make.create_user("Out Sider")
    make.create_org("Elsewhere", owner=outsider)
    stranger = client_for(app, outsider)
    assert stranger.get(url, query_string=query).status_code == 404


def test_the_team_service_counts_and_pages_on_the_server(app, big_org, ctx):
    _, _, org = big_org
    found = services.team_page(org.id, "teammate 11", page=1)
    assert found.total == 10 and found.pages == 1
    assert [m.user.display_name for m in found.items][:2] == ["Teammate 110", "Teammate 111"]
    assert services.team_size(org.id) == 120
