"""Check-in reports: a circle's and an organisation's, on a page with charts and as CSV.

Every look at a report, and every download, is put on the audit record.
"""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

from flask import abort, flash, render_template, request, url_for
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy import select
from werkzeug.wrappers import Response

from circles.audit import services as audit
from circles.audit.models import AuditAction
from circles.checkins import bp, org_reports, release, reports, services
from circles.checkins.charts import ChartPoint, trend_chart
from circles.db import utcnow
from circles.extensions import db
from circles.groups.models import Circle
from circles.i18n import gettext as _
from circles.security import CircleAccess, OrgAccess, managed_circle_or_404, org_access_or_404
from circles.templating import day


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
