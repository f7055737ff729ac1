"""Which language a page speaks: the person's setting, else this browser's choice, else the
browser's Accept-Language; the switcher; sign-up and its mail in the visitor's language; dates in
local form."""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, datetime

import pytest
from babel.dates import format_date
from sqlalchemy import select
from werkzeug.datastructures import LanguageAccept

from circles.accounts.models import SignupRequest, User
from circles.extensions import db
from circles.i18n import LANGUAGES, choose
from circles.templating import meeting_time
from tests.conftest import client_for
from tests.factories import PASSWORD
from tests.languages import ACCEPT, OTHER_LANGUAGES, translated

SIGNUP = {
    "display_name": "Lena",
    "email": "lena@example.org",
    "password": "a long and calm passphrase",
    "confirm": "a long and calm passphrase",
    "timezone": "Europe/Berlin",
    "account_kind": "member",
}


def page_lang(page: str) -> str:
    found = re.search(r'<html lang="([^"]+)"', page)
    assert found, "no <html lang>"
    return found.group(1)


def text_of(response) -> str:  # type: ignore[no-untyped-def]
    return html.unescape(response.get_data(as_text=True))


def accepting(*values: tuple[str, float]) -> LanguageAccept:
    return LanguageAccept(list(values))


def test_the_setting_comes_first_then_the_browsers_choice_then_accept_language() -> None:
    german_browser = accepting(("de-AT", 1.0), ("en", 0.5))
    assert choose("es", "de", german_browser) == "es"
    assert choose(None, "es", german_browser) == "es"
    assert choose(None, None, german_browser) == "de"  # de-AT: its primary language
    assert choose(None, None, accepting(("fr", 1.0), ("es", 0.8))) == "es"
    assert choose(None, None, accepting(("fr", 1.0))) == "en"
    assert choose("xx", "yy", None) == "en"  # nothing of ours: English


@pytest.mark.parametrize("code", list(LANGUAGES))
def test_a_visitor_reads_the_pages_in_their_browsers_language(app, client, code: str) -> None:
    for path in ("/", "/login", "/signup", "/help", "/grounding"):
        response = client.get(path, headers={"Accept-Language": ACCEPT[code]})
        assert response.status_code == 200, path
        page = text_of(response)
        assert page_lang(page) == code, path
        assert translated(app, code, "Where to find help") in page, path


@pytest.mark.parametrize("code", OTHER_LANGUAGES)
def test_the_switcher_changes_the_language_before_and_after_sign_in(
    app, client, make, code: str
) -> None:
    english = {"Accept-Language": ACCEPT["en"]}
    response = client.post("/language", data={"language": code, "next": "/help"}, headers=english)
    assert response.status_code == 303 and response.headers["Location"] == "/help"
    assert page_lang(text_of(client.get("/help", headers=english))) == code

    person = make.create_user("Noor")
    signed_in = client_for(app, person)
    signed_in.post("/language", data={"language": code, "next": "/"}, headers=english)
    with app.app_context():
        assert db.session.get(User, person.id).language == code
    # Another browser, in English, after the next sign-in: the setting speaks.
    elsewhere = client_for(app, person)
    assert page_lang(text_of(elsewhere.get("/", headers=english))) == code


def test_the_switcher_refuses_what_is_not_a_language_and_never_leaves_the_site(client) -> None:
    assert client.post("/language", data={"language": "xx"}).status_code == 400
    response = client.post("/language", data={"language": "de", "next": "https://evil.example"})
    assert response.status_code == 303 and response.headers["Location"] == "/"


@pytest.mark.parametrize("code", OTHER_LANGUAGES)
def test_the_account_page_sets_the_language_and_can_follow_the_browser_again(
    app, make, code: str
) -> None:
    person = make.create_user("Noor")
    browser = client_for(app, person)
    form = {"display_name": "Noor", "timezone": "Europe/Madrid", "language": code}
    assert browser.post("/account", data=form).status_code == 302
    page = text_of(browser.get("/account", headers={"Accept-Language": ACCEPT["en"]}))
    assert page_lang(page) == code
    assert translated(app, code, "Your account") in page
    assert browser.post("/account", data={**form, "language": ""}).status_code == 302
    with app.app_context():
        assert db.session.get(User, person.id).language is None
    assert page_lang(text_of(browser.get("/", headers={"Accept-Language": ACCEPT["en"]}))) == "en"


@pytest.mark.parametrize("code", OTHER_LANGUAGES)
def test_sign_up_in_the_visitors_language_and_its_mail_too(app, client, outbox, code: str) -> None:
    headers = {"Accept-Language": ACCEPT[code]}
    page = text_of(client.get("/signup", headers=headers))
    assert page_lang(page) == code
    assert translated(app, code, "Your name") in page

    # Bad input: the page answers in the same language, and keeps what was typed.
    bad = text_of(client.post("/signup", data={**SIGNUP, "confirm": "other"}, headers=headers))
    assert translated(app, code, "The passwords differ.") in bad
    assert 'value="lena@example.org"' in bad

    assert client.post("/signup", data=SIGNUP, headers=headers).status_code == 302
    mail = outbox[-1]
    assert mail.subject == translated(app, code, "Confirm your email to finish signing up")
    with app.app_context():
        pending = db.session.scalar(select(SignupRequest))
        assert pending.language == code
    link = re.search(r"http://circles\.test(/signup/confirm/\S+)", mail.body)
    assert link, mail.body
    # Confirmed from a browser in English: the account keeps the language it signed up in.
    confirm = client.post(
        link.group(1),
        data={"password": SIGNUP["password"]},
        headers={"Accept-Language": ACCEPT["en"]},
    )
    assert confirm.status_code == 302
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == SIGNUP["email"]))
        assert user.language == code


@pytest.mark.parametrize("code", OTHER_LANGUAGES)
def test_meeting_times_are_written_in_local_form(app, code: str) -> None:
    start = datetime(2027, 3, 2, 18, 0, tzinfo=UTC)
    end = datetime(2027, 3, 2, 19, 30, tzinfo=UTC)
    with app.test_request_context():
        from circles.i18n import speaking

        with speaking(code):
            text = meeting_time(start, end, "Europe/Berlin")
    locale = LANGUAGES[code].locale
    assert format_date(start, "full", locale=locale) in text
    assert "19:00" in text and "20:30" in text and "(Europe/Berlin)" in text
    assert "March" not in text and "Tuesday" not in text


def set_language(app, user, code: str | None) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        db.session.get(User, user.id).language = code
        db.session.commit()


@pytest.fixture
def circle_with_member(make):  # type: ignore[no-untyped-def]
    fran = make.create_user("Fran")
    org = make.create_org(owner=fran)
    circle = make.create_circle(org, fran, "Evening circle")
    sam = make.create_user("Sam")
    make.add_member(circle, sam, "Sam")
    make.set_up_checkins(circle)
    return circle, sam, fran


@pytest.mark.parametrize("code", OTHER_LANGUAGES)
def test_a_check_in_in_each_language(app, circle_with_member, code: str) -> None:
    circle, sam, _ = circle_with_member
    set_language(app, sam, code)
    browser = client_for(app, sam)
    page = text_of(browser.get(f"/circles/{circle.id}/checkin"))
    assert page_lang(page) == code
    # The wellbeing items and their scale, in the member's words.
    for text in ("I have felt calm and settled.", "Not at all", "Less than half the time"):
        assert translated(app, code, text) in page
    answers = {f"scale_wb{i}": "3" for i in range(1, 6)}
    unanswered = {key: value for key, value in answers.items() if key != "scale_wb3"}
    bad = browser.post(f"/circles/{circle.id}/checkin", data={**unanswered, "scale_wb2": "9"})
    assert bad.status_code == 400
    said = text_of(bad)
    assert translated(app, code, "Choose one answer, from 0 to 5.") in said
    # WTForms' own message (a value not offered) comes in the language too.
    assert "Not a valid choice" not in said
    # The stored answer is the same whatever the language it was given in.
    assert browser.post(f"/circles/{circle.id}/checkin", data=answers).status_code == 302


@pytest.mark.parametrize("code", OTHER_LANGUAGES)
def test_the_live_room_and_its_prompts_in_each_language(
    app, make, circle_with_member, code: str
) -> None:
    circle, sam, fran = circle_with_member
    set_language(app, sam, code)
    set_language(app, fran, code)
    live = make.live_session(circle, fran)
    page = text_of(client_for(app, sam).get(f"/circles/{circle.id}/live/{live.id}"))
    assert page_lang(page) == code
    texts = re.search(r'<script type="application/json" id="page-texts">(.*?)</script>', page, re.S)
    assert texts, "the room's script texts are missing"
    script_texts = json.loads(texts.group(1))
    assert script_texts["waiting"] == translated(
        app, code, "Waiting for the facilitator to share a prompt."
    )
    # The built-in prompts a facilitator picks from, in their language.
    library = text_of(client_for(app, fran).get(f"/circles/{circle.id}/prompts"))
    assert translated(app, code, "How settled does your body feel right now?") in library


def test_the_browsers_choice_outlives_signing_in_and_out(app, client, make) -> None:
    make.create_user("Rosa", email="rosa@example.org")
    english = {"Accept-Language": ACCEPT["en"]}
    client.post("/language", data={"language": "es"}, headers=english)
    signed_in = client.post(
        "/login", data={"email": "rosa@example.org", "password": PASSWORD}, headers=english
    )
    assert signed_in.status_code == 302
    assert page_lang(text_of(client.get("/", headers=english))) == "es"
    client.post("/logout", headers=english)
    assert page_lang(text_of(client.get("/", headers=english))) == "es"
