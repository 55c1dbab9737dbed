"""Group by and totals: counts and totals against hand-counted retailers and complaints, the rows a viewer may not
see left out of every figure, paging of groups, the rows of one group, times grouped by the center's days."""
from datetime import date
from decimal import Decimal

import pytest

from db.engine import unit_of_work
from portal.complaints import table as complaints_table
from portal.complaints.table import COMPLAINTS
from portal.records import grouping
from portal.records.grouping import fetch_group_rows, fetch_groups
from portal.records.view import ViewState
from portal.retailers.table import RETAILERS
from tests.complaints.support import center_fixture, cst  # noqa: F401  (the `center` fixture)
from tests.retailers.support import directory_fixture, english_fixture  # noqa: F401  (fixtures)


def groups(actor, spec, view):
    with unit_of_work() as s:
        return fetch_groups(s, actor=actor, spec=spec, view=view)


def counts(page):
    return [(g.labels[0] if g.labels[0] is not None else g.keys[0], g.count) for g in page.groups]


def test_retailers_by_district_count_each_group_and_total_each_column(directory):
    view = ViewState(group=("district",), totals=(("star_rating", "sum"), ("phone", "filled"), ("route", "empty")))
    page = groups(directory.supervisor, RETAILERS, view)
    assert counts(page) == [("城东区", 2), ("城西区", 2), ("高新区", 1)] and page.group_count == 3
    assert [g.totals for g in page.groups] == [{"star_rating": 8, "phone": 2, "route": 0},
                                              {"star_rating": 6, "phone": 1, "route": 1},
                                              {"star_rating": 1, "phone": 1, "route": 0}]
    assert (page.whole.count, page.whole.totals) == (5, {"star_rating": 15, "phone": 4, "route": 1})


def test_number_totals_average_min_max_and_unique_over_the_whole_filtered_view(directory):
    view = ViewState(search="城东区", totals=(("star_rating", "average"), ("district", "unique")))
    whole = groups(directory.supervisor, RETAILERS, view).whole
    assert whole.count == 2 and whole.totals == {"star_rating": Decimal("4"), "district": 1}
    for aggregate, expected in (("min", 1), ("max", 5), ("average", Decimal(3))):
        whole = groups(directory.supervisor, RETAILERS, ViewState(totals=(("star_rating", aggregate),))).whole
        assert whole.totals["star_rating"] == expected, aggregate
    checked = groups(directory.supervisor, RETAILERS, ViewState(totals=(("is_key_customer", "checked"),))).whole
    assert checked.totals == {"is_key_customer": 2}


def test_masked_fields_neither_group_nor_count_unique_values(directory):
    assert not grouping.groupable(RETAILERS.field("phone"), directory.viewer)
    assert "unique" not in grouping.aggregates(RETAILERS.field("phone"), directory.viewer)
    page = groups(directory.viewer, RETAILERS, ViewState(group=("phone",), totals=(("phone", "unique"),)))
    assert page.levels == [] and len(page.problems) == 2 and page.whole.totals == {}


def test_two_levels_nest_inner_groups_with_empty_values_last(directory):
    page = groups(directory.supervisor, RETAILERS, ViewState(group=("district", "route")))
    inner = [[(g.keys[1], g.count) for g in outer.inner] for outer in page.groups]
    assert inner == [[("城东-01", 1), ("城东-02", 1)], [("城西-01", 1), (None, 1)], [("高新-01", 1)]]
    assert [g.inner_count for g in page.groups] == [2, 2, 1]
    rows = None
    with unit_of_work() as s:
        rows = fetch_group_rows(s, actor=directory.supervisor, spec=RETAILERS,
                                view=ViewState(group=("district", "route")), keys=("城西区", None)).rows
    assert [r["license_no"] for r in rows] == ["330106000004"]


def test_groups_are_paged_and_every_page_carries_the_whole_views_figures(directory, monkeypatch):
    monkeypatch.setattr(grouping, "GROUPS_PER_PAGE", 2)
    view = ViewState(group=("star_rating",))
    first, second = groups(directory.supervisor, RETAILERS, view), groups(directory.supervisor, RETAILERS,
                                                                          view.with_(page=2))
    assert [g.keys for g in first.groups] == [(1,), (2,)] and [g.keys for g in second.groups] == [(3,), (4,)]
    assert (first.group_count, first.page_count, second.whole.count) == (5, 3, 5)
    assert groups(directory.supervisor, RETAILERS, view.with_(page=3)).groups[0].keys == (5,)


def test_users_and_links_group_under_their_names(directory):
    page = groups(directory.supervisor, RETAILERS, ViewState(group=("manager_id",)))
    assert counts(page) == [("刘洋 (KF2001)", 5)]


@pytest.fixture
def complaints(center):
    """Four complaints: three taken by customer service, one by a marketing agent (the outsider)."""
    complaints_table.forget_calendar()
    center.register(grade=2, now=cst(10, 31, 23, 30))  # October in the center, already 31 Oct 15:30 UTC
    center.register(grade=3, now=cst(11, 1, 0, 30))  # November in the center, still 31 Oct in UTC
    center.register(grade=4, category_id=center.categories["pricing"], now=cst(11, 2, 9))
    center.register(center.outsider, grade=1, category_id=center.categories["pricing"], now=cst(11, 3, 9))
    yield center
    complaints_table.forget_calendar()


def test_totals_count_only_the_rows_the_viewer_may_see(complaints):
    view = ViewState(group=("category_id",), totals=(("grade", "sum"), ("reference", "filled")))
    everyone = groups(complaints.supervisor, COMPLAINTS, view)
    assert sorted((g.keys[0], g.count, g.totals["grade"]) for g in everyone.groups) == sorted(
        [(complaints.categories["delivery"], 2, 5), (complaints.categories["pricing"], 2, 5)])
    assert (everyone.whole.count, everyone.whole.totals) == (4, {"grade": 10, "reference": 4})
    outsider = groups(complaints.outsider, COMPLAINTS, view)
    assert [(g.keys[0], g.count, g.totals["grade"]) for g in outsider.groups] == [
        (complaints.categories["pricing"], 1, 1)]
    assert (outsider.whole.count, outsider.group_count) == (1, 1)
    assert groups(complaints.marketing_handler, COMPLAINTS, view).whole.count == 0


def test_times_group_by_the_centers_month_and_open_as_that_months_rows(complaints):
    view = ViewState(group=("received_at:month",), sort=(("received_at", False),))
    page = groups(complaints.supervisor, COMPLAINTS, view)
    assert [(g.keys[0], g.count) for g in page.groups] == [(date(2026, 10, 1), 1), (date(2026, 11, 1), 3)]
    with unit_of_work() as s:
        november = fetch_group_rows(s, actor=complaints.supervisor, spec=COMPLAINTS, view=view,
                                    keys=(date(2026, 11, 1),))
    assert [r["received_at"] for r in november.rows] == [cst(11, 1, 0, 30), cst(11, 2, 9), cst(11, 3, 9)]
    by_day = groups(complaints.supervisor, COMPLAINTS, ViewState(group=("received_at:day",)))
    assert [g.keys[0].day for g in by_day.groups] == [31, 1, 2, 3]


def test_the_view_keeps_groups_and_totals_in_its_url_and_json():
    view = ViewState(group=("department_id", "received_at:month"), totals=(("grade", "average"),))
    assert view.to_params()["group"] == "department_id,received_at:month"
    assert view.to_params()["totals"] == "grade:average"
    assert ViewState.from_params(COMPLAINTS, view.to_params()) == (view, [])
    assert ViewState.from_json(COMPLAINTS, view.to_json()) == view
    again, ignored = ViewState.from_params(COMPLAINTS, {"group": "nope,state,grade,handler_id", "totals": "x:sum"})
    assert again.group == ("state", "grade") and len(ignored) == 3


def test_unique_values_and_averages_per_group_whichever_way_they_are_added_up(directory):
    view = ViewState(group=("district",), totals=(("route", "unique"), ("star_rating", "average")))
    page = groups(directory.supervisor, RETAILERS, view)  # unique values do not add up: counted from the rows
    assert [(g.totals["route"], g.totals["star_rating"]) for g in page.groups] == [(2, 4), (1, 3), (1, 1)]
    assert (page.whole.totals["route"], page.whole.totals["star_rating"]) == (4, 3)
    added = groups(directory.supervisor, RETAILERS, view.with_(totals=(("star_rating", "average"),)))
    assert [g.totals["star_rating"] for g in added.groups] == [4, 3, 1] and added.whole.totals["star_rating"] == 3


def test_a_computed_field_groups_and_opens_like_a_stored_one(complaints):
    view = ViewState(group=("sla", "grade"))
    page = groups(complaints.supervisor, COMPLAINTS, view)
    assert page.whole.count == 4 and sum(g.count for g in page.groups) == 4
    first = page.groups[0]
    assert sum(g.count for g in first.inner) == first.count
    with unit_of_work() as s:
        rows = fetch_group_rows(s, actor=complaints.supervisor, spec=COMPLAINTS, view=view, keys=first.inner[0].keys)
    assert len(rows.rows) == first.inner[0].count and {r["grade"] for r in rows.rows} == {first.inner[0].keys[1]}


def test_staff_groups_come_in_pinyin_order_as_the_grid_sorts_them(directory):
    """艾伦 (ài) before 刘洋 (liú), though 艾 comes after 刘 in character code."""
    from sqlalchemy import update

    from db.models import Retailer, User

    with unit_of_work() as s:
        s.execute(update(User).where(User.id == directory.manager_b.id).values(name="艾伦"))
        first = s.scalar(Retailer.__table__.select().with_only_columns(Retailer.id).order_by(Retailer.id).limit(1))
        s.execute(update(Retailer).where(Retailer.id == first).values(manager_id=directory.manager_b.id))
    page = groups(directory.supervisor, RETAILERS, ViewState(group=("manager_id",)))
    assert [(g.labels[0], g.count) for g in page.groups] == [("艾伦 (KF2003)", 1), ("刘洋 (KF2001)", 4)]
