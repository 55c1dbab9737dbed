"""Bad input is refused clearly where it enters, never a database error: NUL text, numbers beyond their column,
days like 9999-12-31 in filters, paging outside the pages, an unknown language, two coordinators opening one
complaint's incident at once. (tests/property runs the same attacks generated, over every entry point.)"""
import threading
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from db.engine import unit_of_work
from db.models import ComplaintCategory, Department
from portal import complaints as cx
from portal import incidents as ix
from portal.access.users import UserInputError, set_own_language
from portal.center.admin import create_department
from portal.errors import InputError
from portal.records.filters import Filter, FilterError
from portal.records.query import fetch_page
from portal.records.view import ViewState
from portal.records.views import save_view
from portal.retailers.table import RETAILERS
from tests.incidents.support import Command, command_fixture  # noqa: F401  (the fixture)


def test_nul_in_a_domain_text_field_is_refused_naming_the_field(command: Command):
    incident = command.open()
    with pytest.raises(InputError) as exc:
        command.run(command.coordinator, ix.add_entry, incident_id=incident.id, text="Road closed\x00 at 9")
    assert exc.value.field == "text" and "NUL" in str(exc.value)


def test_nul_is_refused_on_every_path_even_one_that_checks_nothing(admin):
    with pytest.raises(InputError) as exc, unit_of_work(admin.id) as s:
        create_department(s, actor=admin, name_en="Night\x00shift", name_zh="夜班")
    assert "NUL" in str(exc.value)


def test_nul_in_a_saved_views_json_is_refused(admin):
    with pytest.raises(InputError) as exc, unit_of_work(admin.id) as s:
        save_view(s, actor=admin, spec=RETAILERS, name="mine", state=ViewState(search="金叶\x00"))
    assert exc.value.field == "state"


def test_a_backslash_u0000_typed_as_text_is_kept(admin):
    with unit_of_work(admin.id) as s:
        view = save_view(s, actor=admin, spec=RETAILERS, name="odd", state=ViewState(search="C:\\u0000"))
    assert view.state["search"] == "C:\\u0000"


@pytest.mark.parametrize("wanted", [2**31, -(2**31) - 1, 2**63, 10**30])
def test_an_id_beyond_its_column_is_refused_not_a_database_error(admin, make_user, wanted):
    agent = make_user("agent", department="customer_service")
    with pytest.raises(InputError) as exc, unit_of_work(agent.id) as s:
        cx.get_complaint(s, actor=agent, complaint_id=wanted)
    assert exc.value.field == "id"


def test_text_longer_than_its_column_is_refused_when_written(admin):
    with pytest.raises(InputError) as exc, unit_of_work(admin.id) as s:
        s.add(Department(code="x" * 300, name_en="Long", name_zh="长"))
        s.flush()
    assert exc.value.field == "code"


@pytest.mark.parametrize("flt", [Filter("created_at", "after", "9999-12-31"), Filter("created_at", "is", "9999-12-31"),
                                 Filter("created_at", "between", ("0001-01-01", "9999-12-31")),
                                 Filter("star_rating", "is", "2147483648"), Filter("star_rating", "is", "²"),
                                 Filter("shop_name", "contains", "a\x00b")])
def test_a_filter_value_out_of_range_is_reported_not_a_crash(admin, flt):
    with unit_of_work(admin.id) as s:
        page = fetch_page(s, actor=admin, spec=RETAILERS, view=ViewState(filters=(flt,)))
    assert page.problems and page.rows == []


def test_search_text_with_nul_is_searched_without_it(admin):
    with unit_of_work(admin.id) as s:
        page = fetch_page(s, actor=admin, spec=RETAILERS, view=ViewState(search="\x00金叶\x00"))
    assert page.problems == []


@pytest.mark.parametrize("page,size", [(0, 50), (-1, 50), (10**30, 50), (1, -5), (1, 0), (1, 10**9)])
def test_paging_outside_the_pages_is_refused(admin, page, size):
    with pytest.raises(FilterError), unit_of_work(admin.id) as s:
        fetch_page(s, actor=admin, spec=RETAILERS, view=ViewState(page=page, page_size=size))


def test_paging_from_a_url_is_clamped():
    view, _ignored = ViewState.from_params(RETAILERS, {"page": "99999999999999999999", "size": "²", "q": "a\x00b"})
    assert (view.page, view.page_size, view.search) == (1, 50, "ab")
    assert ViewState.from_params(RETAILERS, {"page": "١٢"})[0].page == 1


@pytest.mark.parametrize("language", ["xx", "", "zh_CN\x00", "en" * 100])
def test_own_language_must_be_an_offered_one(make_user, language):
    agent = make_user("agent")
    with pytest.raises(UserInputError) as exc, unit_of_work(agent.id) as s:
        set_own_language(s, actor=agent, language=language)
    assert exc.value.field == "language"
    with unit_of_work(agent.id) as s:
        set_own_language(s, actor=agent, language="zh_CN")


def test_two_coordinators_opening_one_complaints_incident_get_the_same_one(command: Command):
    with unit_of_work(engine=command.engine) as s:
        category = s.scalar(select(ComplaintCategory.id).where(ComplaintCategory.code == "delivery"))
    major = command.run(command.agent, cx.register_complaint, channel="hotline",
                        received_at=datetime.now().astimezone() - timedelta(hours=1), complainant_name="李建国",
                        complainant_phone="13812345678", category_id=category, grade=1, description="连续三天未送货")
    first_done, results, errors = threading.Event(), {}, []

    def second():
        try:
            results["second"] = command.run(command.deputy, ix.open_incident_from_complaint,
                                            complaint_id=major.complaint_id).id
        except Exception as exc:  # noqa: BLE001 - the test reports it
            errors.append(exc)

    with unit_of_work(command.coordinator.id, engine=command.engine) as s:
        results["first"] = ix.open_incident_from_complaint(s, actor=command.coordinator,
                                                           complaint_id=major.complaint_id).id
        thread = threading.Thread(target=second)
        thread.start()
        thread.join(timeout=1.5)  # the second is waiting for this transaction (before the fix: for its insert)
        first_done.set()
    thread.join(timeout=30)
    assert not errors, errors
    assert results["second"] == results["first"]


def test_an_incident_for_a_complaint_that_has_one_is_refused(command: Command):
    with unit_of_work(engine=command.engine) as s:
        category = s.scalar(select(ComplaintCategory.id).where(ComplaintCategory.code == "delivery"))
    major = command.run(command.agent, cx.register_complaint, channel="hotline",
                        received_at=datetime.now().astimezone() - timedelta(hours=1), complainant_name="李建国",
                        complainant_phone="13812345678", category_id=category, grade=1, description="连续三天未送货")
    incident = command.run(command.coordinator, ix.open_incident_from_complaint, complaint_id=major.complaint_id)
    with pytest.raises(InputError) as exc:
        command.open(complaint_id=major.complaint_id)
    assert exc.value.field == "complaint_id" and incident.reference in str(exc.value)
    with pytest.raises(InputError) as exc:
        command.open(complaint_id=2_000_000_000)
    assert exc.value.field == "complaint_id"
