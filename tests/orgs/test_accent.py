"""An organisation's accent colour and name on its pages: chosen in the settings, refused when
links and buttons in it would be hard to read, served as a stylesheet the CSP allows."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from circles import CSP
from circles.audit.models import AuditAction, AuditEntry
from circles.extensions import db
from circles.orgs import colours
from circles.orgs.models import Organisation
from tests.conftest import client_for

SETTINGS = {"name": "Harbour Clinic", "anonymity_k": "5", "crisis_resources": ""}
ACCENT_LINK = re.compile(r'<link rel="stylesheet" href="/accent/([0-9a-f]{6})\.css">')


@pytest.fixture
def clinic(make):
    owner = make.create_user("Olive Owner")
    org = make.create_org("Harbour Clinic", owner=owner)
    circle = make.create_circle(org, owner, "Evening circle")
    member = make.create_user("Sam Member")
    make.add_member(circle, member, "Sam")
    return owner, org, circle, member


def saved_accent(app, org_id):
    with app.app_context():
        return db.session.get(Organisation, org_id).accent_colour


def set_accent(app, org_id, colour):
    with app.app_context():
        db.session.get(Organisation, org_id).accent_colour = colour
        db.session.commit()


def accent_of(html):
    found = ACCENT_LINK.findall(html)
    return f"#{found[0]}" if found else None


def test_contrast_follows_wcag():
    assert colours.contrast("#000000", "#ffffff") == pytest.approx(21)
    assert colours.contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
    assert colours.is_readable(colours.DEFAULT_ACCENT)
    assert not colours.is_readable("#ff0000")
    shade = colours.readable_shade("#ff0000")
    assert colours.is_readable(shade) and shade.startswith("#") and shade != "#000000"
    assert [colours.normalise(t) for t in ("#2F5D50", " 2f5d50 ", "#2f5", "red", "#12345")] == [
        "#2f5d50",
        "#2f5d50",
        "#22ff55",
        None,
        None,
    ]


def test_admin_sets_the_accent_and_the_change_is_audited(app, clinic):
    owner, org, _, _ = clinic
    client = client_for(app, owner)
    response = client.post(
        f"/orgs/{org.id}/settings", data={**SETTINGS, "accent_colour": "#6A1B9A"}
    )
    assert response.status_code == 302
    assert saved_accent(app, org.id) == "#6a1b9a"
    with app.app_context():
        entry = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == AuditAction.SETTINGS_CHANGED)
        ).one()
        assert entry.details == {"changed": ["accent_colour"]}  # names only, never values

    # A form without the field keeps the colour; emptied, Circles' own colour is back.
    assert client.post(f"/orgs/{org.id}/settings", data=SETTINGS).status_code == 302
    assert saved_accent(app, org.id) == "#6a1b9a"
    response = client.post(f"/orgs/{org.id}/settings", data={**SETTINGS, "accent_colour": ""})
    assert response.status_code == 302 and saved_accent(app, org.id) is None


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("#ffcc00", "would be hard to read"),
        ("#777777", "contrast 3.8 to 1; they need at least 4.5 to 1"),
        ("green", "Enter a colour as # and six letters or digits"),
    ],
)
def test_a_colour_hard_to_read_is_refused_with_the_input_kept(app, clinic, typed, message):
    owner, org, _, _ = clinic
    set_accent(app, org.id, "#0055aa")
    client = client_for(app, owner)
    response = client.post(
        f"/orgs/{org.id}/settings",
        data={**SETTINGS, "name": "Renamed", "accent_colour": typed},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and message in html
    assert f'value="{typed}"' in html and 'aria-invalid="true"' in html
    assert saved_accent(app, org.id) == "#0055aa"
    with app.app_context():
        assert db.session.get(Organisation, org.id).name == "Harbour Clinic"  # nothing saved


def test_a_refusal_offers_a_readable_shade_of_the_same_colour(app, clinic):
    owner, org, _, _ = clinic
    html = (
        client_for(app, owner)
        .post(f"/orgs/{org.id}/settings", data={**SETTINGS, "accent_colour": "#ff0000"})
        .get_data(as_text=True)
    )
    suggested = re.search(r"A darker shade of it, (#[0-9a-f]{6})", html)
    assert suggested and colours.is_readable(suggested.group(1))


def test_the_org_and_its_circles_pages_show_its_name_and_accent(app, clinic):
    owner, org, circle, member = clinic
    set_accent(app, org.id, "#6a1b9a")
    staff, person = client_for(app, owner), client_for(app, member)
    for client, path in (
        (staff, f"/orgs/{org.id}"),
        (staff, f"/orgs/{org.id}/team"),
        (staff, f"/circles/{circle.id}/roster"),
        (person, f"/circles/{circle.id}"),
        (person, f"/circles/{circle.id}/meetings"),
    ):
        html = client.get(path).get_data(as_text=True)
        assert accent_of(html) == "#6a1b9a", path
        assert '<span class="org-name">Harbour Clinic</span>' in html, path
    # Pages that belong to no organisation keep Circles' own look.
    for path in ("/", "/account", "/schedule"):
        html = person.get(path).get_data(as_text=True)
        assert accent_of(html) is None and "org-name" not in html, path


@pytest.mark.parametrize("stored", [None, "#ffcc00"])
def test_no_accent_or_an_unreadable_one_keeps_circles_own_colour(app, clinic, stored):
    """Nothing set, or a pale colour stored by other means than the settings form."""
    owner, org, _, _ = clinic
    set_accent(app, org.id, stored)
    html = client_for(app, owner).get(f"/orgs/{org.id}").get_data(as_text=True)
    assert accent_of(html) is None and '<span class="org-name">Harbour Clinic</span>' in html


def test_another_organisations_name_and_colour_never_show(app, make, clinic):
    _, org, circle, _ = clinic
    set_accent(app, org.id, "#6a1b9a")
    outsider = make.create_user("Bea Outsider")
    make.create_org("Other Practice", owner=outsider)
    client = client_for(app, outsider)
    for path in (f"/orgs/{org.id}", f"/circles/{circle.id}", f"/orgs/{org.id}/settings"):
        response = client.get(path)
        html = response.get_data(as_text=True)
        assert response.status_code == 404, path
        assert "Harbour Clinic" not in html and accent_of(html) is None, path


def test_the_stylesheet_serves_readable_colours_only(client):
    response = client.get("/accent/6a1b9a.css")
    assert response.status_code == 200 and response.mimetype == "text/css"
    assert response.get_data(as_text=True) == ":root { --accent: #6a1b9a; }\n"
    for colour in ("ffcc00", "6A1B9A", "zzzzzz", "6a1b9"):
        assert client.get(f"/accent/{colour}.css").status_code == 404, colour
    # The page keeps its strict policy: no inline style anywhere.
    assert response.headers["Content-Security-Policy"] == CSP and "unsafe-inline" not in CSP
