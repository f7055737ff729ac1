"""A long audit log: fifty entries a page, newest first, searchable by what was done and who did
it as the log shows them, with the filter kept on every page link."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from sqlalchemy import update

from circles.audit import services
from circles.audit.models import AuditAction, AuditEntry
from circles.audit.services import record
from circles.db import utcnow
from circles.extensions import db
from tests.conftest import client_for
from tests.pages import page_nav


def cells(page: str, column: int) -> list[str]:
    """One column of the entries table (0: when, 1: who, 2: what, ...), newest first."""
    if "<tbody>" not in page:
        return []
    body = page.split("<tbody>")[1].split("</tbody>")[0]
    rows = [re.findall(r"<td>(.*?)</td>", row, re.S) for row in body.split("</tr>")[:-1]]
    return [html.unescape(row[column]) for row in rows]


def whats(page: str) -> list[str]:
    return cells(page, 2)


def whos(page: str) -> list[str]:
    return cells(page, 1)


@pytest.fixture
def long_log(app, make):
    """120 entries: Ada viewed reports 100 times, then Fran changed 20 roles (newest)."""
    ada = make.create_user("Ada Admin")
    org = make.create_org("Harbour Practice", owner=ada)
    fran = make.create_user("Fran Facilitator")
    make.add_staff(org, fran)
    with app.app_context():
        for n in range(100):
            record(org.id, ada.id, AuditAction.REPORT_VIEWED, "circle", n)
        for _ in range(20):
            record(org.id, fran.id, AuditAction.ROLE_CHANGED, "user", fran.id)
        db.session.flush()
        # One second apart, in the order written.
        for n, entry in enumerate(db.session.scalars(db.select(AuditEntry).order_by("id"))):
            db.session.execute(
                update(AuditEntry)
                .where(AuditEntry.id == entry.id)
                .values(created_at=utcnow() - timedelta(seconds=200 - n)),
                execution_options={"audit_scrub": True},
            )
        db.session.commit()
    return client_for(app, ada), f"/orgs/{org.id}/audit", org, fran


def test_the_log_shows_fifty_entries_newest_first(long_log):
    ada, url, *_ = long_log
    page = ada.get(url).get_data(as_text=True)
    assert "Entries (120)" in page
    assert whats(page) == ["Changed a team member's role"] * 20 + ["Viewed a check-in report"] * 30
    assert "Page 1 of 3" in page_nav(page) and 'aria-current="page"' in page_nav(page)
    assert f'href="{url}?page=2"' in page_nav(page) and "Newer" not in page_nav(page)
    last = ada.get(url, query_string={"page": 3}).get_data(as_text=True)
    assert (
        len(whats(last)) == 20 and "Page 3 of 3" in page_nav(last) and "Older" not in page_nav(last)
    )


def test_search_finds_what_was_done_as_the_log_says_it(long_log):
    ada, url, *_ = long_log
    page = ada.get(url, query_string={"q": "TEAM MEMBER'S ROLE"}).get_data(as_text=True)
    assert "Entries (20)" in page and set(whats(page)) == {"Changed a team member's role"}
    assert page_nav(page) == ""
    assert 'value="TEAM MEMBER&#39;S ROLE"' in page  # the box keeps what was searched


def test_search_finds_who_did_it(long_log):
    ada, url, *_ = long_log
    page = ada.get(url, query_string={"q": "fran"}).get_data(as_text=True)
    assert "Entries (20)" in page and set(whos(page)) == {"Fran Facilitator"}


def test_search_finds_entries_of_deleted_accounts_as_the_log_names_them(app, long_log):
    ada, url, org, _ = long_log
    with app.app_context():
        record(org.id, None, AuditAction.ACCOUNT_ERASED, "user", None)
        db.session.commit()
    page = ada.get(url, query_string={"q": "deleted account"}).get_data(as_text=True)
    assert "Entries (1)" in page and whos(page) == ["A deleted account"]


def test_page_links_keep_the_search_and_the_filter(long_log):
    ada, url, *_ = long_log
    query = {"q": "ada", "action": "report_viewed"}
    page = ada.get(url, query_string=query).get_data(as_text=True)
    assert "Entries (100)" in page and "Page 1 of 2" in page_nav(page)
    link = re.search(r'href="([^"]*)"[^>]*>Older', page_nav(page)).group(1)
    assert "page=2" in link and "q=ada" in link and "action=report_viewed" in link
    second = ada.get(link.replace("&amp;", "&")).get_data(as_text=True)
    assert "Page 2 of 2" in page_nav(second) and set(whos(second)) == {"Ada Admin"}


def test_page_links_pass_on_only_the_filter(long_log):
    ada, url, org, _ = long_log
    page = ada.get(url, query_string={"org_id": org.id + 1, "_external": "1", "x": "y"})
    assert page.status_code == 200
    assert f'href="{url}?page=2"' in page_nav(page.get_data(as_text=True))


@pytest.mark.parametrize("page", ["last", "-1", "0", "", "2.5", "9" * 40])
def test_odd_page_numbers_never_fail(long_log, page):
    ada, url, *_ = long_log
    response = ada.get(url, query_string={"page": page})
    assert response.status_code == 200
    shown = page_nav(response.get_data(as_text=True))
    assert ("Page 3 of 3" if page.startswith("9") else "Page 1 of 3") in shown


def test_a_page_past_the_end_is_the_last_page(long_log):
    ada, url, *_ = long_log
    page = ada.get(url, query_string={"page": 4}).get_data(as_text=True)
    assert "Page 3 of 3" in page_nav(page) and len(whats(page)) == 20


def test_a_search_that_is_too_long_is_refused_gently(long_log):
    ada, url, *_ = long_log
    response = ada.get(url, query_string={"q": "x" * 101})
    assert response.status_code == 400 and "Entries (120)" in response.get_data(as_text=True)


def test_paging_changes_nothing_about_who_may_read_the_log(app, make, long_log):
    _, url, _, fran = long_log
    query = {"page": 2, "q": "ada"}
    assert client_for(app, fran).get(url, query_string=query).status_code == 403
    outsider = make.create_user("Out Sider")
    make.create_org("Elsewhere", owner=outsider)
    assert client_for(app, outsider).get(url, query_string=query).status_code == 404


def test_the_log_service_pages_on_the_server(long_log, ctx):
    _, _, org, fran = long_log
    page = services.entries_for(org.id, services.AuditFilter(text="viewed"), page=2)
    assert page.total == 100 and page.page == 2 and len(page.items) == 50
    by_fran = services.entries_for(org.id, services.AuditFilter(actor_id=fran.id, text="role"))
    assert by_fran.total == 20
