"""A record page opened from a grid: back to the grid's view, previous / next within it (`?from=`), and the linked
records on the retailer page opening their own records, only those the reader may see."""
import json
from datetime import date
from urllib.parse import parse_qs

from db.engine import unit_of_work
from db.models import ComplaintCategory
from portal import complaints as cx
from portal import incidents as ix
from portal.complaints.rules import utcnow
from portal.records.filters import Filter
from portal.records.view import ViewState
from portal.retailers.table import RETAILERS
from portal.ui.columns import OPEN
from portal.ui.record_nav import from_param
from tests.incidents.support import NOW as INCIDENT_NOW
from tests.incidents.support import Command, command_fixture  # noqa: F401  (fixture)
from tests.retailers.support import directory_fixture, english_fixture  # noqa: F401  (fixtures)


def _open(signed_in, login, record_id, **params):
    at = signed_in(login)
    at.switch_page("pages/retailer.py")
    at.query_params.update({"id": str(record_id), **params})
    at.run()
    assert not at.exception, at.exception
    return at


def _links(at) -> dict[str, tuple[dict, bool]]:
    return {link.proto.label: (parse_qs(link.proto.query_string), link.proto.disabled) for link in at.get("page_link")}


def test_the_grids_view_travels_in_from_and_comes_back_the_same():
    view = ViewState(search="便利", filters=(Filter("district", "any_of", ("城东区", "城西区")),),
                     sort=(("star_rating", True),), page=3)
    params = {k: (v if k == "f" else v[-1]) for k, v in parse_qs(from_param(view)).items()}
    assert ViewState.from_params(RETAILERS, params) == (view, [])
    assert from_param(ViewState()) == "page=1"  # never empty: the page knows it came from a grid


def test_a_record_opened_from_a_grid_links_back_to_that_view_and_to_its_neighbours(signed_in, directory):
    trail = "sort=-star_rating&page=1"  # stars: …01 5, …03 4, …02 3, …04 2, …05 1
    links = _links(_open(signed_in, "sup", directory.ids["330102000002"], **{"from": trail}))
    assert links["All retailers"] == ({"sort": ["-star_rating"], "page": ["1"]}, False)
    assert links["Previous"] == ({"id": [str(directory.ids["330106000003"])], "from": [trail]}, False)
    assert links["Next"] == ({"id": [str(directory.ids["330106000004"])], "from": [trail]}, False)
    first = _links(_open(signed_in, "sup", directory.ids["330102000001"], **{"from": trail}))
    assert first["Previous"][1] is True and first["Next"][0]["id"] == [str(directory.ids["330106000003"])]
    plain = _links(_open(signed_in, "sup", directory.ids["330102000001"]))  # not from a grid: no neighbours
    assert "Previous" not in plain and "All retailers" in plain


def test_the_retailers_complaints_open_their_complaint_and_show_only_what_the_reader_may_see(signed_in, directory,
                                                                                             make_user):
    agent = make_user("agent", login="agent_cs", department="customer_service", name="王丽", language="en")
    make_user("agent", login="agent_mk", department="marketing", name="钱多", language="en")
    shop = directory.ids["330102000001"]
    with unit_of_work(agent.id) as s:
        category = s.query(ComplaintCategory).filter_by(code="delivery").one().id
        reg = cx.register_complaint(s, actor=agent, channel="hotline", complainant_name="王伟",
                                    complainant_phone="13812345678", retailer_id=shop, category_id=category, grade=3,
                                    description="送货晚了", remedy_sought="", received_at=utcnow())
    for login, seen in (("agent_cs", True), ("agent_mk", False)):
        at = _open(signed_in, login, shop)
        tables = [d.value for d in at.dataframe if "Reference" in d.value.columns and "Grade" in d.value.columns]
        if seen:
            assert list(tables[0]["Reference"]) == [reg.reference] and OPEN in tables[0].columns
        else:  # another department's agent: not that complaint, nor a link to it
            assert tables == [] and "No complaints from this retailer." in [c.value for c in at.caption]


def test_link_cells_of_a_grid_are_buttons_to_the_linked_record_for_readers_of_that_table(signed_in, directory,
                                                                                          make_user):
    agent = make_user("agent", login="agent_cs", department="customer_service", name="王丽", language="en")
    with unit_of_work(agent.id) as s:
        category = s.query(ComplaintCategory).filter_by(code="delivery").one().id
        cx.register_complaint(s, actor=agent, channel="hotline", complainant_name="王伟", received_at=utcnow(),
                              complainant_phone="13812345678", retailer_id=directory.ids["330102000001"],
                              category_id=category, grade=3, description="送货晚了", remedy_sought="")
    at = signed_in("sup")
    at.switch_page("pages/complaints.py")
    at.run()
    assert not at.exception, at.exception
    config = json.loads(at.dataframe[0].proto.columns)
    assert config["retailer_id"]["type_config"]["type"] == "button"  # opens pages/retailer.py?id=…
    assert config["department_id"].get("type_config", {}).get("type") != "button"  # departments have no page
    assert list(at.dataframe[0].value["retailer_id"]) == ["好又多便利店"]


def test_a_retailers_supply_request_opens_the_list_of_requests_at_that_request(signed_in, command: Command):
    request = command.run(command.agent, ix.request_supply, retailer_id=command.retailers[0], reason="wedding",
                          event_date=date(2026, 7, 18), lines={command.brands["利群(新版)"]: 10}, note="婚宴",
                          now=INCIDENT_NOW)
    command.run(command.agent, ix.request_supply, retailer_id=command.retailers[1], reason="wedding",
                event_date=date(2026, 7, 18), lines={command.brands["利群(新版)"]: 5}, note="婚宴", now=INCIDENT_NOW)
    at = _open(signed_in, "admin", command.retailers[0])
    [supply] = [d.value for d in at.dataframe if "Cartons" in d.value.columns]
    assert list(supply["Reference"]) == [request.reference] and OPEN in supply.columns
    at.switch_page("pages/supply_requests.py")
    at.query_params.clear()
    at.query_params["q"] = request.reference  # what the row's button opens
    at.run()
    assert not at.exception, at.exception
    [tabs] = at.get("tab_container")
    labels = [tab.label for tab in tabs.children.values()]
    assert labels[tabs.proto.tab_container.default_tab_index] == "All requests"
    grids = [d.value for d in at.dataframe if "retailer_id" in d.value.columns]
    assert [list(g["reference"]) for g in grids] == [[request.reference]]
