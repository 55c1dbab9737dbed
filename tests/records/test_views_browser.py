"""Issue 16 in a real browser: a supervisor builds “(overdue OR due today) AND 营销部” on the filter screen, groups it
by handler with a total, saves it, opens it as a kanban and moves a card there; then undoes a bulk change of
retailers' customer manager from the undo line."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select, update

from db.complaint_models import Complaint
from db.engine import unit_of_work
from db.models import ComplaintCategory, Department, Retailer, SavedView
from portal import complaints as cx
from portal.center_time import now as center_now
from portal.complaints.table import COMPLAINTS
from portal.records.view import ViewState
from tests.conftest import TEST_PASSWORD
from tests.retailers.support import directory_fixture  # noqa: F401  (the `directory` fixture)
from tests.support.browser import sign_in, wait_for_app

pytestmark = pytest.mark.e2e
VIEW_NAME = "超时或今日到期 · 营销部"


def _choose(page, label: str, option: str, typed: str | None = None, scope=None) -> None:
    """Pick `option` in the Streamlit selectbox labelled `label` (type `typed` to narrow it, then click)."""
    box = (scope or page).get_by_label(label, exact=True)
    box.click()
    box.fill(typed or option)
    page.get_by_role("option", name=option, exact=True).first.click()
    wait_for_app(page)


def _popover(page, label: str) -> None:
    """Open the toolbar's popover whose button says `label`."""
    page.get_by_test_id("stPopoverButton").filter(has_text=label).click()


def _condition(page, field: str, condition: str, value: str | None = None, typed: str | None = None,
               label: str = "Value") -> None:
    _choose(page, "Field", field)
    _choose(page, "Condition", condition)
    if value is not None:
        _choose(page, label, value, typed)


def _complaints(directory, make_user) -> dict[str, int]:
    """Four complaints in 营销部 (two handlers) and one in logistics, due at chosen moments (the center's today)."""
    sup = directory.supervisor
    chen = make_user("handler", login="chenchen", department="marketing", name="陈晨", staff_id="KF2101",
                     language="en")
    wu = make_user("handler", login="wulei", department="marketing", name="吴磊", staff_id="KF2102", language="en")
    now = center_now()
    end_of_today = now.replace(hour=23, minute=59, second=0, microsecond=0)
    plan = {  # name: (handler, department, due, grade)
        "overdue": (chen, "marketing", now - timedelta(days=2), 2),
        "due_today": (chen, "marketing", end_of_today, 3),  # (overdue, too, in the day's last minute)
        "neither": (wu, "marketing", now + timedelta(days=3), 3),
        "overdue_wu": (wu, "marketing", now - timedelta(days=1), 4),
        "elsewhere": (None, "logistics", now - timedelta(days=2), 3),
    }
    ids = {}
    with unit_of_work(sup.id) as s:
        departments = dict(s.execute(select(Department.code, Department.id)).all())
        category = s.scalar(select(ComplaintCategory.id).where(ComplaintCategory.code == "delivery"))
        retailer = s.scalar(select(Retailer.id).order_by(Retailer.id).limit(1))
    for name, (handler, department, due, grade) in plan.items():
        with unit_of_work(sup.id) as s:
            reg = cx.register_complaint(s, actor=sup, channel="hotline", received_at=now - timedelta(minutes=5),
                                        complainant_name="李建国", complainant_phone="13812345678",
                                        category_id=category, grade=grade, retailer_id=retailer,
                                        description=f"送货不及时({name})")
            cx.assign_complaint(s, actor=sup, complaint_id=reg.complaint_id, department_id=departments[department],
                                handler_id=handler.id if handler else None)
            # the time limit as the scenario needs it (registration sets it from the grade's limits)
            s.execute(update(Complaint).where(Complaint.id == reg.complaint_id)
                      .values(next_due_at=due, first_reply_due_at=due))
            ids[name] = reg.complaint_id
    return ids


def _state(complaint_id: int) -> str:
    with unit_of_work() as s:
        return s.get(Complaint, complaint_id).state


def _reference(complaint_id: int) -> str:
    with unit_of_work() as s:
        return s.get(Complaint, complaint_id).reference


def _managers(directory) -> set[int]:
    """The customer managers of the directory's retailers."""
    return {directory.get(licence).manager_id for licence in directory.ids}


def test_a_supervisor_builds_groups_saves_and_boards_a_view_and_undoes_a_bulk_change(base_url, page, directory,
                                                                                      make_user):
    ids = _complaints(directory, make_user)
    sign_in(page, base_url, "sup", TEST_PASSWORD)
    page.goto(base_url + "/complaints")
    wait_for_app(page)

    # (Time limit is overdue OR Due is within today) AND Department is Marketing, on the filter screen
    _popover(page, "Filter")
    _condition(page, "Time limit", "is", "⚠ Overdue", typed="Overdue")
    page.get_by_role("button", name=re.compile("Add as a new group")).click()
    wait_for_app(page)
    _condition(page, "Due", "is within", "today", label="Period")
    _choose(page, "Add to", "group 1")
    page.get_by_role("button", name="Add filter", exact=True).click()
    wait_for_app(page)
    _condition(page, "Department", "is", "Marketing")
    _choose(page, "Add to", "the view")
    page.get_by_role("button", name="Add filter", exact=True).click()
    wait_for_app(page)
    page.keyboard.press("Escape")
    expect(page.get_by_role("button", name=re.compile(r"\(Time limit is ⚠ Overdue or Due is within today\)")))\
        .to_be_visible()
    expect(page.get_by_role("button", name=re.compile("Department is Marketing"))).to_be_visible()

    # grouped by handler, with the sum of grades per group and for the whole view
    _popover(page, "Group and totals")
    _choose(page, "Group rows by", "Handler")
    _choose(page, "Grade", "Sum")
    page.keyboard.press("Escape")
    expect(page.get_by_text("Complaints: 3 · groups: 2 — Grade: sum 9")).to_be_visible()
    expect(page.get_by_role("button", name="陈晨 (KF2101) · 2")).to_be_visible()
    expect(page.get_by_role("button", name="吴磊 (KF2102) · 1")).to_be_visible()
    expect(page.get_by_text("Grade: sum 5", exact=True)).to_be_visible()
    expect(page.get_by_text("Grade: sum 4", exact=True)).to_be_visible()

    # saved, then shown as a kanban and the saved view updated to open as one
    _popover(page, "Views")
    page.get_by_label("Save the current view as", exact=True).fill(VIEW_NAME)
    page.get_by_role("button", name=re.compile("Save as a new view")).click()
    wait_for_app(page)
    page.keyboard.press("Escape")
    expect(page.get_by_test_id("stPopoverButton").filter(has_text=VIEW_NAME)).to_be_visible()
    with unit_of_work() as s:
        saved = s.scalar(select(SavedView).where(SavedView.name == VIEW_NAME))
        state = ViewState.from_json(COMPLAINTS, saved.state)
    assert state.group == ("handler_id",) and state.totals == (("grade", "sum"),) and len(state.conditions()) == 3
    page.get_by_role("radio", name=re.compile("Kanban")).click()
    wait_for_app(page)
    expect(page).to_have_url(re.compile(r"as=kanban"))
    page.get_by_role("button", name=re.compile("Update this view")).click()
    wait_for_app(page)
    expect(page.get_by_role("button", name=re.compile("Update this view"))).to_have_count(0)  # not modified now
    with unit_of_work() as s:
        assert s.scalar(select(SavedView.state).where(SavedView.name == VIEW_NAME))["layout"] == "kanban"
    page.goto(base_url + "/complaints")  # the default view, then the saved one from the Views popover
    wait_for_app(page)
    _popover(page, "Views")
    _choose(page, "Saved views", VIEW_NAME)
    page.get_by_test_id("stBaseButton-primary").filter(has_text="Open").click()
    wait_for_app(page)
    page.keyboard.press("Escape")
    assigned = page.locator(".st-key-complaints-kanban-column-assigned")
    expect(assigned.get_by_text("Assigned · 3")).to_be_visible()

    # a card moves through the workflow's own move: Start work
    overdue = ids["overdue"]
    card = page.locator(f".st-key-complaints-kanban-card-{overdue}")
    _choose(page, "Move to", "→ In progress (Start work)", typed="Start work", scope=card)
    expect(page.get_by_text(f"{_reference(overdue)}: Start work, done.")).to_be_visible()
    assert _state(overdue) == "in_progress"
    moved = page.locator(".st-key-complaints-kanban-column-in_progress")
    expect(moved.get_by_text("In progress · 1")).to_be_visible()
    expect(moved.locator(f".st-key-complaints-kanban-card-{overdue}")).to_be_visible()
    expect(assigned.get_by_text("Assigned · 2")).to_be_visible()

    # retailers: a bulk change of customer manager on the page, then “Undo” from the undo line
    page.goto(base_url + "/retailers")
    wait_for_app(page)
    page.get_by_text("Select all 5 rows on this page").click()
    wait_for_app(page)
    bulk = page.locator(".st-key-retailers-bulk")
    _choose(page, "Field", "Customer manager", scope=bulk)
    _choose(page, "New value", "周杰 (KF2003)", typed="周杰", scope=bulk)
    bulk.get_by_role("button", name="Apply to 5 records").click()
    wait_for_app(page)
    expect(page.get_by_text("Customer manager changed for 5 of 5 selected records", exact=False)).to_be_visible()
    assert _managers(directory) == {directory.manager_b.id}
    undo_line = page.locator(".st-key-retailers-undo")
    expect(undo_line.get_by_text(re.compile("Last bulk change: Customer manager set to “周杰 \\(KF2003\\)” on 5"))) \
        .to_be_visible()
    undo_line.get_by_role("button", name=re.compile("Undo")).click()
    wait_for_app(page)
    expect(page.get_by_text("Undone: 5 records went back.")).to_be_visible()
    assert _managers(directory) == {directory.manager_a.id}
