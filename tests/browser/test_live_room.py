"""The live room people see: a console beside the room, results at a glance, new kinds of
prompt, changing an answer, breathing together, a presenter view that names nobody, and a room
that works on a phone.

Every test runs the real stack: the app on a real port, Chromium contexts with their own logins,
and the Socket.IO connection each page opens.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Locator, Page, expect
from sqlalchemy import func, select

from circles.db import utcnow
from circles.extensions import db
from circles.live import rooms as live_rooms
from circles.live.models import LivePrompt, LiveSession
from circles.live.prompts import close_every_prompt, end_running
from tests.browser.conftest import Visitor, log_in

pytestmark = pytest.mark.browser

SOON_MS = 5_000
LAPTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


@dataclass
class Room:
    url: str
    circle_id: int
    facilitator: Page
    members: dict[str, Page]


def open_room(
    app: Flask,
    make: Any,
    new_visitor: Callable[..., Visitor],
    members: tuple[str, ...] = ("Mo",),
    *,
    plan: tuple[dict[str, object], ...] = (),
    video_url: str = "",
    facilitator_options: dict[str, Any] | None = None,
    member_options: dict[str, Any] | None = None,
    join: tuple[str, ...] | None = None,
) -> Room:
    """Fran's circle with the given members, a live session (for a meeting when it has a plan
    or a video link); Fran and the members in ``join`` (default: all) are in the room."""
    fran = make.create_user("Fran Okafor", "fran@example.org")
    org = make.create_org("Harbour Practice", owner=fran)
    circle = make.create_circle(org, fran, "Tuesday circle")
    for name in members:
        user = make.create_user(f"{name} Person", f"{name.lower()}@example.org")
        make.add_member(circle, user, name)
    if plan or video_url:
        meeting = make.meeting(circle, fran, video_url=video_url)
        for spec in plan:
            make.plan_step(meeting, spec)
        with app.app_context():
            session = live_rooms.start_session(db.session.merge(circle), fran.id, meeting.id)
            db.session.commit()
            session_id = session.id
    else:
        session_id = make.live_session(circle, fran).id
    url = f"/circles/{circle.id}/live/{session_id}"
    fpage = new_visitor("facilitator", **(facilitator_options or {})).page
    log_in(fpage, "fran@example.org")
    enter(fpage, url)
    pages = {}
    for name in members if join is None else join:
        page = new_visitor(name.lower(), **(member_options or {})).page
        log_in(page, f"{name.lower()}@example.org")
        enter(page, url)
        pages[name] = page
    return Room(url, circle.id, fpage, pages)


def enter(page: Page, url: str) -> None:
    page.goto(url)
    expect(page.get_by_role("status").first).to_contain_text("You are in")


def share(
    fpage: Page,
    text: str,
    kind: str = "text",
    *,
    options: tuple[str, ...] = (),
    max_picks: int | None = None,
    anonymous: bool = True,
) -> None:
    """Fran shares a prompt written by hand, and sees it open."""
    fpage.get_by_label("Kind", exact=True).select_option(kind)
    fpage.get_by_role("textbox", name="Prompt", exact=True).fill(text)
    if options:
        fpage.get_by_label("Choices, one per line").fill("\n".join(options))
    if max_picks is not None:
        fpage.get_by_label("How many may be picked").fill(str(max_picks))
    fpage.get_by_label(re.compile(r"^Anonymous answers")).set_checked(anonymous)
    fpage.get_by_role("button", name="Share prompt").click()
    expect(fpage.locator("#prompt-text")).to_have_text(text, timeout=SOON_MS)


def answer_text(page: Page, text: str) -> None:
    page.get_by_label("Your answer", exact=True).fill(text)
    page.get_by_role("button", name="Share my answer").click()
    expect(page.get_by_text("Your answer is in.")).to_be_visible()


def reveal(room: Room) -> None:
    room.facilitator.get_by_role("button", name="Reveal answers").click()
    for page in (room.facilitator, *room.members.values()):
        expect(page.locator("#revealed h3")).to_be_visible(timeout=SOON_MS)


def inside_viewport(page: Page, locator: Locator, what: str) -> None:
    box = locator.bounding_box()
    size = page.viewport_size
    assert box is not None and size is not None, f"{what} is not shown"
    assert box["x"] >= 0 and box["x"] + box["width"] <= size["width"], f"{what}: {box}"
    assert box["y"] >= 0 and box["y"] + box["height"] <= size["height"], f"{what}: {box}"


def no_horizontal_overflow(page: Page) -> None:
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"the page is {overflow}px wider than the screen"


def too_small(page: Page, selector: str) -> list[str]:
    """The visible controls matching ``selector`` that are smaller than 44 by 44 px."""
    found: list[str] = page.eval_on_selector_all(
        selector,
        """els => els.filter(e => e.offsetParent !== null).map(e => [e, e.getBoundingClientRect()])
              .filter(([, r]) => r.width < 44 || r.height < 44)
              .map(([e, r]) => `${e.outerHTML.slice(0, 80)} ${r.width}x${r.height}`)""",
    )
    return found


# The console -------------------------------------------------------------------------------------


def test_the_console_sits_beside_the_room_and_its_frequent_controls_fit_a_laptop_screen(
    app: Flask, make: Any, new_visitor: Callable[..., Visitor]
) -> None:
    steps: tuple[dict[str, object], ...] = (
        {"kind": "text", "text": "What did you bring with you tonight?"},
        {"kind": "scale", "text": "How settled do you feel?", "min": 0, "max": 10},
    )
    room = open_room(
        app, make, new_visitor, ("Mo", "Nic"), plan=steps, facilitator_options={"viewport": LAPTOP}
    )
    fpage = room.facilitator
    console = fpage.get_by_role("region", name="Facilitator console")
    prompt = fpage.get_by_role("region", name="Prompt")
    # Beside, not below: the console starts right of the prompt, at the same height.
    console_box, prompt_box = console.bounding_box(), prompt.bounding_box()
    assert console_box and prompt_box
    assert console_box["x"] >= prompt_box["x"] + prompt_box["width"]
    assert console_box["y"] < prompt_box["y"] + prompt_box["height"]

    # "n" opens the next step of the plan; "t" starts the timer (focus is on no text field).
    next_step = fpage.get_by_role("button", name="Open next step")
    expect(next_step).to_have_attribute("aria-keyshortcuts", "n")
    expect(fpage.get_by_text("Next in the plan: What did you bring")).to_be_visible()
    fpage.keyboard.press("n")
    expect(fpage.locator("#prompt-text")).to_have_text(str(steps[0]["text"]), timeout=SOON_MS)
    expect(fpage.get_by_text("Next in the plan: How settled")).to_be_visible()
    fpage.keyboard.press("t")
    expect(fpage.locator("#timer")).to_be_visible(timeout=SOON_MS)
    fpage.get_by_role("button", name="Start a round").click()
    expect(fpage.locator("#round")).to_be_visible(timeout=SOON_MS)
    answer_text(room.members["Mo"], "Some calm.")
    expect(fpage.locator("#response-count")).to_have_text("1", timeout=SOON_MS)

    fpage.evaluate("window.scrollTo(0, 0)")
    for what, locator in {
        "the prompt": fpage.locator("#prompt-text"),
        "the count": fpage.get_by_text("Answers so far:"),
        "reveal": fpage.get_by_role("button", name="Reveal answers"),
        "close": fpage.get_by_role("button", name="Close prompt"),
        "next step": next_step,
        "the timer": fpage.locator("#timer"),
        "the timer's buttons": fpage.get_by_role("button", name="Stop timer"),
        "the round": fpage.locator("#round"),
        "next speaker": fpage.get_by_role("button", name="Next speaker"),
        "the plan": fpage.locator("#plan-steps").get_by_role("listitem").last,
    }.items():
        inside_viewport(fpage, locator, what)

    # Typing "r" into a field types it; outside a field it reveals.
    fpage.get_by_role("textbox", name="Prompt", exact=True).type("r")
    expect(fpage.get_by_role("textbox", name="Prompt", exact=True)).to_have_value("r")
    expect(fpage.get_by_role("button", name="Reveal answers")).to_be_enabled()
    fpage.locator("#console-heading").click()
    fpage.keyboard.press("r")
    expect(fpage.get_by_role("list", name="Answers, in random order")).to_contain_text(
        "Some calm.", timeout=SOON_MS
    )
    # The results sit in the room, still in view.
    fpage.evaluate("window.scrollTo(0, 0)")
    inside_viewport(fpage, fpage.locator("#revealed-list"), "the answers")

    # "?" shows the list of shortcuts.
    shortcuts = fpage.locator("#shortcuts")
    expect(shortcuts.get_by_text("Start or stop the timer")).to_be_hidden()
    fpage.keyboard.press("?")
    expect(shortcuts.get_by_text("Start or stop the timer")).to_be_visible()


def test_on_a_phone_the_room_fits_the_screen_and_every_control_is_large_enough(
    app: Flask, make: Any, new_visitor: Callable[..., Visitor]
) -> None:
    phone = {"viewport": PHONE, "has_touch": True, "is_mobile": True}
    room = open_room(app, make, new_visitor, facilitator_options=phone, member_options=phone)
    fpage, mopage = room.facilitator, room.members["Mo"]
    share(fpage, "How present do you feel right now?", "scale")

    expect(mopage.get_by_role("radio", name="10", exact=True)).to_be_visible(timeout=SOON_MS)
    chips = mopage.locator("#answer-fields label")
    expect(chips).to_have_count(11)
    assert too_small(mopage, "#answer-fields label, #answer-fields input[type=radio]") == []
    assert too_small(mopage, "#live button, #live summary") == []
    no_horizontal_overflow(mopage)
    mopage.get_by_role("radio", name="7", exact=True).check()
    mopage.get_by_role("button", name="Share my answer").click()
    expect(mopage.get_by_text("Your answer is in.")).to_be_visible()

    assert too_small(fpage, "#live button") == []
    no_horizontal_overflow(fpage)
    fpage.get_by_role("button", name="Reveal answers").click()
    expect(fpage.locator(".chart-columns")).to_be_visible(timeout=SOON_MS)
    no_horizontal_overflow(fpage)
    no_horizontal_overflow(mopage)


# Results -----------------------------------------------------------------------------------------


def chart_items(page: Page) -> list[str]:
    """What a screen reader hears for each bar: "label: N answers"."""
    return page.locator("#revealed .chart-item > .visually-hidden").all_inner_texts()


def test_a_scale_reveal_draws_a_bar_per_value_with_its_count_and_the_mean(
    app: Flask, make: Any, new_visitor: Callable[..., Visitor]
) -> None:
    room = open_room(app, make, new_visitor, ("Mo", "Nic", "Pat"))
    share(room.facilitator, "How rested are you?", "scale")
    for name, value in (("Mo", "4"), ("Nic", "8"), ("Pat", "8")):
        page = room.members[name]
        page.get_by_role("radio", name=value, exact=True).check()
        page.get_by_role("button", name="Share my answer").click()
        expect(page.get_by_text("Your answer is in.")).to_be_visible()
    reveal(room)
    for page in (room.facilitator, room.members["Mo"]):
        expect(page.locator("#revealed .result-summary")).to_have_text("3 answers · average 6.7")
        expect(page.locator("#revealed .chart-count")).to_have_text(
            ["0", "0", "0", "0", "1", "0", "0", "0", "2", "0", "0"]
        )
        heard = chart_items(page)
        assert heard[4] == "4: 1 answer" and heard[8] == "8: 2 answers", heard
        # The taller bar is the one with more answers.
        heights = page.locator("#revealed .chart-fill").evaluate_all(
            "els => els.map(e => e.getBoundingClientRect().height)"
        )
        assert heights[8] > heights[4] > 0 == heights[0]

    # Hiding an answer redraws the bars without it.
    fpage = room.facilitator
    fpage.locator("#revealed details summary").click()
    fpage.get_by_role("button", name='Hide the answer "4"').click()
    expect(room.members["Mo"].locator("#revealed .result-summary")).to_have_text(
        "2 answers · average 8.0", timeout=SOON_MS
    )


def test_a_page_reloaded_the_moment_answers_are_revealed_shows_them_in_the_same_order(
    app: Flask, make: Any, new_visitor: Callable[..., Visitor]
) -> None:
    # The reveal is sent once the prompt is marked revealed, and its answers are written out
    # just after (circles.live.mixing): a page that asks for the room's state in between must
    # still get them, as the room was shown them.
    words = {
        "Mo": "The lake at dawn",
        "Nic": "Slower mornings",
        "Pat": "Calling my sister",
        "Quinn": "Less scrolling",
    }
    room = open_room(app, make, new_visitor, tuple(words), member_options={"viewport": PHONE})
    share(room.facilitator, "What will you take with you?")
    for name, text in words.items():
        answer_text(room.members[name], text)
    page = room.members["Nic"]
    answers = page.get_by_role("list", name="Answers, in random order").get_by_role("listitem")
    room.facilitator.get_by_role("button", name="Reveal answers").click()
    expect(answers).to_have_count(4, timeout=SOON_MS)
    shown = answers.all_inner_texts()
    assert sorted(shown) == sorted(words.values()), shown

    page.reload()

    expect(answers).to_have_text(shown, timeout=SOON_MS)
    late = new_visitor("late", viewport=LAPTOP).page
    log_in(late, "mo@example.org")
    enter(late, room.url)
    expect(
        late.get_by_role("list", name="Answers, in random order").get_by_role("listitem")
    ).to_have_text(shown)


def test_one_word_answers_show_as_a_word_cloud_and_as_a_list_for_screen_readers(
    app: Flask, make: Any, new_visitor: Callable[..., Visitor]
) -> None:
    room = open_room(app, make, new_visitor, ("Mo", "Nic", "Pat"))
    share(room.facilitator, "One word for this evening?", "word")
    for name, word in (("Mo", "Hope"), ("Nic", "hope"), ("Pat", "calm")):
        page = room.members[name]
        field = page.get_by_label("Your word")
        expect(field).to_have_attribute("maxlength", "30")
        expect(field).to_have_accessible_description("One word")
        field.fill(word)
        page.get_by_role("button", name="Share my answer").click()
        expect(page.get_by_text("Your answer is in.")).to_be_visible()
    reveal(room)
    page = room.members["Mo"]
    cloud = page.locator("#revealed .word-cloud")
    expect(cloud).to_have_attribute("aria-hidden", "true")
    expect(cloud.locator(".cloud-word")).to_have_text(["hope", "calm"])
    sizes = cloud.locator(".cloud-word").evaluate_all(
        "els => els.map(e => parseFloat(getComputedStyle(e).fontSize))"
    )
    assert sizes[0] > sizes[1], sizes
    expect(
        page.get_by_role("list", name="Words, most frequent first").get_by_role("listitem")
    ).to_have_text(["hope: 2", "calm: 1"])


def test_a_pick_prompt_lets_a_member_tick_up_to_its_limit_and_shows_bars(
    app: Flask, make: Any, new_visitor: Callable[..., Visitor]
) -> None:
    room = open_room(app, make, new_visitor, ("Mo", "Nic"))
    options = ("Sleep", "Nature", "Music", "Friends")
    share(room.facilitator, "What helped this week?", "pick", options=options, max_picks=2)
    mopage = room.members["Mo"]
    picks = mopage.get_by_role("group", name="Choose up to 2")
    expect(picks).to_be_visible(timeout=SOON_MS)
    picks.get_by_role("checkbox", name="Nature").check()
    expect(picks.get_by_role("checkbox", name="Music")).to_be_enabled()
    picks.get_by_role("checkbox", name="Music").check()
    # The limit is reached: the rest cannot be ticked until one is unticked.
    expect(picks.get_by_role("checkbox", name="Sleep")).to_be_disabled()
    expect(picks.get_by_role("checkbox", name="Friends")).to_be_disabled()
    expect(picks).to_contain_text("You have chosen 2 of 2.")
    picks.get_by_role("checkbox", name="Music").uncheck()
    expect(picks.get_by_role("checkbox", name="Sleep")).to_be_enabled()
    picks.get_by_role("checkbox", name="Music").check()
    mopage.get_by_role("button", name="Share my answer").click()
    expect(mopage.get_by_text("Your answer is in.")).to_be_visible()
    nicpage = room.members["Nic"]
    nicpage.get_by_role("checkbox", name="Music").check()
    nicpage.get_by_role("button", name="Share my answer").click()
    expect(nicpage.get_by_text("Your answer is in.")).to_be_visible()
    reveal(room)
    for page in (room.facilitator, mopage):
        expect(page.locator("#revealed .result-summary")).to_have_text("2 answers")
        assert chart_items(page) == [
            "Sleep: 0 answers",
            "Nature: 1 answer",
            "Music: 2 answers",
            "Friends: 0 answers",
        ]
        expect(page.locator("#revealed .chart-bars .chart-label")).to_have_text(list(options))


def test_the_facilitators_count_never_goes_back(
    app: Flask, make: Any, new_visitor: Callable[..., Visitor]
) -> None:
    """With several server processes, counts can arrive out of order (docs/protocol.md): a late,
    lower count for the prompt, or one for another prompt, leaves the highest on the page."""
    room = open_room(app, make, new_visitor, ("Mo", "Nic"))
    routed: list[Any] = []

    def through(socket: Any) -> None:
        socket.connect_to_server()  # everything passes, both ways; the test may add to it
        routed.append(socket)

    room.facilitator.route_web_socket(re.compile(r"/socket\.io/"), through)
    enter(room.facilitator, room.url)
    share(room.facilitator, "What are you carrying?")
    answer_text(room.members["Mo"], "One thing")
    answer_text(room.members["Nic"], "Another")
    count = room.facilitator.locator("#response-count")
    expect(count).to_have_text("2", timeout=SOON_MS)
    with app.app_context():
        prompt_id = db.session.scalar(select(func.max(LivePrompt.id)))
    for late in ({"prompt_id": prompt_id, "count": 1}, {"prompt_id": prompt_id + 1, "count": 9}):
        routed[-1].send("42/live," + json.dumps(["response.count", late]))
    room.facilitator.wait_for_timeout(300)
    expect(count).to_have_text("2")


# Changing an answer ----------------------------------------------------------------------------


def test_a_member_can_change_an_anonymous_answer_before_the_reveal_even_after_a_reload(
    app: Flask, make: Any, new_visitor: Callable[..., Visitor]
) -> None:
    room = open_room(app, make, new_visitor, ("Mo", "Nic"))
    share(room.facilitator, "What are you carrying?")
    mopage = room.members["Mo"]
    answer_text(mopage, "A heavy first thought")
    mopage.get_by_role("button", name="Change my answer").click()
    field = mopage.get_by_label("Your answer", exact=True)
    expect(field).to_have_value("A heavy first thought")
    field.fill("A lighter second thought")
    mopage.get_by_role("button", name="Save my change").click()
    expect(mopage.get_by_text("Your answer is in.")).to_be_visible()
    expect(mopage.get_by_role("alert").filter(has_text=re.compile(r"\S"))).to_have_count(0)

    # The receipt stays with the page: after a reload it can still change (here: to a pass).
    enter(mopage, room.url)
    mopage.get_by_role("button", name="Change my answer").click()
    expect(mopage.get_by_label("Your answer", exact=True)).to_have_value("")
    mopage.get_by_role("button", name="Pass instead").click()
    expect(mopage.get_by_text("Your answer is in.")).to_be_visible()
    mopage.get_by_role("button", name="Change my answer").click()
    mopage.get_by_label("Your answer", exact=True).fill("Third and final")
    mopage.get_by_role("button", name="Save my change").click()
    expect(mopage.get_by_text("Your answer is in.")).to_be_visible()
    answer_text(room.members["Nic"], "Nic's only answer")
    expect(room.facilitator.locator("#response-count")).to_have_text("2", timeout=SOON_MS)

    reveal(room)
    for page in (room.facilitator, mopage):
        shown = page.get_by_role("list", name="Answers, in random order").get_by_role("listitem")
        expect(shown).to_have_count(2)
        expect(shown.filter(has_text="Third and final")).to_have_count(1)
        expect(page.get_by_text("first thought")).to_have_count(0)
        expect(page.get_by_text("second thought")).to_have_count(0)
    expect(mopage.get_by_role("button", name="Change my answer")).to_be_hidden()


def test_a_named_prompt_offers_no_change(
    app: Flask, make: Any, new_visitor: Callable[..., Visitor]
) -> None:
    room = open_room(app, make, new_visitor)
    share(room.facilitator, "Say hello to the group", anonymous=False)
    mopage = room.members["Mo"]
    answer_text(mopage, "Hello everyone")
    expect(mopage.get_by_role("button", name="Change my answer")).to_be_hidden()


# Breathing together -----------------------------------------------------------------------------


def test_a_breathing_pacer_started_by_the_facilitator_guides_everyone_and_can_be_stopped(
    app: Flask, make: Any, new_visitor: Callable[..., Visitor]
) -> None:
    room = open_room(app, make, new_visitor, ("Mo", "Nic"), join=("Mo",))
    fpage, mopage = room.facilitator, room.members["Mo"]
    # Nic asks for less motion.
    nic = new_visitor("nic", reduced_motion="reduce").page
    log_in(nic, "nic@example.org")
    enter(nic, room.url)

    fpage.locator("summary", has_text="Breathe together").click()  # opens the console's box
    fpage.get_by_label("Pattern").select_option("box")
    fpage.get_by_label("Breaths (cycles)").fill("2")
    fpage.get_by_role("button", name="Breathe together").click()

    for page in (mopage, nic, fpage):
        pacer = page.get_by_role("region", name="Breathing together")
        expect(pacer).to_be_visible(timeout=SOON_MS)
        expect(page.locator("#pacer-phase")).to_have_attribute("aria-live", "polite")
        expect(page.locator("#pacer-phase")).to_have_text("Breathe in")
    shape = mopage.locator("#pacer-shape")
    assert shape.evaluate("e => getComputedStyle(e).transitionDuration") != "0s"
    expect(shape).to_have_class(re.compile(r"pacer-big"))
    still = nic.locator("#pacer-shape")
    assert still.evaluate("e => getComputedStyle(e).transitionDuration") == "0s"
    before = still.evaluate("e => getComputedStyle(e).transform")
    # Four seconds in: everyone holds, said once in the live region.
    for page in (mopage, nic):
        expect(page.locator("#pacer-phase")).to_have_text("Hold", timeout=6_000)
    assert still.evaluate("e => getComputedStyle(e).transform") == before
    expect(mopage.locator("#pacer-count")).to_contain_text("breath 1 of 2")

    fpage.get_by_role("button", name="Stop breathing").click()
    for page in (mopage, nic, fpage):
        expect(page.locator("#pacer")).to_be_hidden(timeout=SOON_MS)


# Presenter view -------------------------------------------------------------------------------


def test_the_presenter_view_shows_the_prompt_and_results_large_and_names_nobody(
    app: Flask, make: Any, new_visitor: Callable[..., Visitor]
) -> None:
    room = open_room(app, make, new_visitor, ("Quillon", "Zephyra"))
    fpage = room.facilitator
    link = fpage.get_by_role("link", name="Open presenter view")
    expect(link).to_have_attribute("target", "_blank")
    with fpage.context.expect_page() as opened:
        link.click()
    screen = opened.value
    expect(screen.get_by_role("status")).to_have_text("Showing the live room.", timeout=SOON_MS)

    share(fpage, "Something you noticed today", anonymous=False)
    expect(screen.locator("#present-text")).to_have_text("Something you noticed today")
    answer_text(room.members["Quillon"], "Light through the trees")
    answer_text(room.members["Zephyra"], "My own breathing")
    room.members["Quillon"].get_by_role("button", name="Raise hand").click()
    fpage.get_by_role("button", name="Reveal answers").click()
    answers = screen.get_by_role("list", name="Answers, in random order").get_by_role("listitem")
    expect(answers).to_have_count(2, timeout=SOON_MS)
    expect(answers.filter(has_text="Light through the trees")).to_have_text(
        "Light through the trees"
    )
    # The room itself shows who wrote what on a named prompt; the shared screen never does.
    expect(fpage.locator("#revealed-list")).to_contain_text("Quillon: Light through the trees")
    # The page's own words for its script (the JSON island) name nobody and are left out: they
    # hold every text the room's scripts may say, "hand raised" among them.
    island = r'<script type="application/json" id="page-texts">.*?</script>'
    html = re.sub(island, "", screen.content(), flags=re.S)
    for name in ("Quillon", "Zephyra", "Fran", "hand"):
        assert name not in html, f"{name!r} on the presenter view"
    # Only the site's "Log out" and the language switcher's button.
    expect(screen.get_by_role("button")).to_have_count(2)

    share(fpage, "How open do you feel?", "scale")
    expect(screen.locator("#present-text")).to_have_text("How open do you feel?")
    expect(screen.locator("#present-results")).to_be_empty()
    room.members["Quillon"].get_by_role("radio", name="9", exact=True).check()
    room.members["Quillon"].get_by_role("button", name="Share my answer").click()
    expect(room.members["Quillon"].get_by_text("Your answer is in.")).to_be_visible()
    fpage.get_by_role("button", name="Reveal answers").click()
    expect(screen.locator("#present-results .result-summary")).to_have_text(
        "1 answer · average 9.0", timeout=SOON_MS
    )
    fpage.get_by_role("button", name="Close prompt").click()
    expect(screen.get_by_text("Closed", exact=True)).to_be_visible(timeout=SOON_MS)


# What the facilitator hears, what everyone sees ----------------------------------------------


def test_arrivals_departures_and_raised_hands_are_announced_to_the_facilitator(
    app: Flask, make: Any, new_visitor: Callable[..., Visitor]
) -> None:
    room = open_room(app, make, new_visitor, ("Mo",), join=())
    fpage = room.facilitator
    log = fpage.locator("#presence-log")
    expect(log).to_have_attribute("aria-live", "polite")
    expect(log).to_be_empty()
    mo = new_visitor("mo")
    log_in(mo.page, "mo@example.org")
    enter(mo.page, room.url)
    expect(log).to_contain_text("Mo joined.", timeout=SOON_MS)
    mo.page.get_by_role("button", name="Raise hand").click()
    expect(log).to_contain_text("Mo raised a hand.", timeout=SOON_MS)
    expect(mo.page.locator("#presence-log")).to_have_count(0)  # members have no such log
    mo.page.close()
    expect(log).to_contain_text("Mo left.", timeout=SOON_MS)


def test_reactions_show_side_by_side_for_a_few_seconds(
    app: Flask, make: Any, new_visitor: Callable[..., Visitor]
) -> None:
    room = open_room(app, make, new_visitor)
    fpage, mopage = room.facilitator, room.members["Mo"]
    for name in ("♥ Care", "Thanks", "Breathe"):
        mopage.get_by_role("button", name=name, exact=True).click()
    for page in (fpage, mopage):
        shown = page.locator("#reaction-stack .reaction")
        expect(shown).to_have_text(
            ["♥ Someone sent care", "Someone said thanks", "Someone invites a breath"],
            timeout=SOON_MS,
        )
        expect(page.locator("#reaction-announcer")).to_have_text("Someone invites a breath.")
    expect(fpage.locator("#reaction-stack .reaction")).to_have_count(0, timeout=6_000)


def test_the_room_links_the_video_call_marks_closed_prompts_and_drops_stale_lines(
    app: Flask, make: Any, new_visitor: Callable[..., Visitor]
) -> None:
    video = "https://meet.example.org/tuesday-circle"
    room = open_room(app, make, new_visitor, video_url=video)
    fpage, mopage = room.facilitator, room.members["Mo"]
    for page in (fpage, mopage):
        call = page.get_by_role("link", name="Join the video call")
        expect(call).to_have_attribute("href", video)
        expect(call).to_have_attribute("target", "_blank")
        expect(call).to_have_attribute("rel", re.compile(r"\bnoopener\b"))

    share(fpage, "First prompt")
    answer_text(mopage, "An answer")
    share(fpage, "Second prompt")
    expect(mopage.get_by_text("Your answer is in.")).to_be_hidden()
    expect(mopage.get_by_label("Your answer", exact=True)).to_have_value("")
    mopage.get_by_role("button", name="Share my answer").click()  # empty: refused
    error = mopage.locator("#answer-error")
    expect(error).to_be_visible()
    share(fpage, "Third prompt")
    expect(mopage.locator("#prompt-text")).to_have_text("Third prompt")
    expect(error).to_be_hidden()

    fpage.get_by_role("button", name="Close prompt").click()
    for page in (fpage, mopage):
        expect(
            page.get_by_role("region", name="Prompt").get_by_text("Closed", exact=True)
        ).to_be_visible(timeout=SOON_MS)
    expect(mopage.get_by_label("Your answer", exact=True)).to_have_count(0)
    expect(mopage.get_by_role("button", name="Share my answer")).to_be_hidden()


def test_rooms_without_a_video_link_show_none(
    app: Flask, make: Any, new_visitor: Callable[..., Visitor]
) -> None:
    room = open_room(app, make, new_visitor)
    expect(room.members["Mo"].get_by_role("link", name="Join the video call")).to_have_count(0)


def test_a_page_that_missed_the_end_of_the_session_shows_it_at_its_next_step(
    app, make, new_visitor
):
    """The room ended while this page was not listening (e.g. it joined just as another
    process ended it): its next event is refused as ended, and the page shows the end."""
    room = open_room(app, make, new_visitor, ("Mo",))
    mo = room.members["Mo"]
    with app.app_context():
        session_id = int(room.url.rsplit("/", 1)[1])
        session = db.session.get(LiveSession, session_id)
        assert session is not None
        # Ended in the database only: no socket is told.
        end_running(session, utcnow())
        close_every_prompt(session)
        db.session.commit()
    mo.get_by_role("button", name="Raise hand").click()
    expect(mo.get_by_text("This session has ended.")).to_be_visible(timeout=SOON_MS)
