"""Inviting people: links mailed to several addresses at once, named links, who joined through
which link, and what a new circle leads on to."""

from __future__ import annotations

import logging
import re

import pytest
from flask_babel import gettext, ngettext
from sqlalchemy import select

from circles.checkins.models import CheckinInstrument, PeriodKind
from circles.extensions import db
from circles.groups import invitations
from circles.groups.models import Circle, CircleInvite, CircleMember
from circles.groups.next_steps import next_steps
from circles.i18n import speaking
from circles.tokens import hash_token
from tests.conftest import client_for
from tests.groups.test_circles import CIRCLE


@pytest.fixture
def staffed(make):
    owner = make.create_user("Fran Facilitator")
    org = make.create_org("Practice", owner=owner)
    circle = make.create_circle(org, owner, "Circle One", capacity=8)
    return owner, org, circle


def invites_of(app, circle_id):
    with app.app_context():
        return list(
            db.session.scalars(
                select(CircleInvite)
                .where(CircleInvite.circle_id == circle_id)
                .order_by(CircleInvite.id)
            )
        )


def test_links_go_by_mail_to_several_addresses_each_bound_to_its_own(
    app, make, outbox, staffed, caplog
):
    owner, _, circle = staffed
    client = client_for(app, owner)
    caplog.set_level(logging.DEBUG)
    response = client.post(
        f"/circles/{circle.id}/invitations/send",
        data={"emails": "Maria@Example.org, sam@example.org\nsam@example.org", "days": "10"},
    )
    assert response.status_code == 302
    assert "2 invitations sent" in client.get(response.headers["Location"]).get_data(as_text=True)
    links = invites_of(app, circle.id)
    assert sorted(link.email for link in links) == ["maria@example.org", "sam@example.org"]
    assert {link.max_uses for link in links} == {1}
    assert sorted(mail.to for mail in outbox) == ["maria@example.org", "sam@example.org"]
    for mail in outbox:
        assert mail.subject == invitations.INVITATION_SUBJECT
        assert not re.search(r"therap|psyched|ketamin|drug|dos(e|ing)", mail.subject, re.I)
        assert "Circle One" in mail.body and "within 10 days" in mail.body
        token = re.search(r"http://circles\.test/join/(\S+)", mail.body).group(1)
        (link,) = [link for link in links if link.email == mail.to]
        assert link.token_hash == hash_token(token)  # each address its own link
        assert token not in caplog.text  # a mailed link never reaches a log
    assert "Fran" in outbox[0].body  # who invites, by their circle name


def test_invitation_mails_speak_the_language_of_the_person_who_sends_them(
    app, make, outbox, staffed
):
    """The people invited have no account, hence no language of their own yet."""
    owner, _, circle = staffed
    client = client_for(app, owner)
    response = client.post(
        f"/circles/{circle.id}/invitations/send",
        data={"emails": "maria@example.org", "days": "1"},
        headers={"Accept-Language": "de-DE,de;q=0.9"},
    )
    assert response.status_code == 302
    (mail,) = outbox
    with app.test_request_context(), speaking("de"):
        subject = gettext("You are invited to join a circle")
        validity = ngettext(
            "To see the invitation, open this link within %(num)d day:",
            "To see the invitation, open this link within %(num)d days:",
            1,
        )
    assert mail.subject == subject
    assert validity in mail.body and "Circle One" in mail.body


def test_one_bad_address_sends_nothing_and_keeps_what_was_typed(app, make, outbox, staffed):
    owner, _, circle = staffed
    client = client_for(app, owner)
    typed = "maria@example.org, not-an-address, sam@example.org"
    response = client.post(
        f"/circles/{circle.id}/invitations/send", data={"emails": typed, "days": "7"}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "not-an-address" in page and "nothing was sent" in page
    assert typed in page  # the field keeps the input
    assert outbox == [] and invites_of(app, circle.id) == []


def test_an_empty_send_is_explained(app, staffed, outbox):
    owner, _, circle = staffed
    response = client_for(app, owner).post(
        f"/circles/{circle.id}/invitations/send", data={"emails": " , ", "days": "7"}
    )
    assert response.status_code == 400
    assert "Enter at least one email address." in response.get_data(as_text=True)
    assert outbox == []


def test_a_link_has_a_label_its_staff_see(app, make, staffed):
    owner, _, circle = staffed
    client = client_for(app, owner)
    response = client.post(
        f"/circles/{circle.id}/invitations",
        data={"days": "7", "max_uses": "1", "email": "", "label": "  for   Maria "},
    )
    assert response.status_code == 302
    (link,) = invites_of(app, circle.id)
    assert link.label == "for Maria"
    page = client.get(f"/circles/{circle.id}/invitations").get_data(as_text=True)
    assert "<h3>for Maria</h3>" in page
    # The new link is shown once, with a copy button that stays hidden without the script.
    assert 'data-copy="new-link-url" hidden' in page and 'id="new-link-url"' in page


def test_a_too_long_label_is_refused_with_the_input_kept(app, make, staffed):
    owner, _, circle = staffed
    response = client_for(app, owner).post(
        f"/circles/{circle.id}/invitations",
        data={"days": "7", "max_uses": "1", "email": "", "label": "m" * 81},
    )
    assert response.status_code == 400
    assert "m" * 81 in response.get_data(as_text=True)
    assert invites_of(app, circle.id) == []


def test_staff_see_who_joined_through_which_link(app, make, staffed):
    owner, _, circle = staffed
    maria_link, _ = make.create_circle_invite(circle, owner)
    other_link, _ = make.create_circle_invite(circle, owner)
    with app.app_context():
        db.session.get(CircleInvite, maria_link.id).label = "for Maria"
        db.session.commit()
    make.join_through(maria_link, make.create_user("Maria Account"), "Mari")
    make.add_member(circle, make.create_user(), "Noor")  # added another way
    with app.app_context():
        members = {m.display_name: m.invite_id for m in db.session.scalars(select(CircleMember))}
    assert members["Mari"] == maria_link.id and members["Noor"] is None
    rows = {row.invite.id: row.joined for row in _rows(app, circle.id)}
    assert rows == {maria_link.id: ["Mari"], other_link.id: []}
    page = client_for(app, owner).get(f"/circles/{circle.id}/invitations").get_data(as_text=True)
    section = page[page.index("<h3>for Maria</h3>") :]
    assert re.search(r"Joined through it</dt>\s*<dd>Mari</dd>", section)
    assert "Nobody yet" in page


def _rows(app, circle_id):
    with app.app_context():
        return invitations.invitation_rows(circle_id)


def test_creating_a_circle_with_check_ins_leads_to_its_next_steps(app, make):
    owner = make.create_user()
    org = make.create_org(owner=owner)
    client = client_for(app, owner)
    form = client.get(f"/orgs/{org.id}/circles/new").get_data(as_text=True)
    assert re.search(r'<input [^>]*checked id="checkins"', form)  # offered, ticked
    response = client.post(f"/orgs/{org.id}/circles/new", data={**CIRCLE, "checkins": "y"})
    with app.app_context():
        circle = db.session.scalar(select(Circle))
        instrument = db.session.get(CheckinInstrument, circle.id)
        assert instrument is not None and instrument.period_kind == PeriodKind.WEEKLY
    assert response.headers["Location"] == f"/circles/{circle.id}/next-steps"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    for href in ("invitations", "checkins/setup", "meetings/new"):
        assert f'href="/circles/{circle.id}/{href}"' in page
    checkins = page[page.index('id="step-checkins"') :]
    assert checkins.index("Done") < checkins.index("</li>")
    assert page.count("Not done yet") == 2


def test_check_ins_stay_off_when_not_ticked(app, make):
    owner = make.create_user()
    org = make.create_org(owner=owner)
    client_for(app, owner).post(f"/orgs/{org.id}/circles/new", data=CIRCLE)
    with app.app_context():
        assert db.session.scalar(select(CheckinInstrument)) is None


def test_each_step_shows_done_once_taken(app, make, staffed):
    owner, _, circle = staffed
    with app.app_context():
        assert [s.done for s in next_steps(db.session.get(Circle, circle.id))] == [
            False,
            False,
            False,
        ]
    make.create_circle_invite(circle, owner)
    make.set_up_checkins(circle)
    make.meeting(circle, owner)
    with app.app_context():
        steps = next_steps(db.session.get(Circle, circle.id))
        assert [(s.key, s.done) for s in steps] == [
            ("invite", True),
            ("checkins", True),
            ("meeting", True),
        ]


def test_sends_are_limited_per_person_and_mistakes_do_not_count(app, outbox, staffed):
    owner, _, circle = staffed
    client = client_for(app, owner)
    path = f"/circles/{circle.id}/invitations/send"
    for _ in range(3):  # corrected mistakes cost nothing
        assert client.post(path, data={"emails": "oops", "days": "7"}).status_code == 400
    for n in range(10):
        sent = client.post(path, data={"emails": f"p{n}@example.org", "days": "7"})
        assert sent.status_code == 302
    refused = client.post(path, data={"emails": "one-more@example.org", "days": "7"})
    assert refused.status_code == 429
    assert len(outbox) == 10
