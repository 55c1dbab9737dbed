"""The monthly reports page (each area a role may read, a chosen month, both downloads) and the home overview of
this month per role."""
from datetime import timedelta

import streamlit as st
from sqlalchemy import func, select

from db.complaint_models import Complaint
from db.engine import unit_of_work
from portal.center.sla import local
from portal.complaints.rules import utcnow
from portal.dashboards.period import in_period, month_filter
from tests.complaints.test_dashboard_page import center  # noqa: F401  (staff and five complaints of the last days)

REPORTS = "pages/reports.py"


def _open_reports(signed_in, login, **params):
    at = signed_in(login)
    at.switch_page(REPORTS)
    at.query_params.update(params)
    at.run()
    assert not at.exception, at.exception
    return at


def test_a_supervisor_reads_each_area_s_report_of_the_chosen_month(center, signed_in):  # noqa: F811
    first = local(utcnow() - timedelta(days=3)).date()  # when the fixture's complaints came in
    month = f"{first:%Y-%m}"
    with unit_of_work() as s:
        received = s.scalar(select(func.count()).where(in_period(Complaint.received_at, month_filter(first))))
    at = _open_reports(signed_in, "zhanghua", month=month)
    assert at.selectbox(key="month").value == month
    assert [d.label for d in at.get("download_button")] == ["Download XLSX", "Download for printing (HTML)"]
    assert at.subheader[0].value == f"Complaint analysis · {month}"
    figures = {m.label: m.value for m in at.metric}
    assert figures["Complaints"] == str(received) and received > 0
    assert "24-hour reply rate" in figures and "Satisfaction rate" in figures
    for area, title in (("training", "Training summary"), ("incidents", "Incident summary")):
        at.segmented_control(key="area").set_value(area).run()
        assert not at.exception, at.exception
        assert at.subheader[0].value.startswith(title)


def test_a_month_without_records_shows_dashes_not_errors(center, signed_in):  # noqa: F811
    at = _open_reports(signed_in, "xuming")
    at.selectbox(key="month").set_value(at.selectbox(key="month").options[-1]).run()  # two years ago: empty
    assert not at.exception, at.exception
    assert any(m.value == "—" for m in at.metric)


def test_home_shows_this_month_of_the_areas_a_role_works_in(center, signed_in):  # noqa: F811
    st.cache_data.clear()
    supervisor = signed_in("zhanghua")
    headings = [m.value for m in supervisor.markdown]
    assert "**Complaints this month**" in headings and "**Training this month**" in headings
    assert "**Incidents this month**" in headings
    agent = signed_in("wangli")
    headings = [m.value for m in agent.markdown]
    assert "**Complaints this month**" in headings and "**Incidents this month**" not in headings
    assert len(agent.metric) >= 3 + 4  # identity row, then this month's complaint figures
