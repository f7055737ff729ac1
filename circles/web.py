"""Small helpers views share: run a service, then commit once or roll back and explain."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash

from circles.exceptions import ServiceError
from circles.extensions import db


def commit_or_explain(action: Callable[[], object], success: str) -> bool:
    """Run a service call; commit and flash ``success``, or roll back and flash why not."""
    try:
        action()
    except ServiceError as error:
        db.session.rollback()
        flash(error.message, "error")
        return False
    db.session.commit()
    flash(success, "success")
    return True


def show_error_on_form(form: Any, error: ServiceError) -> None:
    """Put a service's refusal next to the field it concerns, or above the form."""
    db.session.rollback()
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)
