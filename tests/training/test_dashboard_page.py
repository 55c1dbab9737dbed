"""The training dashboard page: charts for a period in the URL, "no data" for an empty period, links to the month's
plan and to the coverage page, and a session row that opens the session."""
from __future__ import annotations

from datetime import date
from types import SimpleNamespace
from urllib.parse import parse_qs

import pytest

from db.engine import unit_of_work
from portal import training as tr
from portal.i18n import fmt_date
from tests.training.support import add_retailers, cst
from tests.training.test_dashboard import YEAR, _seat, _session

PAGE = "pages/dashboard_training.py"


@pytest.fixture
def programme(db, make_user):
    """March 2025: two held sessions (5 of 7 seated attended, 2 evaluations) and a cancelled one; April: one
    approved session; retailers 0–7 in 城东区 / 城西区, one more in 城南区."""
    coordinator = make_user("training_coordinator", login="coord", department="marketing", name="陈静", language="en")
    trainer = make_user("handler", login="trainer", department="marketing", name="周杰", language="en")
    with unit_of_work(coordinator.id, engine=db) as s:
        course = tr.create_course(s, actor=coordinator, title="卷烟陈列技巧", kind="skill", duration_minutes=90)
    data = SimpleNamespace(engine=db, course_id=course.id, trainer=trainer, retailers=add_retailers(db, 8))
    add_retailers(db, 1, start=900, district="城南区")  # a district nobody from has signed up yet
    a = _session(data, cst(3, 10, 10, year=YEAR), "held", cst(3, 3, 9, year=YEAR))
    for r, present, scores in ((0, True, (5, 4, 3)), (1, True, (3, 4, 5)), (2, True, None), (3, False, None)):
        _seat(data, a, r, present, scores)
    b = _session(data, cst(3, 20, 14, year=YEAR), "held", cst(3, 3, 9, year=YEAR))
    for r, present in ((0, True), (6, True), (7, False)):
        _seat(data, b, r, present)
    _session(data, cst(3, 25, 9, year=YEAR), "cancelled", cst(3, 3, 9, year=YEAR))
    _session(data, cst(4, 1, 7, year=YEAR), "approved", cst(4, 8, 9, year=YEAR))
    data.sessions = (a, b)
    return data


def _open(signed_in, start: date, end: date, **params: str):
    at = signed_in("coord")
    at.query_params["period"] = [start.isoformat(), end.isoformat()]
    at.query_params.update(params)
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    return at


def _cards(at) -> set[str]:
    return {m.value.strip("*") for m in at.markdown if m.value.startswith("**")}


def test_the_dashboard_draws_the_period_in_the_url(signed_in, programme):
    at = _open(signed_in, date(YEAR, 1, 1), date(YEAR, 6, 30))
    assert at.title[0].value == "Training dashboard"
    assert at.date_input(key="period").value == (date(YEAR, 1, 1), date(YEAR, 6, 30))
    assert [s.key for s in at.selectbox] == ["dash_district"]  # sessions have no department: no department filter
    figures = {m.label: m.value for m in at.metric}
    assert figures["Sessions held"] == "2" and figures["Attendees"] == "5"
    assert figures["Attendance rate"] == "71.4%" and figures["Attendees who evaluated"] == "40.0%"
    assert {"Sessions", "Attendees", "Attendance rate", "Attendees who evaluated", "Evaluation scores",
            "Monthly plan"} <= _cards(at)
    assert not [i.value for i in at.info if "No data" in i.value]
    charts = at.get("vega_lite_chart")
    assert len(charts) >= 6
    # Feb, May, Jun: no session; Apr: approved after its 3rd working day
    assert "2025-02, 2025-04, 2025-05, and 2025-06" in at.warning[0].value
    [table] = [d.value for d in at.dataframe]
    assert list(table["title"].str.startswith("卷烟陈列技巧")) == [True] * 4
    assert list(table["signed_up"]) == [0, 0, 3, 4]  # newest first


def test_a_period_without_sessions_says_no_data_instead_of_drawing(signed_in, programme):
    at = _open(signed_in, date(YEAR, 8, 1), date(YEAR, 8, 31))
    no_data = [i.value for i in at.info if i.value.startswith("No data for")]
    august = f"{fmt_date(date(YEAR, 8, 1))} – {fmt_date(date(YEAR, 8, 31))}"
    assert f"No data for training sessions in {august}." in no_data
    assert f"No data for held sessions in {august}." in no_data
    assert not at.dataframe
    assert {m.label: m.value for m in at.metric}["Attendance rate"] == "—"


def test_a_future_period_and_a_district_without_retailers_show_no_data(signed_in, programme):
    today = date.today()
    at = _open(signed_in, date(today.year + 1, 1, 1), date(today.year + 1, 1, 31))
    assert any("No data for active retailers" in i.value for i in at.info)
    at = _open(signed_in, date(YEAR, 1, 1), date(YEAR, 6, 30), district="城南区")
    assert any(i.value.startswith("No data for training sessions") for i in at.info)


def test_the_district_filter_comes_from_the_url(signed_in, programme):
    at = _open(signed_in, date(YEAR, 3, 1), date(YEAR, 3, 31), district="城东区")
    assert at.selectbox(key="dash_district").value == "城东区"
    figures = {m.label: m.value for m in at.metric}
    assert figures["Attendees"] == "4" and figures["Attendance rate"] == "100.0%"


def test_coverage_links_to_the_coverage_page_for_the_year_and_district(signed_in, programme):
    at = _open(signed_in, date(YEAR, 3, 1), date(YEAR, 3, 31), district="城东区")
    links = [parse_qs(p.proto.query_string) for p in at.get("page_link") if "training_coverage" in p.proto.page]
    assert links == [{"year": [str(YEAR)], "district": ["城东区"]}] * 2  # one under each coverage chart


def test_a_session_row_opens_the_session(signed_in, programme):
    at = _open(signed_in, date(YEAR, 3, 1), date(YEAR, 3, 31))
    at.session_state["dash_training_table.open"] = {"row": 2}  # newest first: cancelled, B, then A
    at.run()
    assert not at.exception, at.exception
    assert at.title[0].value.startswith("卷烟陈列技巧") and at.query_params["id"] == str(programme.sessions[0])


def test_the_plan_page_opens_a_month_from_a_dashboard_link(signed_in, programme):
    at = signed_in("coord")
    at.query_params["month"] = f"{YEAR}-03"
    at.switch_page("pages/training_plan.py").run()
    assert not at.exception, at.exception
    assert at.selectbox(key="plan_month").value == date(YEAR, 3, 1)


def test_the_coverage_page_opens_a_district_from_a_dashboard_link(signed_in, programme):
    at = signed_in("coord")
    at.query_params.update({"year": str(date.today().year - 1), "district": "城东区"})
    at.switch_page("pages/training_coverage.py").run()
    assert not at.exception, at.exception
    assert at.selectbox(key="coverage_year").value == date.today().year - 1
    assert at.selectbox(key="untrained_district").value == "城东区"
