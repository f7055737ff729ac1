"""Work that waits for a commit: run once the transaction commits, dropped if it rolls back.

The one way every side effect of a write waits for it: mail and jobs (:mod:`circles.jobs`), and
emptying SQLite's write-ahead log after a reveal. A callback registered inside a savepoint (each
live event has one within its batch) is dropped when that savepoint rolls back and otherwise
waits for the outer commit. Callbacks run on the committing thread, in its app context, just
after the transaction has ended: they must be quick (queue a job, start a thread) and must not
rely on the committed transaction (the session begins a new one if they use it).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction
from sqlalchemy.orm.session import ORMExecuteState

log = logging.getLogger(__name__)

#: session.info keys: callbacks by the transaction they wait for; those whose commit came;
#: whether the transaction under way has written anything.
_WAITING = "circles_after_commit"
_READY = "circles_after_commit_ready"
_WROTE = "circles_wrote"

Callback = Callable[[], object]


def _session() -> Session:
    from circles.extensions import db

    return db.session()


def after_commit(callback: Callback) -> None:
    """Run ``callback`` once the current transaction commits; at once when none is under way."""
    session = _session()
    transaction = session.get_nested_transaction() or session.get_transaction()
    if transaction is None:
        _run([callback])
        return
    waiting: dict[SessionTransaction, list[Callback]] = session.info.setdefault(_WAITING, {})
    waiting.setdefault(transaction, []).append(callback)


def has_written() -> bool:
    """Whether the transaction under way has written (or is about to write) anything."""
    session = _session()
    if session.get_transaction() is None:
        return False
    return bool(session.info.get(_WROTE) or session.new or session.dirty or session.deleted)


def after_writes(callback: Callback) -> None:
    """Run ``callback`` after the commit of what the transaction wrote; at once if it wrote
    nothing (a reset link follows no change: nothing to wait for, and nothing will commit)."""
    if has_written():
        after_commit(callback)
    else:
        _run([callback])


def _run(callbacks: list[Callback]) -> None:
    for callback in callbacks:
        try:
            callback()
        except Exception as error:  # the commit stands; one side effect must not stop the rest
            log.error("after commit: %s", type(error).__name__)


@event.listens_for(Session, "after_flush")
def _flushed(session: Session, flush_context: object) -> None:
    session.info[_WROTE] = True


@event.listens_for(Session, "do_orm_execute")
def _executed(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info[_WROTE] = True


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    """A savepoint's callbacks now wait for the transaction around it; the outer commit's run."""
    waiting = session.info.get(_WAITING)
    if not waiting:
        return
    transaction = session.get_nested_transaction() or session.get_transaction()
    callbacks = waiting.pop(transaction, None) if transaction is not None else None
    if not callbacks:
        return
    if transaction is not None and transaction.nested and transaction.parent is not None:
        waiting.setdefault(transaction.parent, []).extend(callbacks)
    else:
        session.info.setdefault(_READY, []).extend(callbacks)


@event.listens_for(Session, "after_transaction_end")
def _ended(session: Session, transaction: SessionTransaction) -> None:
    """Callbacks of a transaction that ends without committing are dropped; after the outer
    transaction, the committed ones run."""
    waiting = session.info.get(_WAITING)
    if waiting:
        waiting.pop(transaction, None)
    if transaction.parent is None:
        session.info.pop(_WROTE, None)
        ready = session.info.pop(_READY, None)
        if waiting:  # nothing can outlive the outer transaction
            waiting.clear()
        if ready:
            _run(ready)
