"""Bad input gets a clear answer and loses nothing: never a 500, never half a change.

Forms re-render with a message and what the person typed; links with odd ids are simply not
found; nothing is saved. PostgreSQL refuses text with a NUL character outright, so these tests
matter most there (SQLite would quietly store it).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from circles.exceptions import ServiceError
from circles.extensions import db
from circles.live import planning
from circles.live.models import PlanItem
from circles.meetings.models import Meeting
from circles.security import safe_next_url
from tests import factories as f
from tests.conftest import login_as
from tests.pages import database_state, form_posting_to
from tests.world import World, build_world

UNSAVABLE = "can't be saved"


@pytest.fixture
def world(app: Flask) -> World:
    with app.app_context():
        return build_world()


def as_role(app: Flask, world: World, role: str) -> FlaskClient:
    client = app.test_client()
    with app.app_context():
        login_as(client, world.users[role])
    return client


def state(app: Flask) -> dict[str, list[tuple[object, ...]]]:
    with app.app_context():
        return database_state()


@dataclass(frozen=True)
class FormCase:
    """A form on a page, posted as the browser shows it, with one field changed."""

    role: str
    page: Callable[[World], str]
    action: Callable[[World], str]
    field: str
    extra: Callable[[World], dict[str, str]] = lambda w: {}


def next_week() -> str:
    return (date.today() + timedelta(days=7)).isoformat()


SEVEN_FORMS = {
    "circle name": FormCase(
        "facilitator",
        lambda w: f"/orgs/{w.org_a}/circles/new",
        lambda w: f"/orgs/{w.org_a}/circles/new",
        "name",
        lambda w: {"facilitator_name": "Fran"},
    ),
    "circle description": FormCase(
        "facilitator",
        lambda w: f"/circles/{w.circle_a1}/edit",
        lambda w: f"/circles/{w.circle_a1}/edit",
        "description",
    ),
    "display name in a circle": FormCase(
        "other_member",
        lambda w: f"/join/{w.circle_token_a1}",
        lambda w: f"/join/{w.circle_token_a1}",
        "display_name",
        lambda w: {"accept": "y"},
    ),
    "display name of the account": FormCase(
        "member", lambda w: "/account", lambda w: "/account", "display_name"
    ),
    "support message": FormCase(
        "member",
        lambda w: f"/circles/{w.circle_a1}",
        lambda w: f"/circles/{w.circle_a1}/support",
        "message",
    ),
    "check-in option": FormCase(
        "facilitator",
        lambda w: f"/circles/{w.circle_a1}/checkins/setup",
        lambda w: f"/circles/{w.circle_a1}/checkins/options",
        "label",
        lambda w: {"kind": "theme"},
    ),
    "crisis resources": FormCase(
        "admin",
        lambda w: f"/orgs/{w.org_a}/settings",
        lambda w: f"/orgs/{w.org_a}/settings",
        "crisis_resources",
    ),
    "journal entry": FormCase("member", lambda w: "/journal/new", lambda w: "/journal/new", "text"),
    "own commitment": FormCase(
        "member", lambda w: "/commitments", lambda w: "/commitments", "text"
    ),
    "plan's own action": FormCase(
        "member",
        lambda w: f"/integration/{w.dosing_member}/plan",
        lambda w: f"/integration/{w.dosing_member}/plan",
        "own_action",
        lambda w: {"action": "own"},
    ),
    "agenda": FormCase(
        "facilitator",
        lambda w: f"/circles/{w.circle_a1}/meetings/new",
        lambda w: f"/circles/{w.circle_a1}/meetings/new",
        "agenda",
        lambda w: {"date": next_week(), "start_time": "19:00"},
    ),
}


@pytest.mark.parametrize("odd", ["Calm\x00evening", "Calm\x07evening", "Calm\x1bevening"])
@pytest.mark.parametrize("case", SEVEN_FORMS.values(), ids=SEVEN_FORMS.keys())
def test_a_control_character_is_refused_with_a_message(
    app: Flask, world: World, case: FormCase, odd: str
) -> None:
    client = as_role(app, world, case.role)
    page = client.get(case.page(world))
    assert page.status_code == 200
    form = form_posting_to(page.text, case.page(world), case.action(world))
    before = state(app)
    response = client.post(
        case.action(world), data=form.data(**case.extra(world), **{case.field: odd})
    )
    assert response.status_code in (200, 400), response.status_code  # the form, again
    assert UNSAVABLE in html.unescape(response.text)
    assert "Calm" in response.text  # what they typed is still there, to correct
    assert state(app) == before


def test_the_same_form_without_the_character_is_saved(app: Flask, world: World) -> None:
    """The cases above fail for the character alone: the rest of each form is valid."""
    for name, case in SEVEN_FORMS.items():
        client = as_role(app, world, case.role)
        page = client.get(case.page(world))
        form = form_posting_to(page.text, case.page(world), case.action(world))
        before = state(app)
        data = form.data(**case.extra(world), **{case.field: "Calm evening"})
        response = client.post(case.action(world), data=data)
        assert response.status_code == 302, (name, response.status_code)
        assert state(app) != before, name


def test_tabs_and_line_breaks_are_kept_in_longer_text(app: Flask, world: World) -> None:
    case = SEVEN_FORMS["circle description"]
    client = as_role(app, world, case.role)
    page = client.get(case.page(world))
    form = form_posting_to(page.text, case.page(world), case.action(world))
    text = "First line\r\n\tindented line"
    response = client.post(case.action(world), data=form.data(description=text))
    assert response.status_code == 302


def test_a_line_break_in_a_one_line_field_is_refused(app: Flask, world: World) -> None:
    case = SEVEN_FORMS["circle name"]
    client = as_role(app, world, case.role)
    page = client.get(case.page(world))
    form = form_posting_to(page.text, case.page(world), case.action(world))
    before = state(app)
    response = client.post(
        case.action(world), data=form.data(facilitator_name="Fran", name="Calm\r\nBcc: x")
    )
    assert response.status_code in (200, 400)
    assert UNSAVABLE in html.unescape(response.text)
    assert state(app) == before


HUGE = str(10**30)


@pytest.mark.parametrize("meeting_id", [HUGE, "2147483648", "-1", "12abc", "\u0661"])
def test_opening_the_live_room_for_an_odd_meeting_id_is_not_found(
    app: Flask, world: World, meeting_id: str
) -> None:
    client = as_role(app, world, "facilitator")
    before = state(app)
    response = client.post(f"/circles/{world.circle_a1}/live", data={"meeting_id": meeting_id})
    assert response.status_code == 404
    assert state(app) == before


def test_adding_a_saved_prompt_with_a_huge_id_to_the_plan_is_refused(
    app: Flask, world: World
) -> None:
    client = as_role(app, world, "facilitator")
    plan = f"/circles/{world.circle_a1}/meetings/{world.meeting_a1}/plan"
    before = state(app)
    response = client.post(plan + "/add", data={"ref": f"saved:{HUGE}"})
    assert response.status_code == 302
    assert state(app) == before
    assert "not in this circle" in client.get(plan).text


@pytest.mark.parametrize(
    "target",
    ["/circles\r\nSet-Cookie: x=1", "/circles\n", "/circles\x00", "/a\tb", "/circles\x7f"],
)
def test_a_next_link_with_control_characters_is_ignored(target: str) -> None:
    assert safe_next_url(target) is None


def test_login_page_with_a_line_break_in_next_is_calm(client: FlaskClient) -> None:
    response = client.get("/login?next=%2Fcircles%0D%0ASet-Cookie:%20x=1")
    assert response.status_code == 200
    # The language switcher's form keeps the address it came from, percent-encoded: harmless.
    page = re.sub(r'<form class="language-switch".*?</form>', "", response.text, flags=re.S)
    assert "Set-Cookie" not in page
    assert "x=1" not in response.headers.get("Set-Cookie", "")


def test_moving_a_step_removed_meanwhile_says_so(app: Flask, world: World) -> None:
    """Two facilitators at once: one removes a step while the other moves it."""
    with app.app_context():
        item = db.session.get(PlanItem, world.step_a1)
        assert item is not None
        # Loaded by the move's request, then removed by the other facilitator's.
        db.session.execute(sa.delete(PlanItem).where(PlanItem.id == item.id))
        with pytest.raises(ServiceError, match="no longer in the plan"):
            planning.move_step(item, 1)
        db.session.rollback()


def test_moving_a_step_while_its_neighbour_is_removed_says_so(app: Flask, world: World) -> None:
    with app.app_context():
        meeting = db.session.get(Meeting, world.meeting_a1)
        assert meeting is not None
        neighbour = f.plan_step(meeting)
        db.session.commit()
        item = db.session.get(PlanItem, world.step_a1)

        def removed_meanwhile(session: Any, *args: Any) -> None:
            # The other request's delete lands between this one's read and its write.
            session.connection().execute(sa.delete(PlanItem).where(PlanItem.id == neighbour.id))

        sa.event.listen(db.session, "before_flush", removed_meanwhile, once=True)
        with pytest.raises(ServiceError, match="no longer in the plan"):
            planning.move_step(item, 1)
        db.session.rollback()


def test_the_plan_page_explains_a_step_that_vanished(
    app: Flask, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    def gone(item: PlanItem, offset: int) -> None:
        raise ServiceError("That step is no longer in the plan.")

    monkeypatch.setattr(planning, "move_step", gone)
    client = as_role(app, world, "facilitator")
    plan = f"/circles/{world.circle_a1}/meetings/{world.meeting_a1}/plan"
    response = client.post(f"{plan}/{world.step_a1}/move", data={"direction": "down"})
    assert response.status_code == 302
    assert "no longer in the plan" in client.get(plan).text


def test_a_body_over_the_limit_gets_a_calm_413(app: Flask, world: World) -> None:
    client = as_role(app, world, "facilitator")
    before = state(app)
    response = client.post(
        f"/circles/{world.circle_a1}/edit", data={"description": "x" * (10 * 1024 * 1024)}
    )
    assert response.status_code == 413
    assert "too much to send at once" in response.text
    assert state(app) == before


def test_a_long_form_within_the_limit_is_still_read(app: Flask, world: World) -> None:
    """The longest fields (agreement, crisis resources: a few thousand characters, in any
    script) fit well under the limit."""
    client = as_role(app, world, "facilitator")
    page = client.get(f"/circles/{world.circle_a1}/edit")
    form = form_posting_to(page.text, f"/circles/{world.circle_a1}/edit", page.request.path)
    response = client.post(
        f"/circles/{world.circle_a1}/edit",
        data=form.data(description="\U0001f33f" * 2000, agreement="\u00e9" * 5000),
    )
    assert response.status_code == 302


def multipart(fields: dict[str, str]) -> bytes:
    """A multipart/form-data body, built here (the test client would spool a large one to a
    temporary file, left open when the app refuses to read it)."""
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in fields.items()
    ]
    return ("".join(parts) + f"--{BOUNDARY}--\r\n").encode()


BOUNDARY = "circles-test-boundary"


@pytest.mark.parametrize(
    "fields",
    [
        {"description": "x" * 600_000},  # one text part over Flask's MAX_FORM_MEMORY_SIZE
        {f"field{i}": "x" for i in range(1200)},  # more parts than MAX_FORM_PARTS
    ],
    ids=["large part", "many parts"],
)
def test_a_multipart_body_flask_will_not_parse_gets_a_calm_413(
    app: Flask, world: World, fields: dict[str, str]
) -> None:
    client = as_role(app, world, "facilitator")
    before = state(app)
    response = client.post(
        f"/circles/{world.circle_a1}/edit",
        data=multipart(fields),
        content_type=f"multipart/form-data; boundary={BOUNDARY}",
    )
    assert response.status_code == 413
    assert "too much to send at once" in response.text
    assert state(app) == before


def test_a_choice_of_person_by_a_huge_number_is_refused(app: Flask, world: World) -> None:
    client = as_role(app, world, "facilitator")
    before = state(app)
    response = client.post(
        f"/circles/{world.circle_a1}/facilitators", data={"user_id": str(10**30)}
    )
    assert response.status_code < 500
    assert state(app) == before
