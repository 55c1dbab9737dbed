"""The grouped grid as a supervisor uses it: group from the popover (the URL says so), open a group to see its rows,
open a record from a group, pick totals per column, a second level, and the totals row of an ungrouped grid."""
from portal.complaints.table import forget_calendar
from portal.ui.text import shown
from tests.complaints.support import cst
from tests.complaints.test_pages import desk  # noqa: F401  (the `desk` fixture)
from tests.retailers.support import directory_fixture  # noqa: F401  (the `directory` fixture)
from tests.support.app import open_page

GRID = "pages/retailers.py"


def _grid(signed_in, login="sup", params=None, page=GRID):
    return open_page(signed_in, login, page, params)


def _heads(at):
    return [shown(b.label) for b in at.button if b.key and b.key.endswith(".toggle")]


def _toggle(at, label):
    next(b for b in at.button if b.key and b.key.endswith(".toggle") and shown(b.label) == label).click().run()
    assert not at.exception, at.exception
    return at


def _box(at, widget):
    """The popover's selectbox `widget` (its key also names the value it shows)."""
    return next(b for b in at.selectbox if b.key.startswith(f"retailers.{widget}@"))


def _captions(at):
    return [shown(c.value) for c in at.caption]


def test_a_supervisor_groups_retailers_by_district_opens_a_group_and_picks_a_total(signed_in, directory):
    at = _grid(signed_in)
    _box(at, "group0").set_value("district").run()
    assert at.query_params["group"] == "district" and not at.data_editor and not at.dataframe
    assert _heads(at) == ["城东区 · 2", "城西区 · 2", "高新区 · 1"]
    assert "Retailers: 5 · groups: 3" in _captions(at)
    _toggle(at, "城西区 · 2")
    assert [lic[-1] for lic in at.dataframe[0].value["license_no"]] == ["3", "4"]
    assert "Rows 1–2 of 2" in _captions(at)
    _box(at, "total.star_rating").set_value("sum").run()
    assert at.query_params["totals"] == "star_rating:sum"
    assert "Retailers: 5 · groups: 3 — Star rating: sum 15" in _captions(at)
    assert "Star rating: sum 6" in _captions(at)  # the 城西区 group's own total
    assert len(at.dataframe) == 1  # the opened group stays open
    _toggle(at, "城西区 · 2")
    assert not at.dataframe


def test_a_second_level_nests_under_the_first_and_an_ungrouped_grid_keeps_its_totals_row(signed_in, directory):
    at = _grid(signed_in, params={"group": "district,route", "totals": "phone:filled"})
    assert _heads(at) == ["城东区 · 2", "城西区 · 2", "高新区 · 1"]
    _toggle(at, "城西区 · 2")
    assert _heads(at) == ["城东区 · 2", "城西区 · 2", "城西-01 · 1", "(empty) · 1", "高新区 · 1"]
    _toggle(at, "(empty) · 1")
    assert [lic[-1] for lic in at.dataframe[0].value["license_no"]] == ["4"]
    _box(at, "group0").set_value("").run()
    assert "group" not in at.query_params and at.data_editor
    assert "Totals of all 5 retailers: Phone: filled 4" in _captions(at)


def test_complaints_grouped_by_state_then_month_from_a_link(signed_in, desk):  # noqa: F811  (the fixture)
    forget_calendar()
    desk.register(now=cst(11, 2, 9))
    desk.register(now=cst(11, 3, 9), grade=1)
    at = _grid(signed_in, "zhanghua", params={"group": "state,received_at:month", "totals": "grade:average"},
               page="pages/complaints.py")
    assert _heads(at) == ["Registered · 2"]
    assert "Complaints: 2 · groups: 1 — Grade: average 2.0" in _captions(at)
    _toggle(at, "Registered · 2")
    assert _heads(at) == ["Registered · 2", "2026-11 · 2"]
    _toggle(at, "2026-11 · 2")
    assert len(at.dataframe[0].value) == 2


def test_the_popover_shows_the_grouping_and_totals_the_link_gave(signed_in, directory):
    at = _grid(signed_in, params={"group": "district,updated_at:year", "totals": "star_rating:max"})
    assert _box(at, "group0").value == "district"
    assert _box(at, "group1").value == "updated_at"
    assert _box(at, "group1.part").value == "year"
    assert _box(at, "total.star_rating").value == "max"


def test_the_incidents_grid_groups_too_and_says_when_nothing_matches(signed_in, make_user):
    make_user("emergency_coordinator", login="coord", language="en")
    at = _grid(signed_in, "coord", params={"group": "status,started_at:week"}, page="pages/incidents.py")
    assert "Incidents: 0 · groups: 0" in _captions(at) and not at.dataframe and not at.data_editor
    assert [shown(w.value) for w in at.warning] == ["Ignored: Started is grouped by month (“week” is not offered)."]
