"""The incident dashboard as a coordinator and a viewer open it: every chart of the default year, the period and
district in the URL, "no data" for an empty period, and links that open the incidents behind a chart in the grid."""
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from db.engine import unit_of_work
from db.incident_models import Incident
from db.models import Retailer
from portal import incidents as ix
from portal.center.sla import local
from portal.dashboards.period import DashboardFilter, center_today
from portal.incidents import clicks
from portal.incidents.rules import utcnow
from portal.ui.nav import pages_for
from tests.support.app import grid_references

PAGE, GRID = "pages/dashboard_incidents.py", "pages/incidents.py"
CARDS = {"Incidents by type", "Incidents by severity", "Time to respond (hours)", "Time to resolve (hours)",
         "Open incidents now, by severity and status", "Open incidents now, by how long they have run",
         "Retailers affected", "Service suspensions"}


@pytest.fixture
def coordinator(db, make_user):
    with unit_of_work(engine=db) as s:  # the district list of the filter bar comes from the retailers
        s.add_all([Retailer(license_no=f"33010210000{n}", shop_name=f"金叶便利店{n}", owner_name="李建国",
                            phone="13812345678", district=district, route=f"{district[:2]}-01",
                            business_type="convenience") for n, district in enumerate(("城东区", "城西区", "开发区"))])
    return make_user("emergency_coordinator", login="huangwei", name="黄伟", language="en")


@pytest.fixture
def incidents(coordinator, make_user) -> dict[str, int]:
    """Three incidents of the last days: a resolved rainstorm in 城东区 with a delivery suspension, a system failure
    in 城西区 being responded to, and a vehicle breakdown in 城东区 still open."""
    make_user("viewer", login="xuming", name="徐明", language="en")
    now = utcnow()

    def run(fn, **kw):
        with unit_of_work(coordinator.id) as s:
            return fn(s, actor=coordinator, **kw)

    start = now - timedelta(days=2)
    rain = run(ix.open_incident, type="severe_weather", severity=3, title="城东区暴雨", started_at=start,
               affected_districts=["城东区"], affected_steps=["delivery"], affected_retailers_estimate=30,
               now=start).id
    run(ix.change_status, incident_id=rain, status="responding", now=start + timedelta(hours=1))
    stop = run(ix.record_suspension, incident_id=rain, service="delivery", area="城东-01",
               suspended_at=start + timedelta(hours=1), now=start + timedelta(hours=1)).id
    run(ix.record_resumption, suspension_id=stop, resumed_at=start + timedelta(hours=3),
        now=start + timedelta(hours=3))
    run(ix.change_status, incident_id=rain, status="resolved", resolution="积水退去", now=start + timedelta(hours=5))
    system = run(ix.open_incident, type="system_failure", severity=2, commander_id=coordinator.id,
                 title="订货系统无法登录", started_at=now - timedelta(hours=3), affected_districts=["城西区"],
                 affected_retailers_estimate=200, now=now - timedelta(hours=3)).id
    for position in ("leader", "deputy_leader", "member"):  # a major incident moves on with its command group
        run(ix.name_to_group, incident_id=system, user_id=make_user("handler").id, position=position,
            now=now - timedelta(hours=2))
    run(ix.change_status, incident_id=system, status="responding", now=now - timedelta(hours=2))
    truck = run(ix.open_incident, type="vehicle_breakdown", severity=4, title="城东-01 送货车辆爆胎",
                started_at=now - timedelta(hours=1), affected_districts=["城东区"], now=now).id
    return {"rain": rain, "system": system, "truck": truck}


def open_dashboard(signed_in, login: str, **params):
    at = signed_in(login).switch_page(PAGE)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    return at


def card_titles(at) -> list[str]:
    return [m.value.strip("*") for m in at.markdown if m.value.startswith("**")]


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_the_dashboard_draws_every_chart_of_the_default_year(signed_in, incidents):
    for login in ("huangwei", "xuming"):
        at = open_dashboard(signed_in, login)
        assert at.title[0].value == "Incident dashboard"
        assert CARDS <= set(card_titles(at))
        assert len(at.get("vega_lite_chart")) == len(CARDS)
        assert not at.info, [i.value for i in at.info]
        figures = metrics(at)
        assert (figures["Incidents"], figures["Major incidents (severity 1–2)"], figures["Open now"]) == ("3", "1", "2")
        assert figures["Median hours to resolve"] == "5.0"
        assert figures["Median hours to respond"] == "1.0"  # the rainstorm and the system failure: 1 h each
        assert any("first move out of “Opened”" in c.value for c in at.caption)


def test_the_period_in_the_url_sets_the_charts_and_an_empty_one_says_so(signed_in, incidents):
    future = date(center_today().year + 1, 1, 1)
    at = open_dashboard(signed_in, "huangwei", period=[future.isoformat(), (future + timedelta(days=30)).isoformat()])
    assert at.date_input(key="period").value == (future, future + timedelta(days=30))
    infos = [i.value for i in at.info]
    assert any(text.startswith("No data for incidents in") for text in infos), infos
    assert any(text.startswith("No data for service suspensions in") for text in infos), infos
    assert len(at.get("vega_lite_chart")) == 2  # only the two "open now" charts, which ignore the period
    assert metrics(at)["Incidents"] == "0" and metrics(at)["Median hours to resolve"] == "—"
    today = center_today()
    single = open_dashboard(signed_in, "huangwei", period=[today.isoformat(), today.isoformat()])
    assert single.date_input(key="period").value == (today,)  # one day: the widget keeps a single date
    started_today = sum(local(utcnow() - timedelta(hours=h)).date() == today for h in (3, 1))  # system, truck
    assert metrics(single)["Incidents"] == str(started_today)


def test_a_district_in_the_url_keeps_its_incidents(signed_in, incidents):
    at = open_dashboard(signed_in, "huangwei", district="城西区")
    assert at.selectbox(key="dash_district").value == "城西区"
    assert (metrics(at)["Incidents"], metrics(at)["Open now"]) == ("1", "1")
    assert any(i.value.startswith("No data for service suspensions in") for i in at.info)
    empty = open_dashboard(signed_in, "huangwei", district="开发区")
    assert metrics(empty)["Incidents"] == "0"
    assert any(i.value.startswith("No data for open incidents in") for i in empty.info)
    assert not empty.get("selectbox") or all(s.key != "dash_dept" for s in empty.selectbox)  # no department filter


def test_the_dashboard_is_listed_for_those_who_may_view_incidents(incidents, coordinator):
    assert PAGE in [p.path for p in pages_for(coordinator)]


def test_the_chart_links_open_the_incidents_behind_them_in_the_grid(signed_in, incidents):
    with unit_of_work() as s:
        refs = {k: s.scalar(select(Incident.reference).where(Incident.id == v)) for k, v in incidents.items()}
    at = open_dashboard(signed_in, "huangwei", district="城东区")
    links = [link for link in at.get("page_link") if link.proto.label == "Open these records"]
    assert links and all(link.proto.page.endswith("incidents") for link in links)

    def grid_rows(*filters) -> list[str]:
        return grid_references(signed_in("huangwei"), GRID, filters)

    today = center_today()
    east = DashboardFilter(today.replace(day=1) - timedelta(days=330), today, district="城东区")
    assert grid_rows(*clicks.grid_filters(east)) == sorted([refs["rain"], refs["truck"]])
    assert grid_rows(*clicks.grid_filters(east, type="vehicle_breakdown")) == [refs["truck"]]
    everywhere = DashboardFilter(east.start, east.end)
    assert grid_rows(*clicks.grid_filters(everywhere, started=False, status=["open", "responding", "monitoring"])) == \
        sorted([refs["system"], refs["truck"]])
