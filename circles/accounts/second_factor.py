"""Two-step sign-in: time-based codes from an authenticator app, and one-time recovery codes.

The app's secret is stored sealed (AES-GCM under a key derived from ``SECRET_KEY`` and the user
id); recovery codes are stored only as HMACs under a key derived from ``SECRET_KEY``. A database
copy alone therefore can neither compute codes nor test guesses of recovery codes offline.

Functions here take the secret key and the time as arguments and never read the request.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import secrets
from datetime import datetime

import pyotp
import segno
from babel.lists import format_list
from flask_babel import get_locale
from markupsafe import escape
from sqlalchemy import ColumnElement, and_, delete, exists, func, or_, select, update
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.orm.attributes import set_committed_value

from circles import crypto
from circles.accounts.models import AuthSession, RecoveryCode, TotpCredential, User
from circles.audit import services as audit
from circles.audit.models import AuditAction
from circles.exceptions import ServiceError
from circles.extensions import db
from circles.i18n import gettext as _
from circles.i18n import lazy_gettext as _l
from circles.i18n import ngettext
from circles.orgs.models import Organisation, OrgMember

#: Shown in the person's authenticator app next to their email.
ISSUER = "Circles"
RECOVERY_CODE_COUNT = 10
#: Crockford's base-32 letters: no i, l, o or u, so a code read aloud or copied by hand survives.
_RECOVERY_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
_RECOVERY_LENGTH = 10  # 50 bits; shown as two groups of five
#: Codes one 30-second step either side of the server's clock are accepted (phone clocks drift).
_VALID_WINDOW = 1

WRONG_CODE = _l(
    "That code did not work. Use the newest code your app shows, or one of your recovery codes."
)
ALREADY_ON = _l("Two-step sign-in is already on for your account.")


class CodeKind(enum.StrEnum):
    """Which kind of code let someone in."""

    APP = "app"
    RECOVERY = "recovery"


def _secret_key_for(secret_key: str | bytes, user_id: int) -> bytes:
    return crypto.derive_key(secret_key, f"totp-secret:{user_id}")


def _recovery_hash(secret_key: str | bytes, user_id: int, code: str) -> str:
    key = crypto.derive_key(secret_key, "recovery-codes")
    return hmac.new(key, f"{user_id}:{code}".encode(), hashlib.sha256).hexdigest()


def _open_secret(credential: TotpCredential, secret_key: str | bytes) -> str | None:
    plain = crypto.unseal(_secret_key_for(secret_key, credential.user_id), credential.sealed_secret)
    return plain.decode() if plain is not None else None


def is_enrolled(user_id: int) -> bool:
    """True when the person has confirmed an authenticator app."""
    return (
        db.session.scalar(
            select(TotpCredential.confirmed_at).where(TotpCredential.user_id == user_id)
        )
        is not None
    )


def confirmed_credential(user_id: int) -> TotpCredential | None:
    credential = db.session.get(TotpCredential, user_id)
    return credential if credential is not None and credential.confirmed_at else None


def orgs_requiring(user_id: int) -> list[Organisation]:
    """The organisations this person is staff of that ask their team for two-step sign-in."""
    return list(
        db.session.scalars(
            select(Organisation)
            .join(OrgMember, OrgMember.org_id == Organisation.id)
            .where(OrgMember.user_id == user_id, Organisation.require_second_factor.is_(True))
            .order_by(Organisation.name)
        )
    )


def second_factor_due(user_id: InstrumentedAttribute[int]) -> ColumnElement[bool]:
    """SQL: the person is staff of an organisation that requires two-step sign-in and has none.

    Selected by the user loader together with the login session, so the policy costs no query.
    """
    required = exists().where(
        OrgMember.user_id == user_id,
        OrgMember.org_id == Organisation.id,
        Organisation.require_second_factor.is_(True),
    )
    enrolled = exists().where(
        TotpCredential.user_id == user_id, TotpCredential.confirmed_at.is_not(None)
    )
    return and_(required, ~enrolled)


def unenrolled_staff(org_id: int) -> list[int]:
    """Ids of the organisation's staff who have not set up two-step sign-in."""
    return list(
        db.session.scalars(
            select(OrgMember.user_id).where(
                OrgMember.org_id == org_id,
                ~exists().where(
                    TotpCredential.user_id == OrgMember.user_id,
                    TotpCredential.confirmed_at.is_not(None),
                ),
            )
        )
    )


# --- Setting up -------------------------------------------------------------------------------


def begin_enrolment(user: User, secret_key: str | bytes) -> str:
    """A new secret for the person's app; it does nothing until confirmed with a code from it."""
    credential = db.session.get(TotpCredential, user.id)
    if credential is not None and credential.confirmed_at is not None:
        raise ServiceError(str(ALREADY_ON))
    secret = pyotp.random_base32()
    sealed = crypto.seal(_secret_key_for(secret_key, user.id), secret.encode())
    if credential is None:
        db.session.add(TotpCredential(user_id=user.id, sealed_secret=sealed))
    else:
        credential.sealed_secret = sealed
        credential.last_step = None
    db.session.flush()
    return secret


def pending_secret(user_id: int, secret_key: str | bytes) -> str | None:
    """The secret of a set-up begun but not confirmed yet, or None."""
    credential = db.session.get(TotpCredential, user_id)
    if credential is None or credential.confirmed_at is not None:
        return None
    return _open_secret(credential, secret_key)


def provisioning_uri(user: User, secret: str) -> str:
    """The ``otpauth://`` address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_code_svg(uri: str, label: str) -> str:
    """The QR code of ``uri`` as inline SVG, dark on light whatever the page's colours."""
    svg: str = segno.make(uri, error="m").svg_inline(
        scale=4, dark="#000", light="#fff", omitsize=True, svgclass="qr-code"
    )
    # An image with a name for screen readers; the secret is also printed as text beside it.
    return svg.replace("<svg ", f'<svg role="img" aria-label="{escape(label)}" ', 1)


def confirm_enrolment(user: User, code: str, secret_key: str | bytes, now: datetime) -> list[str]:
    """Turn two-step sign-in on once a code from the app matches; returns new recovery codes."""
    credential = db.session.get(TotpCredential, user.id)
    if credential is None:
        raise ServiceError(_("Start setting up two-step sign-in first."))
    if credential.confirmed_at is not None:
        raise ServiceError(str(ALREADY_ON))
    if not _accept_app_code(credential, code, secret_key, now):
        raise ServiceError(
            _("That code did not match. Enter the 6-digit code your app shows now."), "code"
        )
    credential.confirmed_at = now
    codes = regenerate_recovery_codes(user, secret_key)
    _record_in_staff_orgs(user.id, user.id, AuditAction.SECOND_FACTOR_ON)
    db.session.flush()
    return codes


# --- Codes ------------------------------------------------------------------------------------


def _normalise(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


def _matching_step(secret: str, code: str, now: datetime) -> int | None:
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    matched = None
    for step in range(current - _VALID_WINDOW, current + _VALID_WINDOW + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            matched = step
    return matched


def _accept_app_code(
    credential: TotpCredential, code: str, secret_key: str | bytes, now: datetime
) -> bool:
    """True for a current code not used before; a code is accepted once only (no replay)."""
    code = _normalise(code)
    if len(code) != 6 or not code.isdigit():
        return False
    secret = _open_secret(credential, secret_key)
    if secret is None:
        return False
    step = _matching_step(secret, code, now)
    if step is None:
        return False
    # One conditional update: of two requests with the same code, only one moves the step on.
    result = db.session.execute(
        update(TotpCredential)
        .where(
            TotpCredential.user_id == credential.user_id,
            or_(TotpCredential.last_step.is_(None), TotpCredential.last_step < step),
        )
        .values(last_step=step)
        .execution_options(synchronize_session=False)
    )
    accepted = bool(getattr(result, "rowcount", 0))
    if accepted:
        set_committed_value(credential, "last_step", step)  # already written just above
    return accepted


def _use_recovery_code(user_id: int, code: str, secret_key: str | bytes, now: datetime) -> bool:
    code = _normalise(code).translate(str.maketrans("ilo", "110"))
    if len(code) != _RECOVERY_LENGTH or any(c not in _RECOVERY_ALPHABET for c in code):
        return False
    # One conditional update: a code is spent once, even by two requests at the same moment.
    result = db.session.execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user_id,
            RecoveryCode.code_hash == _recovery_hash(secret_key, user_id, code),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


def verify_second_step(
    user: User, code: str, secret_key: str | bytes, now: datetime
) -> CodeKind | None:
    """Check a code from the app or a recovery code at sign-in; None when it does not work."""
    credential = confirmed_credential(user.id)
    if credential is None:
        return None
    if _accept_app_code(credential, code, secret_key, now):
        return CodeKind.APP
    if _use_recovery_code(user.id, code, secret_key, now):
        _record_in_staff_orgs(user.id, user.id, AuditAction.RECOVERY_CODE_USED)
        return CodeKind.RECOVERY
    return None


def _new_recovery_code() -> str:
    return "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(_RECOVERY_LENGTH))


def format_recovery_code(code: str) -> str:
    half = len(code) // 2
    return f"{code[:half]}-{code[half:]}"


def regenerate_recovery_codes(user: User, secret_key: str | bytes) -> list[str]:
    """A fresh set of recovery codes (shown once); every earlier code stops working."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    db.session.add_all(
        RecoveryCode(user_id=user.id, code_hash=_recovery_hash(secret_key, user.id, code))
        for code in codes
    )
    db.session.flush()
    return [format_recovery_code(code) for code in codes]


def recovery_codes_left(user_id: int) -> int:
    return (
        db.session.scalar(
            select(func.count())
            .select_from(RecoveryCode)
            .where(RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None))
        )
        or 0
    )


# --- Turning off ------------------------------------------------------------------------------


def org_names(orgs: list[Organisation]) -> str:
    """The organisations' names as a list in the current language ("A, B and C")."""
    return format_list([org.name for org in orgs], locale=get_locale() or "en_GB")


def required_by_message(orgs: list[Organisation]) -> str:
    message: str = ngettext(
        "%(names)s asks everyone on its team to use two-step sign-in, so it stays on while you "
        "are part of that team.",
        "%(names)s ask everyone on their team to use two-step sign-in, so it stays on while "
        "you are part of that team.",
        len(orgs),
        names=org_names(orgs),
    )
    return message


def _check_current_code(user: User, code: str, secret_key: str | bytes, now: datetime) -> None:
    credential = confirmed_credential(user.id)
    if credential is None:
        raise ServiceError(_("Two-step sign-in is not on for your account."))
    if not (
        _accept_app_code(credential, code, secret_key, now)
        or _use_recovery_code(user.id, code, secret_key, now)
    ):
        raise ServiceError(str(WRONG_CODE), "code")


def turn_off(user: User, code: str, secret_key: str | bytes, now: datetime) -> None:
    """Remove the person's app and recovery codes; refused while their organisation requires it."""
    requiring = orgs_requiring(user.id)
    if requiring:
        raise ServiceError(required_by_message(requiring))
    _check_current_code(user, code, secret_key, now)
    _remove(user.id)
    _record_in_staff_orgs(user.id, user.id, AuditAction.SECOND_FACTOR_OFF)


def start_over(user: User, code: str, secret_key: str | bytes, now: datetime) -> str:
    """Move to another phone: the current app and codes stop working and a new set-up begins.

    Allowed under an organisation's policy too: until the new app is confirmed the person can
    open nothing but the set-up (see ``second_factor_due``).
    """
    _check_current_code(user, code, secret_key, now)
    _remove(user.id)
    _record_in_staff_orgs(user.id, user.id, AuditAction.SECOND_FACTOR_OFF)
    return begin_enrolment(user, secret_key)


def reset(user: User) -> bool:
    """Remove two-step sign-in whatever the policy (a lost phone), for the server's operator.

    Every login of the person ends too. Returns False when there was nothing to remove.
    """
    if db.session.get(TotpCredential, user.id) is None:
        return False
    had_confirmed = is_enrolled(user.id)
    _remove(user.id)
    # A browser left logged in on the lost phone must not stay in.
    db.session.execute(delete(AuthSession).where(AuthSession.user_id == user.id))
    if had_confirmed:
        _record_in_staff_orgs(user.id, None, AuditAction.SECOND_FACTOR_RESET, via="command line")
    return True


def _remove(user_id: int) -> None:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
    db.session.execute(delete(TotpCredential).where(TotpCredential.user_id == user_id))
    db.session.flush()


def _record_in_staff_orgs(
    user_id: int, actor_id: int | None, action: AuditAction, **details: str
) -> None:
    """Write the event into the log of every organisation the person is staff of."""
    org_ids = db.session.scalars(select(OrgMember.org_id).where(OrgMember.user_id == user_id))
    for org_id in org_ids.all():
        audit.record(org_id, actor_id, action, "user", user_id, **details)
