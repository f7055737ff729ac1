"""Check-in pages: the member's check-in and private trend, and set-up (reports: report_views)."""

from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from circles import signals
from circles.checkins import bp, release, services
from circles.checkins.charts import ChartPoint, trend_chart
from circles.checkins.forms import InstrumentForm, OptionForm, checkin_form
from circles.checkins.instrument import BUILTIN_LABELS, WELLBEING_KEYS, questions_for
from circles.checkins.models import CheckinInstrument, CheckinOption, OptionKind, PeriodKind
from circles.db import scoped_get_or_404, utcnow
from circles.exceptions import ServiceError
from circles.extensions import db
from circles.forms import ConfirmForm
from circles.groups.models import CircleRole
from circles.i18n import gettext as _
from circles.safety import services as safety
from circles.safety.forms import SupportRequestForm
from circles.security import (
    CircleAccess,
    circle_access_or_404,
    managed_circle_or_404,
)
from circles.templating import day
from circles.web import commit_or_explain, show_error_on_form


def _member_access_or_403(circle_id: int) -> CircleAccess:
    """Check-ins are for the circle's members; facilitators and admins see only aggregates."""
    access = circle_access_or_404(circle_id, current_user)
    if access.membership is None or access.membership.role != CircleRole.MEMBER:
        abort(403)
    return access


@bp.route("/circles/<id:circle_id>/checkin", methods=["GET", "POST"])
@login_required
def checkin(circle_id: int) -> Response | tuple[str, int]:
    access = _member_access_or_403(circle_id)
    circle = access.circle
    now = utcnow()
    instrument = services.instrument_for(circle_id)
    period = services.current_period(instrument, now) if instrument else None
    done = period is not None and services.has_checked_in(circle_id, period, current_user.id)
    form = None
    status = 200
    if instrument is not None and period is not None and not done:
        form = checkin_form(questions_for(services.circle_options(circle_id), period))
        if request.method == "POST":
            if form.validate_on_submit():
                answers = services.Answers(
                    scores={
                        f.name.removeprefix("scale_"): int(f.data) for f in form.scale_fields()
                    },
                    themes=frozenset(form.themes.data or ()),  # type: ignore[attr-defined]
                    practices=frozenset(form.practices.data or ()),  # type: ignore[attr-defined]
                )
                try:
                    services.submit_checkin(
                        circle,
                        current_user,
                        answers,
                        now,
                        keep_private_copy=bool(form.keep_copy.data),
                    )
                except ServiceError as error:
                    show_error_on_form(form, error)
                else:
                    db.session.commit()
                    # In a transaction of its own, after the person's is committed: nothing
                    # about them is written beside check-ins that become readable.
                    release.run_release([circle_id], now)
                    flash(_("Thank you. Your check-in is in, without your name on it."), "success")
                    return redirect(url_for("checkins.checkin", circle_id=circle_id))
            status = 400
    elif request.method == "POST":
        if done and instrument is not None:
            flash(services.already_done_message(instrument), "error")
        return redirect(url_for("checkins.checkin", circle_id=circle_id))
    return _render_checkin(access, instrument, period, done, form, status=status)


def _render_checkin(
    access: CircleAccess,
    instrument: CheckinInstrument | None,
    period: date | None,
    done: bool,
    form: FlaskForm | None,
    support_form: SupportRequestForm | None = None,
    status: int = 200,
) -> tuple[str, int]:
    return render_template(
        "checkins/checkin.html",
        access=access,
        circle=access.circle,
        instrument=instrument,
        period=period,
        done=done,
        form=form,
        support_form=support_form or SupportRequestForm(formdata=None),
        support_requests=safety.own_requests(current_user.id, access.circle.id),
        crisis_resources=access.circle.org.crisis_resources,
    ), status


@signals.checkin_page_asked.connect
def checkin_page_with(access: CircleAccess, *, form: SupportRequestForm) -> tuple[str, int]:
    """The check-in page again, with a refused support request and its message kept."""
    instrument = services.instrument_for(access.circle.id)
    period = services.current_period(instrument, utcnow()) if instrument else None
    done = period is not None and services.has_checked_in(access.circle.id, period, current_user.id)
    checkin = None
    if instrument is not None and period is not None and not done:
        questions = questions_for(services.circle_options(access.circle.id), period)
        checkin = checkin_form(questions, formdata=None)
    return _render_checkin(access, instrument, period, done, checkin, form, 400)


@bp.get("/circles/<id:circle_id>/checkin/history")
@login_required
def history(circle_id: int) -> str:
    access = _member_access_or_403(circle_id)
    entries = services.own_history(current_user.id, circle_id)
    options = services.circle_options(circle_id)
    points = [
        ChartPoint(
            day(e.period, "day"),
            None if e.answers is None else services.wellbeing_percent(e.answers, WELLBEING_KEYS),
        )
        for e in entries
    ]
    chart = (
        trend_chart(
            "own-trend",
            _("Your wellbeing score over time (0 to 100)"),
            points,
            y_max=100,
            y_step=20,
        )
        if entries
        else None
    )
    return render_template(
        "checkins/history.html",
        access=access,
        circle=access.circle,
        entries=entries,
        chart=chart,
        labels={**{o.key: o.label for o in options}, **BUILTIN_LABELS},
        wellbeing_keys=sorted(WELLBEING_KEYS),
        percent=services.wellbeing_percent,
        confirm_form=ConfirmForm(),
    )


@bp.post("/circles/<id:circle_id>/checkin/history/delete")
@login_required
def delete_history(circle_id: int) -> Response:
    _member_access_or_403(circle_id)
    if ConfirmForm().validate_on_submit():
        commit_or_explain(
            lambda: services.delete_own_history(current_user.id, circle_id),
            _("Your private check-in history for this circle is deleted."),
        )
    return redirect(url_for("checkins.history", circle_id=circle_id))


def _render_setup(
    access: CircleAccess, form: InstrumentForm, option_form: OptionForm, status: int = 200
) -> tuple[str, int]:
    options = services.circle_options(access.circle.id)
    return render_template(
        "checkins/setup.html",
        access=access,
        circle=access.circle,
        instrument=services.instrument_for(access.circle.id),
        form=form,
        option_form=option_form,
        options=[o for o in options if o.removed_on is None],
        kinds={
            OptionKind.SCALE: _("Question"),
            OptionKind.THEME: _("Theme"),
            OptionKind.PRACTICE: _("Practice"),
        },
        confirm_form=ConfirmForm(),
    ), status


@bp.route("/circles/<id:circle_id>/checkins/setup", methods=["GET", "POST"])
@login_required
def setup(circle_id: int) -> Response | tuple[str, int]:
    access = managed_circle_or_404(circle_id, current_user)
    form = InstrumentForm()
    instrument = services.instrument_for(circle_id)
    if request.method == "GET" and instrument is not None:
        form.period_kind.data = instrument.period_kind.value
    if form.validate_on_submit():
        services.set_up_instrument(access.circle, PeriodKind(form.period_kind.data))
        db.session.commit()
        flash(_("Check-ins are set up. Members can check in from the circle page."), "success")
        return redirect(url_for("checkins.setup", circle_id=circle_id))
    return _render_setup(
        access, form, OptionForm(formdata=None), 400 if request.method == "POST" else 200
    )


@bp.post("/circles/<id:circle_id>/checkins/options")
@login_required
def add_option(circle_id: int) -> Response | tuple[str, int]:
    access = managed_circle_or_404(circle_id, current_user)
    form = OptionForm()
    if form.validate_on_submit():
        try:
            services.add_option(
                access.circle, OptionKind(form.kind.data), form.label.data, utcnow().date()
            )
        except ServiceError as error:
            show_error_on_form(form, error)
        else:
            db.session.commit()
            flash(_("Added. Members see it from the next check-in period."), "success")
            return redirect(url_for("checkins.setup", circle_id=circle_id))
    instrument_form = InstrumentForm(formdata=None)
    return _render_setup(access, instrument_form, form, 400)


@bp.post("/circles/<id:circle_id>/checkins/options/<id:option_id>/remove")
@login_required
def remove_option(circle_id: int, option_id: int) -> Response:
    access = managed_circle_or_404(circle_id, current_user)
    option = scoped_get_or_404(CheckinOption, option_id, circle_id=access.circle.id)
    if ConfirmForm().validate_on_submit():
        commit_or_explain(
            lambda: services.remove_option(option, utcnow().date()),
            _("Removed. It is no longer asked from the next period on."),
        )
    return redirect(url_for("checkins.setup", circle_id=circle_id))
