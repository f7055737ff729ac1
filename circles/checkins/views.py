"""Check-in pages: the member's check-in and private trend, set-up, and the anonymised reports."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from markupsafe import Markup
from sqlalchemy import select
from werkzeug.wrappers import Response

from circles import signals
from circles.audit import services as audit
from circles.audit.models import AuditAction
from circles.checkins import bp, org_reports, release, reports, services
from circles.checkins.charts import ChartPoint, trend_chart
from circles.checkins.forms import InstrumentForm, OptionForm, checkin_form
from circles.checkins.instrument import BUILTIN_LABELS, WELLBEING_KEYS, questions_for
from circles.checkins.models import CheckinInstrument, CheckinOption, OptionKind, PeriodKind
from circles.db import scoped_get_or_404, utcnow
from circles.exceptions import ServiceError
from circles.extensions import db
from circles.forms import ConfirmForm
from circles.groups.models import Circle, CircleRole
from circles.i18n import gettext as _
from circles.safety import services as safety
from circles.safety.forms import SupportRequestForm
from circles.security import (
    CircleAccess,
    OrgAccess,
    circle_access_or_404,
    managed_circle_or_404,
    org_access_or_404,
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


def report_charts(report: reports.Report) -> list[Markup]:
    """One trend chart per question, over the report's periods in order."""
    spans = list(dict.fromkeys((f.first, f.last) for f in report.figures))
    by_key = {(f.first, f.last, f.key): f for f in report.figures}
    charts = []
    for index, (key, label) in enumerate(report.questions):
        points = []
        for first, last in spans:
            figure = by_key.get((first, last, key))
            pooled = first != last and report.window is None  # the organisation's: weeks
            text = day(first, "day") + ("+" if pooled else "")
            if figure is None or not figure.published:
                points.append(ChartPoint(text))
            else:
                points.append(ChartPoint(text, figure.mean, figure.band))
        if any(p.value is not None or p.band for p in points):
            charts.append(
                trend_chart(
                    f"chart-{index}", _("Average answer: %(question)s", question=label), points
                )
            )
    return charts


def _csv_response(report: reports.Report, filename: str) -> Response:
    out = io.StringIO()
    writer = csv.writer(out)
    for row in reports.csv_rows(report):
        writer.writerow([reports.safe_cell(cell) for cell in row])
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _circle_report(circle_id: int, action: AuditAction) -> tuple[CircleAccess, reports.Report]:
    access = managed_circle_or_404(circle_id, current_user)
    now = utcnow()
    # Check-ins due for release (a pool whose last period just closed) come out first.
    release.run_release([circle_id], now)
    report = reports.circle_report(access.circle, access.circle.org.anonymity_k, now)
    # Every look at an aggregate is on the record (PRODUCT.md C7).
    audit.record(access.circle.org_id, current_user.id, action, "circle", circle_id)
    db.session.commit()
    return access, report


def _org_report(org_id: int, action: AuditAction) -> tuple[OrgAccess, reports.Report]:
    access = org_access_or_404(org_id, current_user, admin=True)
    until = _until(org_id, download=action == AuditAction.REPORT_EXPORTED)
    report = org_reports.org_report(org_id, access.org.anonymity_k, utcnow(), until)
    audit.record(org_id, current_user.id, action, "organisation", org_id)
    db.session.commit()
    return access, report


def _until(org_id: int, *, download: bool) -> date | None:
    """The last week asked for (``?until=YYYY-MM-DD``); the latest weeks if none, or unclear.

    A download cannot carry a message, and one flashed for it would greet the admin on some
    later page: an unclear date there is refused with a page that says so, and nothing is
    exported.
    """
    asked = request.args.get("until")
    if not asked:
        return None
    try:
        return date.fromisoformat(asked)
    except ValueError:
        if download:
            page = render_template(
                "errors/error.html",
                status=400,
                title=_("That date was not understood"),
                detail=_(
                    "Nothing was downloaded. Open the report, choose the weeks there, "
                    "and download them from the same page."
                ),
                back_url=url_for(".org_report", org_id=org_id),
                back_label=_("Back to the report"),
            )
            abort(Response(page, status=400, mimetype="text/html"))
        flash(_("That date was not understood, so the latest weeks are shown."), "error")
        return None


@bp.get("/circles/<id:circle_id>/checkins/report")
@login_required
def circle_report(circle_id: int) -> str:
    access, report = _circle_report(circle_id, AuditAction.REPORT_VIEWED)
    return render_template(
        "checkins/report.html",
        access=access,
        circle=access.circle,
        org=None,
        report=report,
        charts=report_charts(report),
        instrument=services.instrument_for(circle_id),
        csv_url=url_for("checkins.circle_report_csv", circle_id=circle_id),
        week_length=timedelta(days=6),
        circles=[],
    )


@bp.get("/circles/<id:circle_id>/checkins/report.csv")
@login_required
def circle_report_csv(circle_id: int) -> Response:
    _access, report = _circle_report(circle_id, AuditAction.REPORT_EXPORTED)
    return _csv_response(report, f"circle-{circle_id}-checkins.csv")


@bp.get("/orgs/<id:org_id>/checkins/report")
@login_required
def org_report(org_id: int) -> str:
    access, report = _org_report(org_id, AuditAction.REPORT_VIEWED)
    circles = db.session.scalars(
        select(Circle).where(Circle.org_id == org_id).order_by(Circle.name)
    ).all()
    return render_template(
        "checkins/report.html",
        access=access,
        circle=None,
        org=access.org,
        report=report,
        charts=report_charts(report),
        instrument=None,
        csv_url=url_for("checkins.org_report_csv", org_id=org_id, until=_shown_until(report)),
        week_length=timedelta(days=6),
        circles=circles,
    )


def _shown_until(report: reports.Report) -> str | None:
    """``until`` for links to the same weeks (none for the latest: they move on each week)."""
    window = report.window
    if window is None or window.later is None:
        return None
    return window.last.isoformat()


@bp.get("/orgs/<id:org_id>/checkins/report.csv")
@login_required
def org_report_csv(org_id: int) -> Response:
    _access, report = _org_report(org_id, AuditAction.REPORT_EXPORTED)
    window = report.window
    span = f"-{window.first.isoformat()}-to-{window.last.isoformat()}" if window else ""
    return _csv_response(report, f"organisation-{org_id}-checkins{span}.csv")
