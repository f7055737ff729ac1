"""Outgoing mail through a pluggable sender: console (development), SMTP, or an in-memory outbox."""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any, Protocol

from flask import current_app
from sqlalchemy.exc import IntegrityError

from circles.extensions import db

log = logging.getLogger(__name__)


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


def send_mail(to: str, subject: str, body: str) -> bool:
    """Send one message through the app's configured sender; a failure is logged and False."""
    sender: MailSender = current_app.extensions["circles_mail"]
    try:
        sender.send(Mail(to=to, subject=subject, body=body))
    except (OSError, smtplib.SMTPException) as error:
        # The type only: a delivery error can quote the recipient's address.
        log.error("mail delivery failed: %s", type(error).__name__)
        return False
    return True


def send_once(claim: Any, to: str, message: Callable[[], tuple[str, str]]) -> bool | None:
    """Send a mail at most once, for jobs that may run twice or at the same time.

    The claim (a row under a unique constraint: one per person and thing reminded of) is
    committed first; only the run whose insert succeeds sends. A failed delivery deletes the
    claim so the next run tries again. None when another run holds the claim already.
    """
    db.session.add(claim)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()  # another run claimed it first
        return None
    try:
        subject, body = message()
        delivered = send_mail(to, subject, body)
    except Exception as error:  # one bad mail must not stop the others
        log.error("claimed mail failed: %s", type(error).__name__)
        delivered = False
    if not delivered:
        db.session.delete(claim)
        db.session.commit()
    return delivered
