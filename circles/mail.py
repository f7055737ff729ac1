"""Outgoing mail through a pluggable sender: console (development), SMTP, or an in-memory outbox.

:func:`send_mail` never talks to the mail server: it seals the message and queues a job
(:mod:`circles.jobs`) once the caller's transaction commits. The job delivers it and, when the
server is away, tries again later. Reminder jobs deliver directly (:func:`send_once`).
"""

from __future__ import annotations

import json
import logging
import smtplib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from typing import Any, Protocol

from flask import current_app
from sqlalchemy import ColumnElement, Update, delete, update
from sqlalchemy.exc import IntegrityError

from circles.db import utcnow
from circles.extensions import db
from circles.jobs import TryAgain, enqueue_after_commit
from circles.sealing import keyring

log = logging.getLogger(__name__)

#: Sealing purpose of mail waiting in the queue (reset links are secrets).
QUEUED_MAIL = "queued-mail"
#: Queued mail is padded to a multiple of this many bytes.
MAIL_BLOCK = 2048


@dataclass(frozen=True)
class Mail:
    """One message to one recipient."""

    to: str
    subject: str
    body: str


class MailSender(Protocol):
    def send(self, mail: Mail) -> None: ...


class ConsoleMailSender:
    """Prints mail to the server log; for development."""

    def send(self, mail: Mail) -> None:
        print(f"--- mail to {mail.to}: {mail.subject}\n{mail.body}\n---", flush=True)


class MemoryMailSender:
    """Keeps mail in a list; for tests."""

    def __init__(self) -> None:
        self.outbox: list[Mail] = []

    def send(self, mail: Mail) -> None:
        self.outbox.append(mail)


class SMTPMailSender:
    """Delivers mail through an SMTP relay."""

    def __init__(self, config: dict[str, Any]) -> None:
        self.host: str = config["CIRCLES_SMTP_HOST"]
        self.port: int = config["CIRCLES_SMTP_PORT"]
        self.username: str | None = config["CIRCLES_SMTP_USERNAME"]
        self.password: str | None = config["CIRCLES_SMTP_PASSWORD"]
        self.starttls: bool = config["CIRCLES_SMTP_STARTTLS"]
        self.sender: str = config["CIRCLES_MAIL_FROM"]

    def send(self, mail: Mail) -> None:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = mail.to
        message["Subject"] = mail.subject
        message.set_content(mail.body)
        with smtplib.SMTP(self.host, self.port, timeout=20) as smtp:
            if self.starttls:
                smtp.starttls()
            if self.username and self.password:
                smtp.login(self.username, self.password)
            smtp.send_message(message)


def make_sender(config: dict[str, Any]) -> MailSender:
    """The sender named by ``CIRCLES_MAIL_BACKEND``."""
    backend = config["CIRCLES_MAIL_BACKEND"]
    if backend == "console":
        return ConsoleMailSender()
    if backend == "memory":
        return MemoryMailSender()
    if backend == "smtp":
        return SMTPMailSender(config)
    raise ValueError(f"unknown CIRCLES_MAIL_BACKEND {backend!r} (console, smtp or memory)")


def send_mail(to: str, subject: str, body: str) -> None:
    """Queue one message: delivered by a job once the current transaction commits.

    Call it before the commit of the change the mail tells of: it is dropped if that rolls
    back. A transaction that wrote nothing (a reset link) has nothing to wait for, and the mail
    is queued at once. Its content waits in the queue sealed.
    """
    enqueue_after_commit("deliver_mail", seal_mail(Mail(to=to, subject=subject, body=body)))


def seal_mail(mail: Mail) -> bytes:
    """The message sealed under the app's secret, padded to whole blocks."""
    plain = json.dumps([mail.to, mail.subject, mail.body]).encode()
    size = (len(plain) + 4) // MAIL_BLOCK * MAIL_BLOCK + MAIL_BLOCK  # 4: the length in front
    return keyring().seal(QUEUED_MAIL, plain, size)


def deliver_sealed(sealed: bytes) -> None:
    """The mail job: open a queued message and deliver it."""
    plain = keyring().unseal(QUEUED_MAIL, sealed)
    if plain is None:  # sealed under a secret no longer in the keyring
        log.error("a queued mail could not be opened and was dropped")
        return
    to, subject, body = json.loads(plain)
    deliver(Mail(to=to, subject=subject, body=body))


def deliver(mail: Mail) -> None:
    """Hand one message to the configured sender now; :class:`TryAgain` when it failed.

    A recipient the server refuses for good is logged and not tried again.
    """
    sender: MailSender = current_app.extensions["circles_mail"]
    try:
        sender.send(mail)
    except smtplib.SMTPRecipientsRefused:
        log.error("mail refused for its recipient; not tried again")
    except (OSError, smtplib.SMTPException) as error:
        # The type only: a delivery error can quote the recipient's address.
        raise TryAgain(f"mail delivery failed: {type(error).__name__}") from None


class DeliveryClaim(Protocol):
    """A reminder's claim row: one per person and thing reminded of, under a unique key."""

    delivered: Any

    @classmethod
    def unfinished(cls, now: datetime) -> ColumnElement[bool]:
        """Claims that a run took and never finished: to be sent again."""
        ...

    def take_over(self, now: datetime) -> Update:
        """A conditional update that gives an unfinished claim to this run (one row or none)."""
        ...

    def same_reminder(self) -> tuple[ColumnElement[bool], ...]: ...


def send_once(claim: DeliveryClaim, to: str, message: Callable[[], tuple[str, str]]) -> bool | None:
    """Deliver a reminder once, for jobs that may run twice, at the same time, or die midway.

    The claim (a row under a unique constraint) is committed first; only the run whose insert
    succeeds delivers, then marks the claim delivered. A failed delivery deletes the claim, so
    that a later run (the job's retry, or the next scan) tries again. A claim its model calls
    unfinished (its run died while sending) is taken over by the one run whose conditional
    update changes it, which also makes it no longer unfinished. So a reminder is never lost;
    it is sent twice only if a run dies between the mail server's answer and marking its claim.
    None when another run holds the claim.
    """
    model = type(claim)
    db.session.add(claim)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()  # another run claimed it: taken over only if that run died
        taken = db.session.execute(claim.take_over(utcnow()))
        db.session.commit()
        if getattr(taken, "rowcount", 0) != 1:
            return None
    try:
        subject, body = message()
        deliver(Mail(to=to, subject=subject, body=body))
    except Exception as error:  # one bad mail must not stop the others
        reason = error if isinstance(error, TryAgain) else type(error).__name__
        log.error("claimed mail failed: %s", reason)
        db.session.rollback()
        db.session.execute(delete(model).where(*claim.same_reminder()))
        db.session.commit()
        return False
    db.session.execute(update(model).where(*claim.same_reminder()).values(delivered=True))
    db.session.commit()
    return True
