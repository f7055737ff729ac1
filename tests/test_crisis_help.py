""" "Need help now?": one click from every page, without JavaScript, with the organisation's own
contacts, and general guidance until an organisation has written them."""

from __future__ import annotations

import re

from circles.extensions import db
from circles.orgs.models import Organisation
from circles.templating import link_urls
from tests.conftest import client_for

HELP_LINK = '<a class="help-link" href="/help">Need help now?</a>'


def test_every_page_links_to_help_for_everyone(app, make):
    fran = make.create_user("Fran")
    org = make.create_org(owner=fran)
    circle = make.create_circle(org, fran, "Circle")
    mo = make.create_user("Mo")
    make.add_member(circle, mo, "Mo")
    live = make.live_session(circle, fran)
    member = client_for(app, mo)
    for path in ("/", f"/circles/{circle.id}", f"/circles/{circle.id}/live/{live.id}", "/account"):
        assert HELP_LINK in member.get(path).get_data(as_text=True), path
    anonymous = app.test_client()
    assert HELP_LINK in anonymous.get("/login").get_data(as_text=True)
    page = anonymous.get("/help").get_data(as_text=True)
    assert "call your local emergency number now" in page
    assert "<script" not in page.split("</head>")[1]  # works without JavaScript


def test_members_see_their_organisations_contacts(app, make):
    fran = make.create_user("Fran")
    org = make.create_org("Harbour Practice", owner=fran)
    circle = make.create_circle(org, fran, "Circle")
    lee = make.create_user("Lee")
    other = make.create_org("Elsewhere Clinic", owner=lee)
    with app.app_context():
        db.session.get(
            Organisation, org.id
        ).crisis_resources = (
            "Out of hours: 0800 123 456\nhttps://harbour.example/urgent.\n<b>not bold</b>"
        )
        db.session.get(Organisation, other.id).crisis_resources = "Elsewhere's own line"
        db.session.commit()
    mo = make.create_user("Mo")
    make.add_member(circle, mo, "Mo")
    page = client_for(app, mo).get("/help").get_data(as_text=True)
    assert "From Harbour Practice" in page and "Out of hours: 0800 123 456" in page
    assert (
        '<a href="https://harbour.example/urgent" rel="noopener noreferrer" target="_blank">'
        in page
    )
    assert "&lt;b&gt;not bold&lt;/b&gt;" in page
    assert "Elsewhere" not in page  # nothing of another organisation


def test_an_organisation_without_contacts_shows_general_guidance(app, make):
    fran = make.create_user("Fran")
    make.create_org("Quiet Practice", owner=fran)
    page = client_for(app, fran).get("/help").get_data(as_text=True)
    assert "Quiet Practice has not added its own contacts here yet." in page


def test_only_web_addresses_become_links():
    html = str(link_urls('See https://a.example/x?y=1, or javascript:alert(1) "quoted"'))
    assert re.findall(r'href="([^"]+)"', html) == ["https://a.example/x?y=1"]
    assert "&#34;quoted&#34;" in html
