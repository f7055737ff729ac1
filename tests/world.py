"""Two organisations with every role the authorisation matrix tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app

from circles.checkins.models import OptionKind
from circles.db import utcnow
from circles.extensions import db
from circles.meetings import feeds
from circles.orgs.models import OrgRole
from tests import factories as f

ROLES = (
    "anonymous",
    "member",
    "other_member",
    "facilitator",
    "other_facilitator",
    "admin",
    "other_admin",
    # A facilitator of the same organisation who runs another circle (A2), not circle A1.
    "colleague",
)

LONG_VIDEO_URL = "https://us02web.zoom.us/j/81234567890?pwd=Q2xvc2VseUtlcHRSb29tRm9yVGh1cnNkYXk"


@dataclass
class World:
    """Ids only, so the world can be used outside the app context that made it."""

    users: dict[str, int]
    org_a: int
    org_b: int
    circle_a1: int
    circle_a2: int
    circle_b1: int
    member_a1: int  # CircleMember id of "member" in circle A1
    member_b1: int  # CircleMember id of a member of circle B1
    staff_facilitator_a: int  # OrgMember id of "facilitator" in org A
    staff_facilitator_b: int
    circle_invite_a1: int
    circle_invite_b1: int
    circle_token_a1: str
    staff_invite_a: int
    staff_invite_b: int
    staff_token_a: str
    meeting_a1: int
    meeting_b1: int
    dosing_member: int  # the member's own integration-window entry
    dosing_member_b: int  # an entry of org B's member
    feed_token_member: str
    live_a1: int
    live_b1: int
    prompt_a1: int  # a prompt in circle A1's own library
    prompt_b1: int
    step_a1: int  # a step of meeting A1's session plan
    step_b1: int
    option_a1: int  # an own check-in item of circle A1
    option_b1: int
    support_a1: int  # a support request of circle A1's member
    support_b1: int
    journal_member: int  # the member's private journal entry
    journal_member_b: int  # an entry of org B's member
    note_a1: int  # an entry the member shared with circle A1's facilitators
    note_b1: int
    follow_up_member: int  # a commitment the member added to their own list
    follow_up_member_b: int
    commitment_member: int  # a commitment the member made in circle A1's live room
    commitment_member_b: int


def build_world() -> World:
    """Org A: admin, facilitator (runs circle A1), a second facilitator (runs A2), a member in
    each circle. Org B: admin, facilitator (runs B1), a member."""
    admin = f.create_user("Alex Admin")
    facilitator = f.create_user("Fran Facilitator")
    facilitator2 = f.create_user("Gale Facilitator")
    member = f.create_user("Mo Member")
    other_member = f.create_user("Nic Member")
    other_admin = f.create_user("Bea Admin")
    other_facilitator = f.create_user("Bo Facilitator")
    member_b = f.create_user("Bert Member")

    f.enrol_second_factor(admin)  # org A's admin uses two-step sign-in; nobody else does
    org_a = f.create_org("Org A", owner=admin)
    staff_fac_a = f.add_staff(org_a, facilitator)
    f.add_staff(org_a, facilitator2)
    org_b = f.create_org("Org B", owner=other_admin)
    staff_fac_b = f.add_staff(org_b, other_facilitator)

    a1 = f.create_circle(org_a, facilitator, "Circle A1")
    a2 = f.create_circle(org_a, facilitator2, "Circle A2")
    b1 = f.create_circle(org_b, other_facilitator, "Circle B1")
    m_a1 = f.add_member(a1, member, "Mo")
    f.add_member(a2, other_member, "Nic")
    m_b1 = f.add_member(b1, member_b, "Bert")

    inv_a1, token_a1 = f.create_circle_invite(a1, facilitator)
    inv_b1, _ = f.create_circle_invite(b1, other_facilitator)
    staff_inv_a, staff_token_a = f.create_staff_invite(org_a, admin)
    staff_inv_b, _ = f.create_staff_invite(org_b, other_admin, role=OrgRole.ADMIN)

    # A video-call link as long as real ones are (it must wrap on a phone, not widen the page).
    meeting_a1 = f.meeting(a1, facilitator, video_url=LONG_VIDEO_URL)
    meeting_b1 = f.meeting(b1, other_facilitator)
    soon = utcnow() + timedelta(days=1)
    dosing_member = f.dosing_session(member, soon)
    dosing_member_b = f.dosing_session(member_b, soon)
    feed_token = feeds.regenerate_feed(member, current_app.secret_key or "")
    live_a1 = f.live_session(a1, facilitator)
    live_b1 = f.live_session(b1, other_facilitator)
    prompt_a1 = f.saved_prompt(a1, facilitator)
    prompt_b1 = f.saved_prompt(b1, other_facilitator)
    step_a1 = f.plan_step(meeting_a1)
    step_b1 = f.plan_step(meeting_b1)
    f.set_up_checkins(a1)
    f.set_up_checkins(b1)
    option_a1 = f.checkin_option(a1, OptionKind.PRACTICE, "Drawing")
    option_b1 = f.checkin_option(b1, OptionKind.PRACTICE, "Singing")
    support_a1 = f.support_request(a1, member)
    support_b1 = f.support_request(b1, member_b)
    journal_member = f.journal_entry(member)
    journal_member_b = f.journal_entry(member_b)
    note_a1 = f.shared_note(member, a1)
    note_b1 = f.shared_note(member_b, b1)
    follow_up_member = f.own_commitment(member)
    follow_up_member_b = f.own_commitment(member_b)
    commitment_member = f.live_commitment(a1, facilitator, member, "Rest on Sunday")
    commitment_member_b = f.live_commitment(b1, other_facilitator, member_b, "Call home")
    db.session.commit()

    return World(
        users={
            "member": member.id,
            "other_member": other_member.id,
            "facilitator": facilitator.id,
            "other_facilitator": other_facilitator.id,
            "admin": admin.id,
            "other_admin": other_admin.id,
            "colleague": facilitator2.id,
        },
        org_a=org_a.id,
        org_b=org_b.id,
        circle_a1=a1.id,
        circle_a2=a2.id,
        circle_b1=b1.id,
        member_a1=m_a1.id,
        member_b1=m_b1.id,
        staff_facilitator_a=staff_fac_a.id,
        staff_facilitator_b=staff_fac_b.id,
        circle_invite_a1=inv_a1.id,
        circle_invite_b1=inv_b1.id,
        circle_token_a1=token_a1,
        staff_invite_a=staff_inv_a.id,
        staff_invite_b=staff_inv_b.id,
        staff_token_a=staff_token_a,
        meeting_a1=meeting_a1.id,
        meeting_b1=meeting_b1.id,
        dosing_member=dosing_member.id,
        dosing_member_b=dosing_member_b.id,
        feed_token_member=feed_token,
        live_a1=live_a1.id,
        live_b1=live_b1.id,
        prompt_a1=prompt_a1.id,
        prompt_b1=prompt_b1.id,
        step_a1=step_a1.id,
        step_b1=step_b1.id,
        option_a1=option_a1.id,
        option_b1=option_b1.id,
        support_a1=support_a1.id,
        support_b1=support_b1.id,
        journal_member=journal_member.id,
        journal_member_b=journal_member_b.id,
        note_a1=note_a1.id,
        note_b1=note_b1.id,
        follow_up_member=follow_up_member.id,
        follow_up_member_b=follow_up_member_b.id,
        commitment_member=commitment_member,
        commitment_member_b=commitment_member_b,
    )
