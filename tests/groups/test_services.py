"""Circle and invitation rules, tested on the services directly."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from circles import invites
from circles.exceptions import ServiceError
from circles.extensions import db
from circles.groups import services
from circles.groups.models import CircleInvite, CircleMember
from circles.tokens import LinkState
from tests import factories as f


@pytest.fixture
def circle(ctx):
    owner = f.create_user("Fran")
    org = f.create_org(owner=owner)
    return owner, f.create_circle(org, owner, capacity=2)


def test_name_key_folds_case_and_spaces():
    assert services.name_key("  Robin   Q ") == services.name_key("robin q") == "robin q"


def test_a_link_counts_its_uses_atomically(circle):
    owner, c = circle
    invite, _ = f.create_circle_invite(c, owner, max_uses=1)
    stale = db.session.get(CircleInvite, invite.id)
    invites.consume_use(invite)
    db.session.commit()
    # A second redemption working from a stale copy (uses still 0) must still be refused.
    stale.uses = 0
    db.session.expunge(stale)
    with pytest.raises(ServiceError, match="already been used"):
        invites.consume_use(stale)
    assert db.session.scalar(select(CircleInvite.uses).where(CircleInvite.id == invite.id)) == 1


def test_link_state_order(circle):
    owner, c = circle
    invite, _ = f.create_circle_invite(c, owner, max_uses=1)
    assert invite.state() == LinkState.USABLE
    invite.uses = 1
    assert invite.state() == LinkState.USED_UP
    f.expire(invite)
    assert invite.state() == LinkState.EXPIRED
    invites.revoke(invite)
    assert invite.state() == LinkState.REVOKED


def test_capacity_counts_members_not_facilitators(circle):
    owner, c = circle
    invite, _ = f.create_circle_invite(c, owner, max_uses=5)
    for name in ("A", "B"):
        services.join_circle(invite, f.create_user(), display_name=name, accepted=True)
    with pytest.raises(ServiceError, match="full"):
        services.join_circle(invite, f.create_user(), display_name="C", accepted=True)
    c.capacity = 3
    services.join_circle(invite, f.create_user(), display_name="C", accepted=True)
    with pytest.raises(ServiceError, match="more members than that"):
        services.update_circle(c, name="x", description="", agreement="y", capacity=2)


def test_joining_requires_the_agreement(circle):
    owner, c = circle
    invite, _ = f.create_circle_invite(c, owner)
    with pytest.raises(ServiceError, match="accept"):
        services.join_circle(invite, f.create_user(), display_name="A", accepted=False)
    assert db.session.scalar(select(CircleMember).where(CircleMember.display_name == "A")) is None


def test_new_link_validates_its_limits(circle):
    owner, c = circle
    for days, uses in ((0, 1), (91, 1), (7, 0), (7, 101)):
        with pytest.raises(ServiceError):
            services.create_invite(c, days=days, max_uses=uses, email=None, by=owner)


def test_co_facilitator_defaults_to_a_first_name_that_fits(circle):
    owner, c = circle
    colleague = f.create_user("Bartholomew-Alexander " + "Q" * 50)
    f.add_staff(c.org, colleague)
    added = services.add_co_facilitator(c, colleague.id, "", by=owner)
    assert added.display_name == "Bartholomew-Alexander"
    with pytest.raises(ServiceError, match="from your organisation's team"):
        services.add_co_facilitator(c, f.create_user().id, "x", by=owner)  # not on the team
    too_long = f.create_user()
    f.add_staff(c.org, too_long)
    with pytest.raises(ServiceError, match="at most 40"):
        services.add_co_facilitator(c, too_long.id, "n" * 41, by=owner)


def test_joining_twice_at_once_is_refused_cleanly(circle):
    owner, c = circle
    invite, _ = f.create_circle_invite(c, owner, max_uses=5)
    person = f.create_user()
    services.join_circle(invite, person, display_name="Pat", accepted=True)
    db.session.commit()
    # A second request that passed the "already a member?" check before the first committed:
    with pytest.raises(ServiceError):
        services.add_member(c, person, "Pat 2", services.CircleRole.MEMBER)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(CircleMember)) == 2
