"""The demo command fills an organisation a newcomer can log in to."""

from __future__ import annotations

from sqlalchemy import select

from circles.cli import DEMO_DOMAIN, DEMO_PASSWORD
from circles.extensions import db
from circles.meetings.models import Meeting


def test_demo_data_can_be_logged_in_to(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert f"facilitator@{DEMO_DOMAIN}" in result.output
    client = app.test_client()
    response = client.post(
        "/login", data={"email": f"sam@{DEMO_DOMAIN}", "password": DEMO_PASSWORD}
    )
    assert response.status_code == 302
    home = client.get("/").get_data(as_text=True)
    assert "Thursday evening circle" in home
    # Sam lives in Berlin: the 19:00 London meetings show as 20:00 Berlin time.
    assert home.count('<li class="meeting') == 6
    assert "20:00 to 21:30 (Europe/Berlin)" in home
    # The facilitator finds the first meeting's plan ready.
    staff = app.test_client()
    staff.post("/login", data={"email": f"facilitator@{DEMO_DOMAIN}", "password": DEMO_PASSWORD})
    with app.app_context():
        first = db.session.scalars(select(Meeting).order_by(Meeting.starts_at)).first()
    page = staff.get(f"/circles/{first.circle_id}/meetings/{first.id}").get_data(as_text=True)
    assert "Session plan (3 steps)" in page
    again = runner.invoke(args=["demo"])
    assert again.exit_code != 0 and "already there" in again.output
