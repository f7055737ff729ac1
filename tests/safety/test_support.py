"""Support requests: named, apart from check-ins, mailed neutrally, handled in an inbox."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from circles.exceptions import ServiceError
from circles.extensions import db
from circles.safety import services
from circles.safety.models import MAX_MESSAGE, SupportRequest, SupportStatus
from tests.conftest import client_for


@pytest.fixture
def circle(make):
    facilitator = make.create_user("Fran Facilitator", email="fran@example.org")
    org = make.create_org(owner=facilitator)
    circle = make.create_circle(org, facilitator, "Evening circle")
    member = make.create_user("Sam Member")
    make.add_member(circle, member, "Sam")
    make.set_up_checkins(circle)
    return circle, member, facilitator


def test_member_asks_and_facilitators_get_a_neutral_mail(app, outbox, circle):
    circle, member, facilitator = circle
    client = client_for(app, member)
    page = client.get(f"/circles/{circle.id}/checkin").get_data(as_text=True)
    assert "This is not anonymous." in page
    response = client.post(
        f"/circles/{circle.id}/support",
        data={"message": "A hard week, grief came up.", "back": "checkin"},
    )
    assert response.status_code == 302
    assert response.location == f"/circles/{circle.id}/checkin#support"
    assert [m.to for m in outbox] == ["fran@example.org"]
    mail = outbox[0]
    assert "grief" not in mail.body and "Sam" not in mail.body and "Evening" not in mail.body
    assert f"/circles/{circle.id}/support" in mail.body
    inbox = client_for(app, facilitator).get(f"/circles/{circle.id}/support")
    html = inbox.get_data(as_text=True)
    assert "Sam" in html and "A hard week, grief came up." in html
    # The member sees where it stands.
    assert "New" in client.get(f"/circles/{circle.id}/checkin").get_data(as_text=True)


@pytest.mark.parametrize(
    ("back", "page_text"),
    [("checkin", "Send my check-in"), ("circle", "Our agreement"), ("elsewhere", "Our agreement")],
)
def test_an_over_long_request_is_explained_and_the_message_kept(
    app, outbox, circle, back, page_text
):
    circle, member, _ = circle
    message = "It has been a lot. " * (MAX_MESSAGE // 19 + 1)
    response = client_for(app, member).post(
        f"/circles/{circle.id}/support", data={"message": message, "back": back}
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert f"Keep it under {MAX_MESSAGE} characters." in page
    assert message.strip() + "</textarea>" in page
    assert page_text in page  # the page it came from, as before
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SupportRequest)) == 0
    assert outbox == []


def test_facilitator_changes_status_and_member_sees_it(app, make, circle):
    circle, member, facilitator = circle
    request = make.support_request(circle, member, "please call")
    fclient = client_for(app, facilitator)
    fclient.post(
        f"/circles/{circle.id}/support/{request.id}/status", data={"status": "acknowledged"}
    )
    page = client_for(app, member).get(f"/circles/{circle.id}/checkin").get_data(as_text=True)
    assert SupportStatus.ACKNOWLEDGED.label in page


def test_only_members_ask_and_not_endlessly(app, ctx, make, circle):
    circle, member, facilitator = circle
    with pytest.raises(ServiceError):
        make.support_request(circle, facilitator)
    for _ in range(services.MAX_OPEN):
        make.support_request(circle, member)
    with pytest.raises(ServiceError):
        make.support_request(circle, member)


def test_support_request_is_not_linked_to_any_check_in(app):
    from circles.extensions import db

    with app.app_context():
        columns = {c.name for c in db.metadata.tables["support_requests"].columns}
    assert not any("checkin" in c or "response" in c for c in columns)


def test_member_asks_from_the_circle_page_and_facilitators_see_it_waiting(app, outbox, circle):
    circle, member, facilitator = circle
    client = client_for(app, member)
    page = client.get(f"/circles/{circle.id}").get_data(as_text=True)
    assert "like a facilitator to reach out" in page and "This is not anonymous." in page
    response = client.post(f"/circles/{circle.id}/support", data={"message": "", "back": "circle"})
    assert response.location == f"/circles/{circle.id}#support"
    assert len(outbox) == 1
    page = client.get(f"/circles/{circle.id}").get_data(as_text=True)
    assert SupportStatus.NEW.label in page
    fpage = client_for(app, facilitator).get(f"/circles/{circle.id}").get_data(as_text=True)
    assert "1 support request is waiting for a facilitator" in fpage
    assert "This is not anonymous." not in fpage  # facilitators have no form to ask themselves
