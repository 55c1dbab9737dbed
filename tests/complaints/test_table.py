"""The complaints grid through the records layer: SLA filters, who sees which rows, links by language, saved
views, bulk moves and the retailer's complaint history."""
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from db.complaint_models import ComplaintEvent
from db.engine import unit_of_work
from db.models import SavedView
from portal import complaints as cx
from portal.center.sla import sla_status
from portal.center.workdays import load_calendar
from portal.complaints import table
from portal.complaints.bulk import assign_complaints, mark_complaints_invalid
from portal.complaints.table import COMPLAINTS, DEPARTMENTS, ensure_shared_views, retailer_complaints
from portal.i18n import set_language
from portal.records.filters import Filter, relative_day
from portal.records.query import fetch_page, fetch_record
from portal.records.validation import Lookups
from portal.records.view import ViewState
from portal.records.views import delete_view, visible_views
from tests.complaints.support import FRIDAY_3PM, center_fixture, cst  # noqa: F401  (the `center` fixture)


@pytest.fixture(autouse=True)
def english():
    set_language("en")
    table.forget_calendar()
    yield
    table.forget_calendar()


def rows(actor, view=None, **kw):
    with unit_of_work() as s:
        return fetch_page(s, actor=actor, spec=COMPLAINTS, view=view or ViewState(), **kw).rows


def refs(actor, *filters, **kw) -> set[str]:
    return {r["reference"] for r in rows(actor, ViewState(filters=filters, page_size=200), **kw)}


@pytest.mark.parametrize("now", [cst(11, 20, 16), cst(11, 23, 11), cst(11, 23, 14), cst(11, 24, 13)])
def test_sla_filters_and_status_column_agree_with_each_complaints_clock(center, monkeypatch, now):
    made = [center.register(now=cst(11, 20, h), received_at=cst(11, 20, h)).complaint_id for h in (9, 12, 15)]
    made.append(center.register(now=cst(11, 23, 9), received_at=cst(11, 23, 9), grade=1).complaint_id)
    center.advance(made[1], "in_progress", start=cst(11, 20, 12))
    center.run(center.handler, cx.pause_sla, complaint_id=made[1], reason="等待照片", now=cst(11, 20, 15))
    center.advance(made[2], "closed", start=cst(11, 20, 15))
    monkeypatch.setattr(table, "utcnow", lambda: now)
    calendar = load_calendar_now(center)
    expected = {kind: set() for kind in ("overdue", "due_soon", "due_today")}
    shown = {}
    for cid in made:
        c = center.get(cid)
        status = sla_status(c, now, calendar)
        for kind in expected:
            if getattr(status, kind):
                expected[kind].add(c.reference)
        shown[c.reference] = (None if status.next is None else "paused" if status.paused and not status.overdue
                              else "overdue" if status.overdue else "due_soon" if status.due_soon
                              else "due_today" if status.due_today else "on_time")
    for kind, references in expected.items():
        assert refs(center.supervisor, Filter("sla", "is", kind)) == references, kind
    assert {r["reference"]: r["sla"] for r in rows(center.supervisor)} == shown
    anything = refs(center.supervisor, Filter("sla", "not_empty"))
    assert anything == {r for r, s in shown.items() if s is not None}


def load_calendar_now(center):
    with unit_of_work() as s:
        return load_calendar(s)


def test_agents_and_handlers_see_only_their_rows_in_grid_and_record(center):
    ours = center.register().complaint_id
    theirs = center.register(center.outsider, category_id=center.categories["pricing"]).complaint_id
    center.advance(ours, "assigned")
    every = {center.get(ours).reference, center.get(theirs).reference}
    assert refs(center.supervisor) == refs(center.viewer) == every
    assert refs(center.agent) == refs(center.handler2) == {center.get(ours).reference}
    assert refs(center.outsider) == {center.get(theirs).reference}
    assert refs(center.marketing_handler) == set()
    with unit_of_work() as s:
        assert fetch_record(s, actor=center.marketing_handler, spec=COMPLAINTS, record_id=ours) is None
        assert fetch_record(s, actor=center.viewer, spec=COMPLAINTS, record_id=ours)["complainant_phone"] \
            == "138****5678"


def test_state_department_and_received_date_range_filter_together(center):
    early = center.register(now=cst(11, 16, 10), received_at=cst(11, 16, 9)).complaint_id
    late = center.register(now=cst(11, 20, 10), received_at=cst(11, 20, 9)).complaint_id
    pricing = center.register(now=cst(11, 20, 11), category_id=center.categories["pricing"],
                              received_at=cst(11, 20, 10)).complaint_id
    for cid in (early, late, pricing):
        center.run(center.supervisor, cx.assign_complaint, complaint_id=cid, now=cst(11, 20, 12))
    logistics = str(center.departments["logistics"])
    found = refs(center.supervisor, Filter("state", "any_of", ("assigned", "in_progress")),
                 Filter("department_id", "is", logistics),
                 Filter("received_at", "between", ("2026-11-19", "2026-11-21")))
    assert found == {center.get(late).reference}


def test_quick_search_finds_words_of_the_description(center):
    hit = center.register(description="烟箱被雨淋湿,外包装破损。").complaint_id
    center.register()
    found = {r["reference"] for r in rows(center.supervisor, ViewState(search="淋湿"))}
    assert found == {center.get(hit).reference}


def test_links_to_departments_and_categories_read_in_the_readers_language(center):
    cid = center.register().complaint_id
    center.advance(cid, "assigned")
    assert rows(center.supervisor)[0]["department_id__label"] == "Logistics / delivery center"
    set_language("zh_CN")
    assert rows(center.supervisor)[0]["department_id__label"] == "配送中心"
    with unit_of_work() as s:
        assert Lookups(s, COMPLAINTS).link_titles[DEPARTMENTS.name][center.departments["logistics"]] == "配送中心"


def test_relative_days_keep_a_saved_view_current():
    wednesday = date(2026, 11, 25)
    assert relative_day("today", wednesday) == wednesday
    assert relative_day("week_start", wednesday) == date(2026, 11, 23)
    assert relative_day("month_start", wednesday) == date(2026, 11, 1)
    assert relative_day("last_month_start", date(2026, 1, 15)) == date(2025, 12, 1)
    assert relative_day("year_start", wednesday) == date(2026, 1, 1)
    assert relative_day("next week", wednesday) is None


def test_dissatisfied_this_month_view_follows_the_calendar(center):
    cid = center.register(now=FRIDAY_3PM).complaint_id
    center.advance(cid, "replied")
    center.run(center.agent, cx.record_follow_up, complaint_id=cid, level=2, method="phone",
               satisfaction="dissatisfied")  # now: whatever day the test runs
    dissatisfied_this_month = dict(table.SHARED_VIEWS)["Dissatisfied this month"]
    assert refs(center.supervisor, *dissatisfied_this_month.filters) == {center.get(cid).reference}


def test_shared_views_are_seeded_once_and_stay_deleted(center):
    with unit_of_work() as s:
        ensure_shared_views(s, actor=center.supervisor)
        ensure_shared_views(s, actor=center.supervisor)
    with unit_of_work() as s:
        views = visible_views(s, actor=center.agent, spec=COMPLAINTS)
        assert [v.name for v in views] == ["Awaiting follow-up", "Dissatisfied this month", "Overdue by department"]
        assert all(v.shared for v in views)
        delete_view(s, actor=center.supervisor, view_id=views[0].id)
    with unit_of_work() as s:
        ensure_shared_views(s, actor=center.supervisor)
        assert s.scalar(select(func.count()).select_from(SavedView)) == 2
    with unit_of_work() as s:
        for _name, view in table.SHARED_VIEWS:  # every seeded view applies cleanly
            assert fetch_page(s, actor=center.supervisor, spec=COMPLAINTS, view=view).problems == []


def test_bulk_assign_moves_each_complaint_on_its_own_and_reports_refusals(center):
    ids = [center.register().complaint_id for _ in range(3)]
    versions = {cid: center.get(cid).version for cid in ids}
    center.run(center.supervisor2, cx.assign_complaint, complaint_id=ids[2], now=FRIDAY_3PM + timedelta(minutes=5))
    outcome = center.run(center.supervisor, assign_complaints, versions=versions, handler_id=center.handler.id,
                         department_id=center.departments["logistics"], now=FRIDAY_3PM + timedelta(minutes=10))
    assert outcome.moved == [center.get(ids[0]).reference, center.get(ids[1]).reference]
    (reference, reason), = outcome.refused
    assert reference == center.get(ids[2]).reference and "郑强 changed complaint" in reason
    assert [center.get(cid).handler_id for cid in ids] == [center.handler.id, center.handler.id, None]
    with unit_of_work() as s:
        assigned = s.scalars(select(ComplaintEvent.complaint_id).where(ComplaintEvent.to_state == "assigned"))
        assert sorted(assigned) == sorted(ids)  # one timeline entry each (two for none)


def test_bulk_invalid_closes_registered_ones_and_refuses_those_in_progress(center):
    ids = [center.register().complaint_id for _ in range(2)]
    center.advance(ids[1], "in_progress")
    outcome = center.run(center.supervisor, mark_complaints_invalid, versions=dict.fromkeys(ids),
                         reason="恶意骚扰电话", now=FRIDAY_3PM + timedelta(hours=5))
    assert outcome.moved == [center.get(ids[0]).reference]
    assert "not possible now" in outcome.refused[0][1]
    assert center.get(ids[0]).state == "invalid" and center.get(ids[0]).invalid_reason == "恶意骚扰电话"
    with pytest.raises(cx.ComplaintInputError, match="Reason"):
        center.run(center.supervisor, mark_complaints_invalid, versions={ids[0]: None}, reason=" ")


def test_agents_cannot_bulk_assign(center):
    cid = center.register().complaint_id
    outcome = center.run(center.agent, assign_complaints, versions={cid: None})
    assert outcome.moved == [] and outcome.refused[0][1] == "You may not do that with this complaint."


def test_retailer_page_lists_the_retailers_complaints_a_reader_may_see(center):
    cid = center.register().complaint_id
    center.register(retailer_id=None)
    with unit_of_work() as s:
        history = retailer_complaints(s, center.viewer, center.retailer_id)
        assert [h["Reference"] for h in history] == [center.get(cid).reference]
        assert history[0]["State"] == "Registered" and history[0]["Category"] == "Delivery"
        assert retailer_complaints(s, center.marketing_handler, center.retailer_id) == []
