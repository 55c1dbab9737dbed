"""Automations on saved views: a record entering a watched view is told once per entry (leaving and entering again is
told again), a digest once a day, only to recipients who may see the record; who may make one; the template checked
when saved; conditions that move with the clock found without rereading the table."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, text

from db.complaint_models import Complaint
from db.engine import unit_of_work
from db.notification_models import Notification, ScanRun
from portal import complaints as cx
from portal.access.auth import PermissionDenied
from portal.complaints.table import COMPLAINTS
from portal.errors import InputError
from portal.i18n import set_language
from portal.notifications.automations import (
    create_automation,
    delete_automation,
    list_automations,
    set_automation_enabled,
)
from portal.notifications.inbox import link_target, message
from portal.notifications.watch import run_watched_views
from portal.records.filters import IS, Filter
from portal.records.view import ViewState
from portal.records.views import save_view
from portal.retailers.table import RETAILERS
from tests.complaints.support import FRIDAY_3PM, center_fixture, cst  # noqa: F401  (the `center` fixture)

GRADE_1 = ViewState(filters=(Filter("grade", IS, "1"),))


@pytest.fixture(autouse=True)
def _events_in_a_queue_of_their_own(queue):
    """The assignments below make events: the browser tests' portal server, once started in this run, would turn
    them into notifications of its own (its worker works the real queue of the same database)."""
    return queue


def _view(center, actor, state=GRADE_1, name="Grade 1", spec=COMPLAINTS, shared=False) -> int:
    with unit_of_work(actor.id, engine=center.engine) as s:
        return save_view(s, actor=actor, spec=spec, name=name, state=state, shared=shared).id


def _automate(center, actor, view_id, **kw) -> int:
    fields = dict(trigger="enter", recipient_kind="field", recipient="handler_id",
                  template="{reference} is grade {grade}, handler {handler}") | kw
    return center.run(actor, create_automation, view_id=view_id, **fields).id


def _scan(center, now=FRIDAY_3PM) -> dict[str, ScanRun]:
    with unit_of_work(engine=center.engine) as s:
        runs = run_watched_views(s, now)
        return {k: (r.made, r.rows_read, r.error) for k, r in runs.items()}


def _notes(center) -> list[Notification]:
    with unit_of_work(engine=center.engine) as s:
        return list(s.scalars(select(Notification).order_by(Notification.id)))


def _grade(center, complaint_id: int, grade: int) -> None:
    with unit_of_work(engine=center.engine) as s:
        s.get(Complaint, complaint_id).grade = grade


def _assigned(center, **kw) -> int:
    cid = center.register(**kw).complaint_id
    center.run(center.supervisor, cx.assign_complaint, complaint_id=cid, handler_id=center.handler.id,
               now=FRIDAY_3PM + timedelta(minutes=10))
    return cid


def test_a_record_entering_the_view_is_told_once_per_entry(center):
    cid = _assigned(center)
    already = _assigned(center, grade=1)  # in the view before the automation: not news
    automation = _automate(center, center.supervisor, _view(center, center.supervisor))
    assert _scan(center)[f"view:{automation}"][:2] == (0, 1)  # the first run notes what is inside
    _grade(center, cid, 1)
    assert _scan(center)[f"view:{automation}"][0] == 1
    assert _scan(center)[f"view:{automation}"][0] == 0  # still inside: told once
    [note] = _notes(center)
    reference = center.get(cid).reference
    assert (note.user_id, note.rule, note.record_id, note.occasion) == (center.handler.id, f"automation:{automation}",
                                                                         str(cid), "enter:1")
    assert link_target(note) == ("pages/complaint.py", {"id": str(cid)})
    set_language("en")
    assert message(note) == f"Grade 1: {reference} is grade 1, handler 孙浩 (KF3001)"

    _grade(center, cid, 2)  # leaves
    assert _scan(center)[f"view:{automation}"][0] == 0
    _grade(center, cid, 1)  # enters again: a new entry
    assert _scan(center)[f"view:{automation}"][0] == 1
    assert [n.occasion for n in _notes(center)] == ["enter:1", "enter:2"]
    assert str(already) not in {n.record_id for n in _notes(center)}


def test_the_message_is_in_the_recipients_language(center):
    cid = _assigned(center)
    automation = _automate(center, center.supervisor, _view(center, center.supervisor),
                           template="{reference}: {state}, {sla_paused}")
    with unit_of_work(engine=center.engine) as s:
        s.execute(text("update users set language = 'zh_CN' where id = :u"), {"u": center.handler.id})
    _scan(center)
    _grade(center, cid, 1)
    _scan(center)
    [note] = _notes(center)  # made in the handler's language, whoever made the automation
    assert note.rule == f"automation:{automation}"
    assert note.params["message"] == f"{center.get(cid).reference}: 已派单, 否"


def test_a_recipient_who_may_not_see_the_record_is_not_told(center):
    cid = _assigned(center)  # a logistics complaint, handled by the logistics handler
    _automate(center, center.supervisor, _view(center, center.supervisor), recipient_kind="role",
              recipient="handler", template="{reference} {complainant_phone}")
    _scan(center)
    _grade(center, cid, 1)
    _scan(center)
    told = {n.user_id for n in _notes(center)}
    assert told == {center.handler.id, center.handler2.id}  # logistics handlers see their department's complaints
    assert center.marketing_handler.id not in told


def test_a_masked_field_stays_masked_for_a_viewer(center):
    cid = _assigned(center)
    _automate(center, center.supervisor, _view(center, center.supervisor), recipient_kind="user",
              recipient=str(center.viewer.id), template="{reference} {complainant_phone}")
    _scan(center)
    _grade(center, cid, 1)
    _scan(center)
    [note] = _notes(center)
    assert note.user_id == center.viewer.id and note.params["message"].endswith("138****5678")


def test_the_digest_comes_once_a_day_after_eight(center):
    first, second = _assigned(center, grade=1), _assigned(center, grade=1)
    _assigned(center)  # grade 3: not in the view
    automation = _automate(center, center.supervisor, _view(center, center.supervisor), trigger="digest",
                           recipient_kind="user", recipient=str(center.supervisor.id), template="{reference}")
    key = f"view:{automation}"
    assert _scan(center, cst(11, 23, 7, 30))[key][0] == 0  # before eight
    assert _scan(center, cst(11, 23, 8, 1))[key][0] == 1
    assert _scan(center, cst(11, 23, 15, 0))[key][0] == 0  # once a day
    assert _scan(center, cst(11, 24, 8, 0))[key][0] == 1
    notes = _notes(center)
    assert [n.occasion for n in notes] == ["digest:2026-11-23", "digest:2026-11-24"]
    assert notes[0].params["count"] == 2
    assert set(notes[0].params["lines"].split("; ")) == {center.get(first).reference, center.get(second).reference}


def test_a_template_naming_a_missing_field_is_refused(center):
    view = _view(center, center.supervisor)
    with pytest.raises(InputError, match="“handler_name”"):
        _automate(center, center.supervisor, view, template="{reference} is late, handler {handler_name}")
    with pytest.raises(InputError, match="brace"):
        _automate(center, center.supervisor, view, template="{reference is late")
    assert _automate(center, center.supervisor, view, template="{reference}: {{urgent}}")  # braces themselves


def test_who_may_make_an_automation(center, make_user):
    shared = _view(center, center.supervisor, shared=True)
    with pytest.raises(PermissionDenied):
        _automate(center, center.viewer, shared)
    with pytest.raises(PermissionDenied):
        _automate(center, center.handler, shared)
    retailers = _view(center, center.supervisor, state=ViewState(), name="All retailers", spec=RETAILERS)
    with pytest.raises(PermissionDenied):  # supervisors: the complaints area only
        _automate(center, center.supervisor, retailers, recipient_kind="role", recipient="supervisor",
                  template="{shop_name}")
    admin = make_user("admin", "handler")
    own_retailers = _view(center, admin, state=ViewState(), name="All retailers", spec=RETAILERS)
    assert _automate(center, admin, own_retailers, recipient_kind="role", recipient="supervisor",
                     template="{shop_name} ({district})")
    assert _automate(center, admin, shared)  # admins: every table
    with pytest.raises(InputError):  # another person's own view is not theirs to watch
        _automate(center, center.supervisor2, _view(center, center.supervisor, name="Mine"))
    assert [r.view_name for r in center.run(center.supervisor, list_automations)] == ["Grade 1"]


def test_switched_off_and_on_starts_afresh_and_delete_is_version_checked(center):
    cid = _assigned(center)
    automation = _automate(center, center.supervisor, _view(center, center.supervisor))
    _scan(center)
    done = center.run(center.supervisor, set_automation_enabled, automation_id=automation, version=1, enabled=False)
    _grade(center, cid, 1)
    assert f"view:{automation}" not in _scan(center)  # off: not run
    center.run(center.supervisor, set_automation_enabled, automation_id=automation, version=done.version,
               enabled=True)
    _scan(center)
    assert _notes(center) == []  # what entered while it was off is not news
    with pytest.raises(InputError, match="meanwhile"):
        center.run(center.supervisor, delete_automation, automation_id=automation, version=1)
    center.run(center.supervisor, delete_automation, automation_id=automation, version=done.version + 1)
    assert center.run(center.supervisor, list_automations) == []
    with unit_of_work(engine=center.engine) as s:  # its last run leaves the admin's list of scans too
        assert s.get(ScanRun, f"view:{automation}") is None


def test_overdue_is_found_by_the_clock_without_a_write(center, monkeypatch):
    clock = {"now": FRIDAY_3PM}
    monkeypatch.setattr("portal.complaints.table.utcnow", lambda: clock["now"])
    cid = _assigned(center)
    with unit_of_work(engine=center.engine) as s:  # written long before: the change window does not see it
        s.execute(text("update complaints set updated_at = updated_at - interval '2 hours'"))
        due = s.get(Complaint, cid).next_due_at
    overdue = ViewState(filters=(Filter("sla", IS, "overdue"),))
    automation = _automate(center, center.supervisor, _view(center, center.supervisor, state=overdue, name="Late"),
                           template="{reference} is overdue, handler {handler}")
    key = f"view:{automation}"
    assert _scan(center, FRIDAY_3PM)[key][:2] == (0, 0)
    clock["now"] = due - timedelta(minutes=1)
    assert _scan(center, clock["now"])[key][0] == 0
    clock["now"] = due + timedelta(minutes=1)
    made, read, error = _scan(center, clock["now"])[key]
    assert (made, error) == (1, None)
    assert read == 1  # the complaint whose due time passed: not the table
    [note] = _notes(center)
    assert note.params["message"].startswith(center.get(cid).reference + " is overdue")


def test_a_view_of_relative_days_is_read_whole_once_a_day(center):
    cid = _assigned(center)
    today = ViewState(filters=(Filter("received_at", "after", "yesterday"),))  # received today (the center's day)
    automation = _automate(center, center.supervisor, _view(center, center.supervisor, state=today, name="Today"),
                           template="{reference}")
    key = f"view:{automation}"
    assert _scan(center, FRIDAY_3PM)[key][:2] == (0, 0)
    with unit_of_work(engine=center.engine) as s:  # it falls into "today" with no recent write (as at midnight)
        s.execute(text("update complaints set received_at = now(), updated_at = updated_at - interval '2 hours'"))
    assert _scan(center, FRIDAY_3PM + timedelta(minutes=1))[key][:2] == (0, 0)  # same day: changes only
    made, read, error = _scan(center, FRIDAY_3PM + timedelta(days=1))[key]  # a new day: one full pass
    assert (made, read, error) == (1, 1, None)
    assert [n.record_id for n in _notes(center)] == [str(cid)]
