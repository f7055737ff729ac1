"""The organisation's name in the header: an organisation's own name, never a person's."""

from __future__ import annotations

import sqlalchemy as sa

from circles.extensions import db
from circles.orgs.models import Organisation
from tests.conftest import client_for


def test_a_clinics_name_shows_on_its_circle_pages(app, make):
    owner = make.create_user("Fran Okafor")
    circle = make.create_circle(make.create_org("Riverside Clinic", owner=owner), owner)
    member = make.create_user("Sam Example")
    make.add_member(circle, member, "Sam")
    page = client_for(app, member).get(f"/circles/{circle.id}").get_data(as_text=True)
    assert '<span class="org-name">Riverside Clinic</span>' in page


def test_a_personal_organisation_named_after_its_facilitator_is_not_shown(app, make):
    owner = make.create_user("Fran Okafor")
    org = make.create_org("Fran Okafor's practice", owner=owner)
    with app.app_context():
        db.session.execute(
            sa.update(Organisation).where(Organisation.id == org.id).values(personal=True)
        )
        db.session.commit()
    circle = make.create_circle(org, owner)
    member = make.create_user("Sam Example")
    make.add_member(circle, member, "Sam")
    page = client_for(app, member).get(f"/circles/{circle.id}").get_data(as_text=True)
    assert "Okafor" not in page and 'class="org-name"' not in page
