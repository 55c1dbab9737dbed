"""The complaints dashboard as supervisors and viewers open it: charts of the period in the URL, "no data" for an
empty period, phones masked for viewers, and links that open the complaints behind a figure in the grid."""
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from db.complaint_models import OPEN_STATES
from db.engine import unit_of_work
from db.models import ComplaintCategory, Department, Retailer
from portal import complaints as cx
from portal.complaints import dashboard as dc
from portal.complaints.rules import utcnow
from portal.complaints.table import COMPLAINTS
from portal.dashboards.period import DashboardFilter, center_today
from portal.records.filters import IS_NOT, Filter
from portal.records.query import values_in_use
from portal.ui.nav import pages_for
from tests.complaints.support import Center
from tests.support.app import grid_references

PAGE, GRID = "pages/dashboard_complaints.py", "pages/complaints.py"


@pytest.fixture
def center(db, make_user) -> Center:
    """Staff who sign in through the form (English screens) and five complaints of the last days: three answered
    (one followed up), two still open, one of them from a repeat complainant."""
    with unit_of_work(engine=db) as s:
        categories = dict(s.execute(select(ComplaintCategory.code, ComplaintCategory.id)).all())
        departments = dict(s.execute(select(Department.code, Department.id)).all())
        retailer = Retailer(license_no="330102123456", shop_name="金叶便利店", owner_name="李建国",
                            phone="13812345678", district="城东区", business_type="convenience")
        s.add(retailer)
        s.flush()
        retailer_id = retailer.id

    def user(login, role, dept, name):
        return make_user(role, login=login, department=dept, name=name, language="en")

    agent, handler = user("wangli", "agent", "customer_service", "王丽"), user("sunhao", "handler", "logistics", "孙浩")
    c = Center(engine=db, agent=agent, colleague=agent, outsider=agent, handler=handler, handler2=handler,
               marketing_handler=handler, supervisor=user("zhanghua", "supervisor", "customer_service", "张华"),
               supervisor2=agent, viewer=user("xuming", "viewer", "supervision", "徐明"), categories=categories,
               departments=departments, retailer_id=retailer_id)
    start = utcnow() - timedelta(days=3)
    for n in range(5):
        at = start + timedelta(hours=n)
        cid = c.register(now=at, received_at=at - timedelta(minutes=1),
                         category_id=categories["pricing" if n == 4 else "delivery"],
                         complainant_phone=None if n == 3 else "13812345678", channel="web" if n == 3 else "hotline",
                         retailer_id=None if n == 3 else retailer_id).complaint_id
        if n < 3:
            step = iter(timedelta(minutes=m) for m in range(1, 20))
            c.run(c.supervisor, cx.assign_complaint, complaint_id=cid, handler_id=handler.id, now=at + next(step))
            c.run(handler, cx.start_progress, complaint_id=cid, now=at + next(step))
            c.run(handler, cx.record_investigation, complaint_id=cid, verification_result="属实",
                  root_cause="车辆调度不当", now=at + next(step))
            c.run(handler, cx.reply_to_complainant, complaint_id=cid, text="已补送。", method="phone",
                  now=at + next(step))
        if n == 0:
            c.run(agent, cx.record_follow_up, complaint_id=cid, level=2, method="phone", satisfaction="satisfied",
                  now=at + timedelta(hours=1))
    return c


def open_dashboard(signed_in, login: str, **params):
    at = signed_in(login).switch_page(PAGE)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, at.exception
    return at


def card_titles(at) -> list[str]:
    return [m.value.strip("*") for m in at.markdown if m.value.startswith("**")]


SECTION_CARDS = {
    "volume": {"Complaints by category", "By grade", "By channel", "By handling department",
               "Complaints per 10,000 retailers by district"},
    "service": {"24-hour reply rate", "On-time resolution rate", "Follow-up rate", "Satisfaction rate",
                "Handling time (working days)", "Reopen rate"},
    "backlog": {"Open complaints now, by age", "Top root causes", "Repeat complainants"},
}


def test_the_dashboard_opens_on_volume_and_draws_only_the_open_section(signed_in, center):
    at = open_dashboard(signed_in, "zhanghua")
    assert at.title[0].value == "Complaints dashboard"
    assert [t.label for t in at.tabs] == ["Volume", "Service levels", "Backlog and causes"]
    assert set(card_titles(at)) == SECTION_CARDS["volume"]
    assert len(at.get("vega_lite_chart")) == 5
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Complaints"] == "5" and metrics["Satisfaction rate"] == "100.0%"
    assert metrics["Working days to answer"] != "—"


@pytest.mark.parametrize(("section", "charts"), [("service", 6), ("backlog", 2)])
def test_each_section_opens_from_the_url_and_from_its_tab(signed_in, center, section, charts):
    linked = open_dashboard(signed_in, "zhanghua", section=section)
    assert set(card_titles(linked)) == SECTION_CARDS[section]
    assert len(linked.get("vega_lite_chart")) == charts
    assert {m.label: m.value for m in linked.metric}["Complaints"] == "5"  # the headline figures above every tab
    clicked = open_dashboard(signed_in, "zhanghua")
    clicked.session_state["dash_section"] = {"service": "Service levels", "backlog": "Backlog and causes"}[section]
    clicked.run()
    assert set(card_titles(clicked)) == SECTION_CARDS[section]


def test_the_backlog_section_lists_repeat_complainants(signed_in, center):
    at = open_dashboard(signed_in, "zhanghua", section="backlog")
    repeat = at.dataframe[0].value
    assert repeat["phone"].tolist() == ["13812345678"] and repeat["complaints"].tolist() == [4]


def test_a_new_complaint_counts_on_the_next_run(signed_in, center):
    at = open_dashboard(signed_in, "zhanghua")
    assert {m.label: m.value for m in at.metric}["Complaints"] == "5"
    now = utcnow()
    center.register(now=now, received_at=now - timedelta(minutes=1), complainant_phone="13900001111")
    at.run()
    assert {m.label: m.value for m in at.metric}["Complaints"] == "6"


def test_the_period_in_the_url_sets_the_charts_and_an_empty_one_says_so(signed_in, center):
    future = date(center_today().year + 1, 1, 1)
    at = open_dashboard(signed_in, "zhanghua", period=[future.isoformat(), (future + timedelta(days=30)).isoformat()])
    assert at.date_input(key="period").value == (future, future + timedelta(days=30))
    infos = [i.value for i in at.info]
    assert any(text.startswith("No data for complaints in") for text in infos), infos
    assert not at.get("vega_lite_chart")
    assert {m.label: m.value for m in at.metric}["Complaints"] == "0"


def test_a_department_without_complaints_shows_no_data(signed_in, center):
    at = open_dashboard(signed_in, "zhanghua", dept="finance")
    assert at.selectbox(key="dash_dept").value == "finance"
    assert {m.label: m.value for m in at.metric}["Complaints"] == "0"
    assert any(i.value.startswith("No data for complaints in") for i in at.info)


def test_viewers_see_repeat_complainants_masked(signed_in, center):
    at = open_dashboard(signed_in, "xuming", section="backlog")
    assert at.dataframe[0].value["phone"].tolist() == ["138****5678"]


def test_the_dashboard_is_listed_for_those_who_may_view_complaints(center, admin):
    assert PAGE in [p.path for p in pages_for(center.viewer)]
    assert PAGE not in [p.path for p in pages_for(admin)]  # admins keep the center running, not its complaints


def test_the_chart_links_open_the_complaints_behind_them_in_the_grid(signed_in, center):
    today = center_today()
    flt = DashboardFilter(today - timedelta(days=30), today)
    at = open_dashboard(signed_in, "zhanghua")
    links = [link for link in at.get("page_link") if link.proto.label == "Open these records"]
    assert links and all(link.proto.page.endswith("complaints") for link in links)

    def grid_rows(*filters) -> list[str]:
        return grid_references(signed_in("zhanghua"), GRID, filters)

    everything = grid_rows(*dc.records_filters(flt))
    assert len(everything) == 5
    pricing = grid_rows(*dc.records_filters(flt, category_id=center.categories["pricing"]))
    assert len(pricing) == 1
    open_now = grid_rows(*dc.records_filters(flt, states=OPEN_STATES, period=False))
    assert len(open_now) == 5  # replied complaints are open until the loop is closed
    assert len(grid_rows(*dc.records_filters(flt, root_cause="车辆调度不当"))) == 3
    assert len(grid_rows(*dc.records_filters(flt, department_id=None))) == 2  # not assigned yet
    # a district-filtered dashboard links to the complaints of that district's retailers
    east, west = (DashboardFilter(flt.start, flt.end, district=d) for d in ("城东区", "城西区"))
    assert len(grid_rows(*dc.records_filters(east))) == 4  # the web complaint names no retailer
    assert grid_rows(*dc.records_filters(west)) == []
    assert len(grid_rows(*dc.records_filters(flt), Filter("retailer_district", IS_NOT, "城东区"))) == 1


def test_the_grid_offers_the_retailers_districts_for_its_district_filter(center):
    with unit_of_work(engine=center.engine) as s:
        assert values_in_use(s, actor=center.supervisor, spec=COMPLAINTS, field="retailer_district") == ["城东区"]
