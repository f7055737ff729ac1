"""The audit log page: organisation admins only."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required
from wtforms import SelectChoice

from circles import paging
from circles.audit import services
from circles.audit.forms import AuditFilterForm
from circles.audit.models import AuditAction
from circles.i18n import gettext as _
from circles.security import org_access_or_404

bp = Blueprint("audit", __name__)


#: The filter's query arguments, which page links keep (nothing else is passed on).
_FILTERS = ("action", "actor", "q", "since", "until")


def _day_start(day: date | None) -> datetime | None:
    return datetime.combine(day, time(0), tzinfo=UTC) if day is not None else None


@bp.get("/orgs/<id:org_id>/audit")
@login_required
def log(org_id: int) -> tuple[str, int]:
    access = org_access_or_404(org_id, current_user, admin=True)
    form = AuditFilterForm(request.args)
    actors = services.actors_of(org_id)
    form.actor.choices = [SelectChoice("", _("Anyone"))] + [
        SelectChoice(str(user_id), name) for user_id, name in actors
    ]
    valid = form.validate()
    wanted = services.AuditFilter()
    if valid:
        until = _day_start(form.until.data)
        wanted = services.AuditFilter(
            action=AuditAction(form.action.data) if form.action.data else None,
            actor_id=int(form.actor.data) if form.actor.data else None,
            since=_day_start(form.since.data),
            until=until + timedelta(days=1) if until else None,
            text=paging.search_text(request.args),
        )
    result = services.entries_for(org_id, wanted, paging.requested_page(request.args))
    kept = {k: request.args[k] for k in _FILTERS if request.args.get(k)}
    return render_template(
        "audit/log.html",
        org=access.org,
        form=form,
        result=result,
        actions={a.value: a.label for a in AuditAction},
        page_args={"org_id": org_id, **kept},  # page links keep the filter and search
    ), 200 if valid else 400
