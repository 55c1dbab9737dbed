"""Previous / next within a view: walking the neighbours gives the grid's own order, for filtered views sorted on
several levels, empty values and ties included; a record that left the view still has the neighbours of its place."""
import pytest

from db.engine import unit_of_work
from portal.complaints.table import COMPLAINTS
from portal.records.filters import Filter
from portal.records.neighbours import Neighbours, neighbours
from portal.records.query import fetch_page
from portal.records.view import ViewState
from portal.retailers.table import RETAILERS
from tests.complaints.support import center_fixture, cst  # noqa: F401  (fixture)
from tests.retailers.support import directory_fixture, english_fixture  # noqa: F401  (fixtures)

VIEWS = [
    ViewState(),
    ViewState(sort=(("star_rating", True),)),
    ViewState(sort=(("route", False), ("star_rating", True))),  # one retailer has no route: last ascending
    ViewState(sort=(("route", True), ("district", False))),  # … and first descending
    ViewState(sort=(("manager_id", False), ("owner_name", True))),  # a user field sorts by the joined name
    ViewState(filters=(Filter("status", "is_not", "closed"),), sort=(("district", True), ("star_rating", False))),
    ViewState(search="区", sort=(("is_key_customer", True), ("shop_name", False))),
]


@pytest.mark.parametrize("view", VIEWS, ids=range(len(VIEWS)))
def test_walking_previous_and_next_gives_the_grids_order(directory, view):
    with unit_of_work() as s:
        ids = [r["id"] for r in fetch_page(s, actor=directory.viewer, spec=RETAILERS, view=view).rows]
        found = [neighbours(s, actor=directory.viewer, spec=RETAILERS, view=view, record_id=i) for i in ids]
    assert len(ids) >= 3
    assert found == [Neighbours(previous=ids[n - 1] if n else None, next=ids[n + 1] if n + 1 < len(ids) else None)
                     for n in range(len(ids))]


def test_a_record_outside_the_filter_gets_the_neighbours_of_its_place(directory):
    view = ViewState(filters=(Filter("district", "is", "城东区"),), sort=(("star_rating", False),))
    with unit_of_work() as s:  # 城东区: stars 3 (…02) and 5 (…01); …04 of 城西区 has 2 stars, …03 has 4
        low = neighbours(s, actor=directory.viewer, spec=RETAILERS, view=view, record_id=directory.ids["330106000004"])
        mid = neighbours(s, actor=directory.viewer, spec=RETAILERS, view=view, record_id=directory.ids["330106000003"])
    assert low == Neighbours(previous=None, next=directory.ids["330102000002"])
    assert mid == Neighbours(previous=directory.ids["330102000002"], next=directory.ids["330102000001"])


def test_an_unknown_record_has_no_neighbours(directory):
    with unit_of_work() as s:
        assert neighbours(s, actor=directory.viewer, spec=RETAILERS, view=ViewState(), record_id=999) == \
            Neighbours(None, None)


def test_complaint_neighbours_skip_the_complaints_outside_the_readers_scope(center):
    own = [center.register(now=cst(11, 16, 9 + i)).complaint_id for i in range(3)]  # the agent's own (first contact)
    other = center.register(actor=center.outsider, now=cst(11, 16, 10, 30)).complaint_id  # marketing's, in between
    view = ViewState(sort=(("received_at", False),))
    with unit_of_work() as s:
        mine = neighbours(s, actor=center.agent, spec=COMPLAINTS, view=view, record_id=own[1])
        everyone = neighbours(s, actor=center.supervisor, spec=COMPLAINTS, view=view, record_id=own[1])
        hidden = neighbours(s, actor=center.agent, spec=COMPLAINTS, view=view, record_id=other)
    assert mine == Neighbours(previous=own[0], next=own[2])
    assert everyone == Neighbours(previous=own[0], next=other)
    assert hidden == Neighbours(None, None)  # a complaint the reader may not see has no neighbours to give away
