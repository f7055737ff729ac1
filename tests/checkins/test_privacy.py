"""The privacy rules of PRODUCT.md, tested against the schema, the logs and every report view."""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from itertools import combinations

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from circles.checkins import org_reports, release, reports
from circles.checkins.models import (
    CheckinChoice,
    CheckinReceipt,
    CheckinResponse,
    CheckinScore,
    CheckinTally,
)
from circles.extensions import db
from circles.orgs.models import Organisation
from tests import factories as f
from tests.conftest import client_for

ANONYMOUS_TABLES = {"checkin_responses", "checkin_scores", "checkin_choices", "checkin_tallies"}
CHECKIN_TABLES = ANONYMOUS_TABLES | {
    "checkin_receipts",
    "checkin_history",
    "checkin_instruments",
    "checkin_options",
    "checkin_reminders",
}
IDENTIFYING = ("user", "member", "ip", "agent", "address", "email", "session")
#: A Wednesday, so "now" and the weeks before it are easy to reason about.
NOW = datetime(2026, 6, 17, 12, 0, tzinfo=UTC)


def test_anonymous_tables_hold_nothing_that_points_to_a_person_or_a_time(app):
    with app.app_context():
        inspector = sa.inspect(db.engine)
        for table in CHECKIN_TABLES:
            for column in inspector.get_columns(table):
                assert not isinstance(column["type"], sa.DateTime), (table, column["name"])
                assert not column["name"].endswith(("_at", "time")), (table, column["name"])
        for table in ANONYMOUS_TABLES:
            names = [c["name"] for c in inspector.get_columns(table)]
            assert not [n for n in names if any(word in n for word in IDENTIFYING)], table
            referred = {fk["referred_table"] for fk in inspector.get_foreign_keys(table)}
            assert referred <= {"circles", "checkin_responses"}, table
        receipt = {c["name"] for c in inspector.get_columns("checkin_receipts")}
        assert receipt == {"circle_id", "period", "user_id"}  # who is done, never what they said
        key = inspector.get_columns("checkin_responses")[0]
        assert key["name"] == "id" and isinstance(key["type"], sa.String)


def test_response_keys_are_random(app, ctx):
    org = f.create_org()
    fac = f.create_user()
    circle = f.create_circle(org, fac)
    f.set_up_checkins(circle)
    for _ in range(org.anonymity_k + 2):
        f.check_in(circle, f.create_user(), 3)
    for table in ("checkin_responses", "checkin_waiting"):
        ids = db.session.scalars(sa.text(f"SELECT id FROM {table}")).all()
        assert ids and all(len(i) == 32 and int(i, 16) >= 0 for i in ids), table


def test_logs_never_pair_the_person_with_what_they_answered(app, make, caplog):
    facilitator = make.create_user()
    org = make.create_org(owner=facilitator)
    circle = make.create_circle(org, facilitator)
    member = make.create_user("Quentin Uniquename", email="quentin@example.org")
    make.add_member(circle, member, "Quentin")
    make.set_up_checkins(circle)
    client = client_for(app, member)
    engine_logger = logging.getLogger("sqlalchemy.engine")
    old_level = engine_logger.level
    engine_logger.setLevel(logging.INFO)  # as if echo were on in production
    try:
        with caplog.at_level(logging.DEBUG):
            data = {f"scale_wb{i}": "4" for i in range(1, 6)}
            data["themes"] = ["t_grief", "t_anger"]
            data["practices"] = ["p_journal"]
            assert client.post(f"/circles/{circle.id}/checkin", data=data).status_code == 302
    finally:
        engine_logger.setLevel(old_level)
    text = "\n".join(record.getMessage() for record in caplog.records)
    assert caplog.records, "the engine log was captured"
    for content in ("t_grief", "t_anger", "p_journal"):
        assert content not in text
    for person in ("quentin@example.org", "Quentin", f"user_id={member.id}"):
        assert person not in text


# --- Every report view, over random check-in sets ------------------------------------------------


def views(org_id: int, circle_ids: list[int], k: int, now: datetime) -> list[reports.Report]:
    """Everything a facilitator or admin can see: each circle's report and the organisation's."""
    from circles.groups.models import Circle

    release.run_release(circle_ids, now)  # as a report page does before building the report
    assert tallies() == tallies_of_released_rows()  # what the organisation's report reads
    org = org_reports.org_report(org_id, k, now)
    out = [reports.circle_report(db.session.get(Circle, c), k, now) for c in circle_ids]
    # One combined view too: what an admin sees at one moment, for the nesting check.
    combined = reports.Report(
        "all", k, [f for r in [*out, org] for f in r.figures], [], None, False, []
    )
    combined.counts = [c for r in [*out, org] for c in r.counts]
    combined.pooled = [w for r in out for w in r.pooled]
    org_counts_add_nothing(org, out, k)
    return [*out, org, combined]


def org_counts_add_nothing(org: reports.Report, circles: list[reports.Report], k: int) -> None:
    """A week's theme count of the organisation is the sum of counts its circles' reports show
    for the single periods of that week, every one of them shown: it tells nothing new."""
    for c in org.counts:
        if c.count is None:
            continue
        parts = [
            own
            for report in circles
            for own in report.counts
            if own.key == c.key and own.first == own.last and c.first <= own.first <= c.last
        ]
        assert parts and all(own.count is not None for own in parts), (c, parts)
        assert sum(own.count or 0 for own in parts) == c.count, (c, parts)
        assert sum(own.respondents for own in parts) == c.respondents, (c, parts)


def tallies() -> dict[tuple[int, date], tuple[int, dict, dict]]:
    rows = db.session.execute(sa.select(CheckinTally)).scalars()
    return {(t.circle_id, t.period): (t.respondents, t.scores, t.ticks) for t in rows}


def tallies_of_released_rows() -> dict[tuple[int, date], tuple[int, dict, dict]]:
    """The same, added up from the released rows themselves."""
    found: dict[tuple[int, date], tuple[int, dict, dict]] = {}
    R = CheckinResponse
    for circle_id, period, n in db.session.execute(
        sa.select(R.circle_id, R.period, sa.func.count())
        .where(R.released.is_(True))
        .group_by(R.circle_id, R.period)
    ):
        found[(circle_id, period)] = (n, {}, {"theme": {}, "practice": {}})
    for circle_id, period, key, value in db.session.execute(
        sa.select(R.circle_id, R.period, CheckinScore.item_key, CheckinScore.value)
        .join(CheckinScore)
        .where(R.released.is_(True))
    ):
        found[(circle_id, period)][1].setdefault(key, [0] * 6)[value] += 1
    for circle_id, period, kind, key in db.session.execute(
        sa.select(R.circle_id, R.period, CheckinChoice.kind, CheckinChoice.option_key)
        .join(CheckinChoice)
        .where(R.released.is_(True))
    ):
        ticks = found[(circle_id, period)][2][kind]
        ticks[key] = ticks.get(key, 0) + 1
    return found


def check_rules(seen: list[reports.Report], k: int) -> None:
    """No figure under k; figures over nested groups of people never differ by 1..k-1 of them.

    Nested means: the same scope, period and question seen at different times, or the
    organisation's week and a circle's period within that week.
    """
    ns: dict[tuple[str, date, date, str], set[int]] = defaultdict(set)
    for report in seen:
        for fig in report.figures:
            if fig.published:
                assert fig.n is not None and fig.n >= k, fig
                ns[(fig.scope, fig.first, fig.last, fig.key)].add(fig.n)
            else:
                assert fig.mean is None and fig.median is None and fig.histogram is None
            if fig.histogram is not None:
                assert fig.n is not None and fig.n >= 2 * k
        for c in report.counts:
            assert c.respondents >= k, c
            if c.count is not None:
                assert c.count >= k and c.respondents - c.count >= k, c
    for key, values in ns.items():
        for a, b in combinations(sorted(values), 2):
            assert b - a >= k, (key, values)
    check_theme_figures(seen, k)
    for report in seen:
        circle_figs = [f for f in report.figures if f.published and f.scope != reports.ORG_SCOPE]
        org_figs = [f for f in report.figures if f.published and f.scope == reports.ORG_SCOPE]
        for org_fig in org_figs:
            for fig in circle_figs:
                if (
                    fig.key == org_fig.key
                    and org_fig.first <= fig.first <= fig.last <= org_fig.last
                ):
                    assert org_fig.n is not None and fig.n is not None
                    assert org_fig.n - fig.n == 0 or org_fig.n - fig.n >= k, (org_fig, fig)


#: A published theme or practice figure: the groups of check-ins it adds up, as (circle,
#: first day of the group), how many check-ins they hold and how many of them ticked it.
Group = tuple[frozenset[tuple[str, date]], int, int]


def both_sides_or_nobody(n: int, ticked: int, k: int) -> bool:
    return n == 0 or (ticked >= k and n - ticked >= k)


def check_theme_figures(seen: list[reports.Report], k: int) -> None:
    """Theme and practice figures, single periods, organisation weeks and pooled windows: a
    figure never changes once shown, each has k who ticked and k who did not, and no figure
    minus any set of others nested in it leaves a group with fewer than k on either side."""
    shown: dict[tuple, set] = defaultdict(set)
    groups: dict[str, set[Group]] = defaultdict(set)
    for report in seen:
        singles: dict[tuple[str, date, date], set[tuple[str, date]]] = defaultdict(set)
        for c in report.counts:
            if c.count is None:
                continue
            shown[("count", c.scope, c.first, c.last, c.key)].add((c.respondents, c.count))
            if c.scope != reports.ORG_SCOPE:
                groups[c.key].add((frozenset({(c.scope, c.first)}), c.respondents, c.count))
                if c.first == c.last:
                    singles[(c.key, c.first, c.first)].add((c.scope, c.first))
        for c in report.counts:  # the organisation's week: the circles' single periods in it
            if c.count is not None and c.scope == reports.ORG_SCOPE:
                atoms = {
                    atom
                    for (key, first, _), found in singles.items()
                    for atom in found
                    if key == c.key and c.first <= first <= c.last
                }
                if atoms:  # read beside the circles' own counts (the combined view)
                    groups[c.key].add((frozenset(atoms), c.respondents, c.count))
        for w in report.pooled:
            assert w.respondents >= k
            ranks = [item.rank for item in w.ranked]
            assert ranks == sorted(ranks)
            for item in w.items:
                assert (item.rank is None) == (item.count is None), item
                if item.count is None:
                    continue
                assert item.count >= k and item.respondents - item.count >= k, (w, item)
                shown[("pooled", w.scope, w.first, w.last, item.key)].add(
                    (item.respondents, item.count, item.rank)
                )
                atoms = frozenset((w.scope, first) for first, _ in w.units)
                groups[item.key].add((atoms, item.respondents, item.count))
    for figure, values in shown.items():
        assert len(values) == 1, (figure, values)  # shown once, never moved
    for key, found in groups.items():
        for whole, n, ticked in found:
            inside = [g for g in found if g[0] < whole]
            for size in range(1, min(len(inside), 6) + 1):
                for parts in combinations(inside, size):
                    atoms = [atom for part in parts for atom in part[0]]
                    if len(atoms) != len(set(atoms)):
                        continue  # overlapping parts: not a subtraction of groups
                    rest_n = n - sum(part[1] for part in parts)
                    rest_ticked = ticked - sum(part[2] for part in parts)
                    assert both_sides_or_nobody(rest_n, rest_ticked, k), (key, whole, parts)


#: What a check-in may tick: each answer below picks some of these (a bit each).
TICKABLE = (("theme", "t_grief"), ("theme", "t_anger"), ("practice", "p_journal"))

checkin_sets = st.fixed_dictionaries(
    {
        "k": st.sampled_from([3, 4, 5]),
        "uniform": st.booleans(),
        # For each circle: its size (4 to 12), and how many check in in each of the last four
        # weeks (this one open; more than its size means everyone).
        "circles": st.lists(
            st.tuples(
                st.integers(min_value=4, max_value=12),
                st.lists(st.integers(min_value=0, max_value=12), min_size=4, max_size=4),
            ),
            min_size=1,
            max_size=3,
        ),
        "values": st.lists(st.integers(min_value=0, max_value=5), min_size=1, max_size=60),
        # Which of TICKABLE each check-in ticks, as bits.
        "ticks": st.lists(st.integers(min_value=0, max_value=7), min_size=1, max_size=60),
    }
)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=checkin_sets)
def test_every_report_view_keeps_the_rules_at_every_step(app, ctx, data):
    """Circles of 4 to 12 check in over four weeks, with random answers; after every check-in
    (and a week after the last) every view keeps the rules, pooled windows included."""
    k = data["k"]
    org = f.create_org()
    org.anonymity_k = k
    fac = f.create_user()
    people = [f.create_user() for _ in range(12)]
    circles = []
    for _ in data["circles"]:
        circle = f.create_circle(org, fac, capacity=20)
        f.set_up_checkins(circle)
        circles.append(circle)
    db.session.commit()
    ids = [c.id for c in circles]
    values, ticks = data["values"], data["ticks"]
    step = 0
    seen: list[reports.Report] = []
    for week_back in (3, 2, 1, 0):
        when = NOW - timedelta(weeks=week_back)
        for circle, (size, weeks) in zip(circles, data["circles"], strict=True):
            for person in people[: min(size, weeks[3 - week_back])]:
                value = values[0] if data["uniform"] else values[step % len(values)]
                bits = ticks[step % len(ticks)]
                ticked = [key for bit, (_, key) in enumerate(TICKABLE) if bits >> bit & 1]
                f.check_in(
                    circle,
                    person,
                    value,
                    themes=frozenset(t for t in ticked if t.startswith("t_")),
                    practices=frozenset(t for t in ticked if t.startswith("p_")),
                    now=when,
                )
                step += 1
                # What anyone could see after this check-in.
                seen += views(org.id, ids, k, when)
            check_rules(seen, k)
    # A week on, and a month on: the four weeks have closed and are pooled.
    seen += views(org.id, ids, k, NOW + timedelta(weeks=1))
    seen += views(org.id, ids, k, NOW + timedelta(weeks=5))
    check_rules(seen, k)
    if data["uniform"]:
        for report in seen:
            for fig in report.figures:
                assert fig.mean is None and fig.median is None and fig.histogram is None


def test_one_member_cannot_be_read_from_views_before_and_after_they_check_in(app, ctx):
    """The sequence attack: look, let one person check in, look again, subtract."""
    org = f.create_org()
    fac = f.create_user()
    circle = f.create_circle(org, fac, capacity=20)
    other = f.create_circle(org, fac, capacity=20)
    f.set_up_checkins(circle)
    f.set_up_checkins(other)
    people = [f.create_user() for _ in range(8)]
    k = org.anonymity_k
    assert k == 5

    def look(now: datetime) -> list[tuple]:
        shown = []
        for report in views(org.id, [circle.id, other.id], k, now):
            shown += [
                (r.scope, r.first, r.key, r.n, r.mean, r.median, r.band, r.histogram)
                for r in report.figures
            ]
            shown += [(c.scope, c.first, c.key, c.respondents, c.count) for c in report.counts]
        return shown

    # Four check in: nothing about this week shows yet ("not enough responses yet").
    for person in people[:4]:
        f.check_in(circle, person, 2, now=NOW)
    report = reports.circle_report(circle, k, NOW)
    assert not report.open_shown and report.figures == []
    assert org_reports.org_report(org.id, k, NOW).figures == []
    # The fifth makes k: figures appear, once, for the five together.
    f.check_in(circle, people[4], 3, now=NOW)
    before = look(NOW)
    assert any(fig[3] == 5 for fig in before)
    # A sixth person checks in with very different answers: nothing anyone sees changes ...
    f.check_in(circle, people[5], 5, themes=frozenset({"t_anger"}), now=NOW)
    assert look(NOW) == before
    # ... not when the week closes either, nor in the organisation's view.
    assert look(NOW + timedelta(weeks=1)) == look(NOW + timedelta(weeks=2))
    after = [row for row in look(NOW + timedelta(weeks=1)) if row[1] == before[0][1]]
    # The figures stay as they were; theme counts of the week appear only now that it has
    # closed (not one of them shown: 5 people cannot be 5 who ticked and 5 who did not).
    assert sorted(after, key=repr) == sorted([*before, *after_closing(after)], key=repr)
    assert not [row for row in before if len(row) == 5 and row[0] != reports.ORG_SCOPE]
    assert {row[3] for row in after_closing(after)} == {5}
    assert all(row[4] is None for row in after if len(row) == 5)
    # Four more make a second step of k or more (6 + 4 = 10 = 5 + 5): then it may move, by 5.
    for person in people[6:8]:
        f.check_in(circle, person, 4, now=NOW)
    assert look(NOW) == before  # 3 waiting: still fewer than k
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CheckinReceipt)) == 8


def after_closing(rows: list[tuple]) -> list[tuple]:
    """A circle's theme and practice counts (they are listed once their period closes)."""
    return [row for row in rows if len(row) == 5 and row[0] != reports.ORG_SCOPE]


def test_thin_closed_weeks_are_pooled_until_they_reach_k(app, ctx):
    org = f.create_org()
    fac = f.create_user()
    circle = f.create_circle(org, fac, capacity=20)
    f.set_up_checkins(circle)
    people = [f.create_user() for _ in range(6)]
    for week_back, group in ((3, people[:2]), (2, people[2:4]), (1, people[4:6])):
        for person in group:
            f.check_in(circle, person, 1 + week_back, now=NOW - timedelta(weeks=week_back))
    k = db.session.get(Organisation, org.id).anonymity_k
    # Before the pool's check-ins are written out, the report shows nothing of them ...
    assert not [fig for fig in reports.circle_report(circle, k, NOW).figures if fig.published]
    release.run_release([circle.id], NOW)  # ... the report page releases first
    report = reports.circle_report(circle, k, NOW)
    published = [fig for fig in report.figures if fig.published]
    assert published and all(fig.pooled and fig.n == 6 for fig in published)
    assert published[0].first == (NOW - timedelta(weeks=3)).date() - timedelta(days=2)
