"""Answers and passes, recorded a batch at a time.

When a prompt opens, the whole room answers at once. A batch of answers (see
:mod:`circles.live.batch`) is authorised by one query for all their logins and memberships
(:func:`circles.live.access.seats`), checked here against one query for their prompts and one
for earlier submissions, and written in one insert per table; one more query counts the
prompts' submissions for the facilitators.
The rules are the same for one answer as for a hundred: :func:`submit_response` and
:func:`pass_prompt` are a batch of one.

The :class:`~circles.live.models.LiveSubmission` row says *that* someone answered and makes a
repeat of the same ``client_id`` an acknowledged no-op. An anonymous prompt's answer is sealed
into that row and written out only at the reveal, among all the others, shuffled
(:mod:`circles.live.mixing`); a named prompt's answer is a response at once, under the name.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ARRAY, Integer, and_, bindparam, cast, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from circles.bulk import DriverInsert, one_of
from circles.extensions import db
from circles.i18n import lazy_gettext as _l
from circles.live.access import (
    Actor,
    Broadcast,
    LiveError,
    Outcome,
    Seat,
    invalid,
    is_id,
    require_member,
)
from circles.live.commitments import seal_commitment
from circles.live.mixing import client_key, seal_answer
from circles.live.models import (
    MAX_RESPONSE,
    Commitment,
    LivePrompt,
    LiveResponse,
    LiveSession,
    LiveStatus,
    LiveSubmission,
    PromptKind,
    PromptStatus,
)
from circles.live.protocol import (
    MAX_CLIENT_ID,
    checked_int,
    checked_picks,
    checked_text,
    checked_word,
    storable,
)


@dataclass(frozen=True)
class Answer:
    """A ``response.submit`` (or, with ``passing``, a ``response.pass``) as the client sent it."""

    prompt_id: object
    value: object
    client_id: object
    passing: bool = False


@dataclass(frozen=True)
class Rules:
    """What an answer to a prompt is checked against."""

    id: int
    session_id: int
    kind: PromptKind
    status: PromptStatus
    anonymous: bool
    options: list[str] | None
    scale: dict[str, Any] | None
    max_picks: int | None


def record(batch: Sequence[tuple[Seat, Answer]]) -> list[Outcome | LiveError]:
    """Check and store a batch of answers; each gets its outcome or the error it is refused with.

    Raises :class:`IntegrityError` when another process stored one of the same submissions
    between the check and the insert; the caller rolls back and tries again.
    """
    prompts = _rules({a.prompt_id for _, a in batch if is_id(a.prompt_id)})
    earlier = _earlier(batch, prompts)
    results: list[Outcome | LiveError] = []
    submissions: list[dict[str, Any]] = []
    responses: list[dict[str, Any]] = []
    commitments: list[dict[str, Any]] = []
    #: each prompt's last stored answer in the batch: it carries the prompt's count
    last: dict[int, Outcome] = {}
    for who, answer in batch:
        try:
            prompt = _answerable(who, answer, prompts)
            given = _client_id(answer.client_id) if not answer.passing else _pass_id(answer)
            client = client_key(prompt.id, who.actor.user_id, given)
            key = (prompt.id, who.actor.user_id)
            if key in earlier:
                results.append(_repeat(earlier[key], client))
                continue
            value = None if answer.passing else _value(prompt, answer.value)
        except LiveError as error:
            results.append(error)
            continue
        earlier[key] = client
        submissions.append(
            {
                "prompt_id": prompt.id,
                "user_id": who.actor.user_id,
                "client_id": client,
                # Anonymous: the answer (or pass) waits sealed until the reveal writes it out
                # among the others (circles.live.mixing); nothing readable is written now.
                "sealed": seal_answer(prompt.kind, value) if prompt.anonymous else None,
            }
        )
        if value is not None and not prompt.anonymous:
            responses.append(
                {"prompt_id": prompt.id, "value": value, "author_name": who.actor.name}
            )
        if value is not None and prompt.kind == PromptKind.COMMITMENT and not prompt.anonymous:
            # Kept for the member alone, sealed, to be shown back to them next time. (On an
            # anonymous prompt, commitments are written when the answers come out: mixing.)
            commitments.append(
                {
                    "user_id": who.actor.user_id,
                    "circle_id": who.circle_id,
                    "session_id": who.session_id,
                    "sealed": seal_commitment(who.actor.user_id, value),
                }
            )
        outcome = Outcome()
        results.append(outcome)
        last[prompt.id] = outcome
    _draw_keys(responses)
    connection = db.session.connection()
    _INSERT_SUBMISSIONS.run(connection, submissions)
    _INSERT_RESPONSES.run(connection, responses)
    if commitments:
        connection.execute(_INSERT_COMMITMENTS, commitments)  # rare: through the ORM's defaults
    if last:
        # One count per prompt for the whole batch, its total, sent with its last answer: the
        # facilitators see a number, and ten updates a few milliseconds apart would only
        # redraw it ten times. (The total of every batch committed before this one: the
        # prompt's row lock, _RULES_LOCKED, puts batches of one prompt in a line.)
        counts = db.session.connection().execute(_COUNTS, {"prompts": list(last)})
        for prompt_id, count in counts:
            data = {"prompt_id": prompt_id, "count": count}
            last[prompt_id].broadcasts.append(Broadcast("response.count", data, "facilitators"))
    return results


#: Bytes of randomness per response: 16 for its key, 4 for its place in the reveal.
_KEY_BYTES, _SHUFFLE_BYTES = 16, 4


def _draw_keys(responses: list[dict[str, Any]]) -> None:
    """Give each named response its random key and shuffle key, from one draw for the batch."""
    size = _KEY_BYTES + _SHUFFLE_BYTES
    drawn = secrets.token_bytes(size * len(responses))
    for index, response in enumerate(responses):
        chunk = drawn[index * size : (index + 1) * size]
        response["id"] = chunk[:_KEY_BYTES].hex()
        # 31 bits, like the column's values always were (an int fits either database).
        response["shuffle_key"] = int.from_bytes(chunk[_KEY_BYTES:]) >> 1
        response["hidden"] = False


def submit_response(
    session: LiveSession, actor: Actor, prompt_id: object, value: object, client_id: object
) -> Outcome:
    """One member's answer (a batch of one)."""
    return _one(session, actor, Answer(prompt_id, value, client_id))


def pass_prompt(
    session: LiveSession, actor: Actor, prompt_id: object, client_id: object = None
) -> Outcome:
    """Pass: counted like an answer for the facilitator; nothing shows in the reveal."""
    return _one(session, actor, Answer(prompt_id, None, client_id, passing=True))


def _one(session: LiveSession, actor: Actor, answer: Answer) -> Outcome:
    who = _seat(session, actor)
    try:
        with db.session.begin_nested():
            (result,) = record([(who, answer)])
    except IntegrityError:
        # Stored a moment ago by another request: now the check sees it.
        (result,) = record([(who, answer)])
    if isinstance(result, LiveError):
        raise result
    return result


_prompts, _submissions = LivePrompt.__table__.c, LiveSubmission.__table__.c
#: Built once: batches run them many times a second.
_INSERT_SUBMISSIONS = DriverInsert(LiveSubmission, ("prompt_id", "user_id", "client_id", "sealed"))
_INSERT_RESPONSES = DriverInsert(
    LiveResponse,
    ("id", "prompt_id", "value", "author_name", "shuffle_key", "hidden"),
)
_INSERT_COMMITMENTS = insert(Commitment)
_RULES = select(
    _prompts.id,
    _prompts.session_id,
    _prompts.kind,
    _prompts.status,
    _prompts.anonymous,
    _prompts.options,
    _prompts.scale,
    _prompts.max_picks,
).where(one_of(_prompts.id, "prompts"))
#: PostgreSQL: answers wait while another process reveals or closes one of their prompts, then
#: see it no longer open; without it an answer could be sealed after its prompt's reveal and
#: never come out. An end closes every prompt of its room (circles.live.prompts.close_every_prompt),
#: so this one lock per batch also keeps answers from landing after the end deleted the
#: room's content: the end waits for them, or they find their prompt closed.
#: The lock is exclusive among answers too (FOR NO KEY UPDATE, taken in id order): another
#: process's batch for the same prompt waits for this one's commit, so each batch's count,
#: taken after its own insert, sees every answer committed before it, wherever it was written.
#: Without it, two processes writing the same prompt's answers at once would each count only
#: their own. (SQLite batches hold the database's write lock already.)
_RULES_LOCKED = _RULES.order_by(_prompts.id).with_for_update(key_share=True)
_EARLIER = select(_submissions.prompt_id, _submissions.user_id, _submissions.client_id).where(
    one_of(_submissions.prompt_id, "prompts"),
    one_of(_submissions.user_id, "people"),
)
# PostgreSQL: the pairs themselves. With both lists as ``= ANY`` it walks the index for every
# prompt and person combination (a round's batch: a hundred prompts by a few hundred people,
# milliseconds a batch); the pairs are one probe each.
_PAIRS = (
    func.unnest(
        cast(bindparam("prompts"), ARRAY(Integer)), cast(bindparam("people"), ARRAY(Integer))
    )
    .table_valued("prompt_id", "user_id")
    .render_derived(name="pairs")
)
_EARLIER_ON_POSTGRESQL = select(
    _submissions.prompt_id, _submissions.user_id, _submissions.client_id
).join_from(
    LiveSubmission,
    _PAIRS,
    and_(_PAIRS.c.prompt_id == _submissions.prompt_id, _PAIRS.c.user_id == _submissions.user_id),
)
_COUNTS = (
    select(_submissions.prompt_id, func.count())
    .where(one_of(_submissions.prompt_id, "prompts"))
    .group_by(_submissions.prompt_id)
)


def _rules(prompt_ids: set[Any]) -> dict[int, Rules]:
    if not prompt_ids:
        return {}
    rows = db.session.connection().execute(_RULES_LOCKED, {"prompts": list(prompt_ids)})
    return {row.id: Rules(*row) for row in rows}


def _earlier(
    batch: Sequence[tuple[Seat, Answer]], prompts: dict[int, Rules]
) -> dict[tuple[int, int], str]:
    """The batch's people's earlier submissions to its prompts: (prompt, person) -> client id."""
    pairs = {
        (a.prompt_id, who.actor.user_id)
        for who, a in batch
        if is_id(a.prompt_id) and a.prompt_id in prompts
    }
    if not pairs:
        return {}
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        ordered = list(pairs)
        rows = connection.execute(
            _EARLIER_ON_POSTGRESQL,
            {"prompts": [p for p, _ in ordered], "people": [u for _, u in ordered]},
        )
    else:
        rows = connection.execute(
            _EARLIER,
            {
                "prompts": list({prompt for prompt, _ in pairs}),
                "people": list({user for _, user in pairs}),
            },
        )
    return {(prompt, user): client for prompt, user, client in rows}


def _answerable(who: Seat, answer: Answer, prompts: dict[int, Rules]) -> Rules:
    require_member(who.actor)
    if who.status == LiveStatus.ENDED:
        raise LiveError("ended", _l("This session has ended."))
    prompt_id = answer.prompt_id
    if not is_id(prompt_id):
        raise invalid("prompt_id must be a number.")
    prompt = prompts.get(prompt_id)
    if prompt is None or prompt.session_id != who.session_id:
        raise LiveError("not_found", _l("There is no such prompt in this session."))
    if prompt.status != PromptStatus.OPEN:
        raise LiveError("closed", _l("This prompt is no longer taking answers."))
    if not prompt.kind.takes_answers:
        raise invalid(_l("A silent reflection takes no answers."))
    return prompt


def _client_id(value: object) -> str:
    if not isinstance(value, str) or not 1 <= len(value) <= MAX_CLIENT_ID or not storable(value):
        raise invalid(f"client_id must be text of 1 to {MAX_CLIENT_ID} characters.")
    return value


def _pass_id(answer: Answer) -> str:
    return _client_id(answer.client_id) if answer.client_id is not None else "pass"


def _repeat(stored: str, client_id: str) -> Outcome:
    """A repeat of the same submission is acknowledged again; a different one is refused."""
    if stored == client_id:
        return Outcome(ack={"duplicate": True})
    raise LiveError("already_answered", _l("You have already answered this prompt."))


def _value(prompt: Rules, value: object) -> str:
    """The answer as stored: text, a word, a number, or a pick's indexes as "0,2"."""
    if prompt.kind in (PromptKind.TEXT, PromptKind.COMMITMENT):
        return checked_text(value, "value", MAX_RESPONSE)
    if prompt.kind == PromptKind.WORD:
        return checked_word(value)
    if prompt.kind == PromptKind.SCALE:
        assert prompt.scale is not None
        return str(checked_int(value, "value", prompt.scale["min"], prompt.scale["max"]))
    options = prompt.options or []
    if prompt.kind == PromptKind.PICK:
        picks = checked_picks(value, len(options), prompt.max_picks or 1)
        return ",".join(str(pick) for pick in picks)
    return str(checked_int(value, "value (an option's index)", 0, len(options) - 1))


def change_answer(
    session: LiveSession, actor: Actor, prompt_id: object, value: object, client_id: object
) -> Outcome:
    """``response.change``: a member's new answer (``None``: a pass) to an anonymous prompt,
    before the reveal.

    The answer waits sealed in the member's own submission (as every anonymous answer does
    until the reveal), so a change replaces that seal, at the one size every answer to the
    prompt has; nothing else is written. The ``client_id`` of the first answer is the receipt:
    the server keeps only its keyed hash, so only the page that answered can change it.
    """
    require_member(actor)
    if session.status == LiveStatus.ENDED:
        raise LiveError("ended", _l("This session has ended."))
    if not is_id(prompt_id):
        raise invalid("prompt_id must be a number.")
    # Locked for share like a batch of answers: a reveal or close in another process comes
    # first (and this finds the prompt no longer open) or waits for this change.
    prompt = _rules({prompt_id}).get(prompt_id)
    if prompt is None or prompt.session_id != session.id:
        raise LiveError("not_found", _l("There is no such prompt in this session."))
    if prompt.status != PromptStatus.OPEN:
        raise LiveError("closed", _l("This prompt is no longer taking answers."))
    if not prompt.anonymous:
        raise LiveError(
            "not_changeable", _l("Answers to a named prompt are shared as given and cannot change.")
        )
    given = db.session.scalar(
        select(LiveSubmission.client_id).where(
            LiveSubmission.prompt_id == prompt_id, LiveSubmission.user_id == actor.user_id
        )
    )
    if given is None:
        raise LiveError("not_answered", _l("There is no answer of yours to change yet."))
    if given != client_key(prompt_id, actor.user_id, _client_id(client_id)):
        raise LiveError("wrong_receipt", _l("Only the page you answered from can change it."))
    new = None if value is None else _value(prompt, value)
    db.session.execute(
        update(LiveSubmission)
        .where(
            LiveSubmission.prompt_id == prompt_id,
            LiveSubmission.user_id == actor.user_id,
            LiveSubmission.sealed.is_not(None),
        )
        .values(sealed=seal_answer(prompt.kind, new))
        .execution_options(synchronize_session=False)
    )
    return Outcome(ack={})


def _seat(session: LiveSession, actor: Actor) -> Seat:
    return Seat(session.id, session.circle_id, session.meeting_id, session.status, actor)
