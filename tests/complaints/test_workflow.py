"""The closed loop: every move allowed and refused by role and state, reopening, pauses, races."""
import threading
import time
from datetime import timedelta

import pytest

from db.complaint_models import STATES
from db.engine import unit_of_work
from portal import complaints as cx
from portal.access.auth import PermissionDenied
from portal.center.sla import sla_status
from portal.center.workdays import load_calendar
from portal.errors import STALE, InputError
from portal.i18n import set_language
from tests.complaints.support import FRIDAY_3PM, Center, center_fixture, cst  # noqa: F401  (the `center` fixture)

LATER = FRIDAY_3PM + timedelta(days=1)
EVERYWHERE = {"add_internal_note", "add_attachment"}
# state -> who -> the moves offered (a delivery complaint, grade 3, registered by `agent`, assigned to
# logistics with `handler`); `outsider`, `marketing_handler` and `viewer` may do nothing at any state
EXPECTED: dict[str, dict[str, set[str]]] = {
    "registered": {
        "agent": EVERYWHERE | {"interim_reply", "mark_invalid", "mark_duplicate", "pause_sla"},
        "colleague": EVERYWHERE | {"pause_sla"},
        "handler": set(), "handler2": set(),
        "supervisor": EVERYWHERE | {"assign", "interim_reply", "mark_invalid", "mark_duplicate", "pause_sla"},
    },
    "assigned": {
        "agent": EVERYWHERE | {"interim_reply", "pause_sla"},
        "colleague": EVERYWHERE | {"pause_sla"},
        "handler": EVERYWHERE | {"start_progress", "interim_reply", "pause_sla"},
        "handler2": EVERYWHERE | {"start_progress", "interim_reply", "pause_sla"},
        "supervisor": EVERYWHERE | {"assign", "start_progress", "interim_reply", "mark_invalid", "mark_duplicate",
                                    "pause_sla"},
    },
    "in_progress": {
        "agent": EVERYWHERE | {"interim_reply", "pause_sla"},
        "colleague": EVERYWHERE | {"pause_sla"},
        "handler": EVERYWHERE | {"record_investigation", "interim_reply", "reply", "pause_sla"},
        "handler2": EVERYWHERE | {"record_investigation", "interim_reply", "reply", "pause_sla"},
        "supervisor": EVERYWHERE | {"assign", "record_investigation", "interim_reply", "reply", "pause_sla"},
    },
    "replied": {  # the handler who answered does not check their own answer
        "agent": EVERYWHERE | {"record_follow_up"}, "colleague": EVERYWHERE | {"record_follow_up"},
        "handler": EVERYWHERE | {"record_investigation"},
        "handler2": EVERYWHERE | {"record_investigation", "record_follow_up"},
        "supervisor": EVERYWHERE | {"record_investigation", "record_follow_up"},
    },
    "followed_up": {
        "agent": EVERYWHERE | {"record_follow_up"}, "colleague": EVERYWHERE | {"record_follow_up"},
        "handler": EVERYWHERE, "handler2": EVERYWHERE | {"record_follow_up"},
        "supervisor": EVERYWHERE | {"record_follow_up", "close"},
    },
    "closed": {who: EVERYWHERE | ({"record_follow_up"} if who != "handler" else set())
               for who in ("agent", "colleague", "handler", "handler2", "supervisor")},
}
for _state in ("registered", "assigned", "in_progress", "replied", "followed_up"):  # a supervisor's corrections
    EXPECTED[_state]["supervisor"] = EXPECTED[_state]["supervisor"] | {"retriage", "transfer_ownership"}
NOBODY = ("outsider", "marketing_handler", "viewer")


def moves_offered(center: Center, complaint_id: int) -> dict[str, set[str]]:
    c = center.get(complaint_id)
    everyone = (*EXPECTED["registered"], *NOBODY)
    return {who: set(cx.allowed_moves(getattr(center, who), c)) for who in everyone}


@pytest.mark.parametrize("state", list(EXPECTED))
def test_moves_offered_by_role_and_state(center, state):
    reg = center.register()
    center.advance(reg.complaint_id, state)
    assert moves_offered(center, reg.complaint_id) == EXPECTED[state] | dict.fromkeys(NOBODY, set())


@pytest.mark.parametrize("state", ["invalid", "duplicate"])
def test_dismissed_complaints_only_take_notes_and_attachments(center, state):
    original = center.register()
    reg = center.register(complainant_phone="13900001111")
    if state == "invalid":
        center.run(center.agent, cx.mark_invalid, complaint_id=reg.complaint_id, reason="非本单位业务", now=LATER)
    else:
        center.run(center.agent, cx.mark_duplicate, complaint_id=reg.complaint_id, original_id=original.complaint_id,
                   now=LATER)
    offered = moves_offered(center, reg.complaint_id)
    assert offered["agent"] == EVERYWHERE and offered["outsider"] == set()
    assert offered["supervisor"] == EVERYWHERE | {"confirm_exit", "send_back_exit"}  # the agent's closure waits


def test_the_whole_loop_with_a_dissatisfied_follow_up_that_reopens(center):
    cid = center.register().complaint_id
    center.advance(cid, "replied")
    follow_up = center.run(center.agent, cx.record_follow_up, complaint_id=cid, level=2, method="phone",
                           satisfaction="dissatisfied", result="补送的货少了两条", now=cst(11, 24, 9))
    c = center.get(cid)
    assert (c.state, c.reopen_count, c.replied_at, c.satisfaction) == ("in_progress", 1, None, "dissatisfied")
    assert c.resolution_due_at == cst(11, 26, 9)  # a fresh 2 working days from the reopening
    assert c.next_due_at == c.resolution_due_at and follow_up.by_id == center.agent.id
    center.advance(cid, "closed", start=cst(11, 24, 10))
    c = center.get(cid)
    assert (c.state, c.reopen_count, c.satisfaction) == ("closed", 1, "satisfied") and c.closed_at
    assert center.moves(cid) == [
        (None, "registered"), ("registered", "assigned"), ("assigned", "in_progress"), ("in_progress", "replied"),
        ("replied", "in_progress"), ("in_progress", "replied"), ("replied", "followed_up"),
        ("followed_up", "closed")]
    entries = center.run(center.supervisor, cx.timeline, complaint_id=cid)
    assert {e.actor_name for e in entries} == {"王丽", "张华", "孙浩"}
    assert [e.kind for e in entries].count("reply") == 2


def test_the_follow_up_is_made_by_someone_other_than_who_answered(center):
    cid = center.register().complaint_id
    center.advance(cid, "replied")
    c = center.get(cid)
    assert c.replied_by_id == center.handler.id
    handler = center.handler
    assert "record_follow_up" not in cx.allowed_moves(handler, c)
    assert "record_follow_up" in cx.allowed_moves(center.agent, c)
    with pytest.raises(cx.MoveNotAllowed) as refused:
        center.run(center.handler, cx.record_follow_up, complaint_id=cid, level=2, method="phone",
                   satisfaction="satisfied", now=cst(11, 24, 9))
    assert refused.value.field == "by" and "someone other than its handler" in str(refused.value)
    assert center.get(cid).state == "replied"
    center.run(center.agent, cx.record_follow_up, complaint_id=cid, level=2, method="phone",
               satisfaction="dissatisfied", now=cst(11, 24, 9))
    assert center.get(cid).replied_by_id is None  # that answer no longer stands
    # a complaint the supervisor worked and answered: a spot check by that same supervisor is refused too
    other = center.register().complaint_id
    center.run(center.supervisor, cx.assign_complaint, complaint_id=other, now=LATER)
    center.run(center.supervisor, cx.start_progress, complaint_id=other, now=LATER)
    center.run(center.supervisor, cx.record_investigation, complaint_id=other, verification_result="属实", now=LATER)
    center.run(center.supervisor, cx.reply_to_complainant, complaint_id=other, text="已处理。", method="phone",
               now=LATER)
    with pytest.raises(cx.MoveNotAllowed):
        center.run(center.supervisor, cx.record_follow_up, complaint_id=other, level=3, method="spot_check",
                   satisfaction="satisfied", now=LATER + timedelta(hours=1))
    center.run(center.supervisor2, cx.record_follow_up, complaint_id=other, level=3, method="spot_check",
               satisfaction="satisfied", now=LATER + timedelta(hours=1))


def test_assign_defaults_to_the_category_department_and_may_name_a_handler(center):
    cid = center.register().complaint_id
    c = center.run(center.supervisor, cx.assign_complaint, complaint_id=cid, now=LATER)
    assert (c.state, c.department_id, c.handler_id) == ("assigned", center.departments["logistics"], None)
    c = center.run(center.supervisor, cx.assign_complaint, complaint_id=cid, handler_id=center.marketing_handler.id,
                   department_id=center.departments["marketing"], note="其实是货源问题", now=LATER)
    assert (c.department_id, c.handler_id) == (center.departments["marketing"], center.marketing_handler.id)
    reassigned = center.events(cid)[-1]
    assert (reassigned.from_state, reassigned.to_state, reassigned.note) == ("assigned", "assigned", "其实是货源问题")
    assert reassigned.data["department_id"] == [center.departments["logistics"], center.departments["marketing"]]


def test_assign_refuses_a_handler_outside_the_department(center):
    cid = center.register().complaint_id
    with pytest.raises(cx.ComplaintInputError) as refused:
        center.run(center.supervisor, cx.assign_complaint, complaint_id=cid, handler_id=center.marketing_handler.id,
                   now=LATER)
    assert refused.value.field == "handler_id" and center.get(cid).state == "registered"


def test_two_supervisors_assigning_at_once_one_wins_and_the_other_is_told(center):
    cid = center.register().complaint_id
    seen = center.get(cid).version  # both screens show this version
    first_holds_lock, outcome = threading.Event(), {}

    def first():
        with unit_of_work(center.supervisor.id, engine=center.engine) as s:
            cx.assign_complaint(s, actor=center.supervisor, complaint_id=cid, version=seen,
                                handler_id=center.handler.id)
            first_holds_lock.set()
            time.sleep(0.5)  # the second supervisor clicks now and waits on the row lock

    def second():
        set_language("en")
        first_holds_lock.wait(10)
        try:
            with unit_of_work(center.supervisor2.id, engine=center.engine) as s:
                cx.assign_complaint(s, actor=center.supervisor2, complaint_id=cid, version=seen,
                                    handler_id=center.handler2.id)
        except InputError as exc:
            outcome["refused"] = exc

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    refused = outcome["refused"]
    assert refused.field == STALE and "张华" in str(refused) and "Assigned" in str(refused)
    c = center.get(cid)
    assert c.handler_id == center.handler.id
    assert center.moves(cid) == [(None, "registered"), ("registered", "assigned")]


def test_a_stale_form_is_refused_even_without_a_race(center):
    cid = center.register().complaint_id
    seen = center.get(cid).version
    center.run(center.supervisor, cx.assign_complaint, complaint_id=cid, version=seen, now=LATER)
    with pytest.raises(InputError) as refused:
        center.run(center.handler, cx.start_progress, complaint_id=cid, version=seen, now=LATER)
    assert refused.value.field == STALE


@pytest.mark.parametrize(("who", "state", "move", "kw", "error"), [
    ("agent", "registered", cx.assign_complaint, {}, PermissionDenied),
    ("handler", "registered", cx.assign_complaint, {}, PermissionDenied),
    ("supervisor", "replied", cx.assign_complaint, {}, cx.MoveNotAllowed),
    ("marketing_handler", "assigned", cx.start_progress, {}, PermissionDenied),
    ("agent", "assigned", cx.start_progress, {}, PermissionDenied),
    ("handler", "in_progress", cx.start_progress, {}, cx.MoveNotAllowed),
    ("handler", "assigned", cx.reply_to_complainant, {"text": "好", "method": "phone"}, cx.MoveNotAllowed),
    ("agent", "in_progress", cx.reply_to_complainant, {"text": "好", "method": "phone"}, PermissionDenied),
    ("colleague", "in_progress", cx.record_investigation, {"root_cause": "x"}, PermissionDenied),
    ("agent", "in_progress", cx.record_follow_up,
     {"level": 2, "method": "phone", "satisfaction": "satisfied"}, cx.MoveNotAllowed),
    ("outsider", "replied", cx.record_follow_up,
     {"level": 2, "method": "phone", "satisfaction": "satisfied"}, PermissionDenied),
    ("supervisor", "replied", cx.close_complaint, {}, cx.MoveNotAllowed),
    ("agent", "followed_up", cx.close_complaint, {}, PermissionDenied),
    ("supervisor", "in_progress", cx.mark_invalid, {"reason": "x"}, cx.MoveNotAllowed),
    ("agent", "assigned", cx.mark_invalid, {"reason": "x"}, PermissionDenied),
    ("colleague", "registered", cx.mark_invalid, {"reason": "x"}, PermissionDenied),
    ("viewer", "registered", cx.add_internal_note, {"text": "x"}, PermissionDenied),
    ("outsider", "registered", cx.pause_sla, {"reason": "x"}, PermissionDenied),
    ("handler", "replied", cx.pause_sla, {"reason": "x"}, cx.MoveNotAllowed),
    ("handler", "in_progress", cx.resume_sla, {}, cx.MoveNotAllowed),
])
def test_refused_moves_change_nothing(center, who, state, move, kw, error):
    cid = center.register().complaint_id
    center.advance(cid, state)
    before, events_before = center.get(cid), len(center.events(cid))
    with pytest.raises(error):
        center.run(getattr(center, who), move, complaint_id=cid, now=LATER + timedelta(days=3), **kw)
    after = center.get(cid)
    assert (after.state, after.version) == (before.state, before.version)
    assert len(center.events(cid)) == events_before


def test_move_refusal_says_the_state_and_the_move(center):
    set_language("en")
    cid = center.register().complaint_id
    with pytest.raises(cx.MoveNotAllowed) as refused:
        center.run(center.supervisor, cx.close_complaint, complaint_id=cid, now=LATER)
    assert refused.value.field == "state" and "Registered" in str(refused.value) and "Close" in str(refused.value)


def test_the_receiver_takes_a_simple_complaint_on_the_spot(center):
    cid = center.register(grade=4).complaint_id
    c = center.run(center.agent, cx.start_progress, complaint_id=cid, now=LATER)
    assert (c.state, c.handler_id, c.department_id) == ("in_progress", center.agent.id,
                                                        center.departments["customer_service"])
    center.run(center.agent, cx.record_investigation, complaint_id=cid, verification_result="已当场核实", now=LATER)
    c = center.run(center.agent, cx.reply_to_complainant, complaint_id=cid, text="已解释价格政策", method="phone",
                   now=LATER)
    assert c.state == "replied"
    with pytest.raises(PermissionDenied):  # grade 3 must go through a supervisor
        center.run(center.agent, cx.start_progress, complaint_id=center.register().complaint_id, now=LATER)


def test_investigation_fields_each_leave_a_timeline_entry(center):
    cid = center.register().complaint_id
    center.advance(cid, "in_progress")
    center.run(center.handler, cx.record_investigation, complaint_id=cid, verification_result="属实",
               root_cause="线路调整未通知", corrective_action="调整前一天短信通知", now=LATER)
    center.run(center.handler, cx.record_investigation, complaint_id=cid, root_cause="线路调整未通知",
               responsible_person="配送三组", now=LATER)
    changes = [(e.data["field"], e.data["old"], e.data["new"]) for e in center.events(cid) if e.kind == "field_change"]
    assert changes == [("verification_result", None, "属实"), ("root_cause", None, "线路调整未通知"),
                       ("corrective_action", None, "调整前一天短信通知"), ("responsible_person", None, "配送三组")]


def test_an_investigation_field_too_long_is_named(center):
    cid = center.register().complaint_id
    center.advance(cid, "in_progress")
    with pytest.raises(cx.ComplaintInputError) as refused:
        center.run(center.handler, cx.record_investigation, complaint_id=cid, root_cause="线路调整未通知",
                   responsible_person="配" * 101, now=LATER)
    assert (refused.value.field, str(refused.value)) == (
        "responsible_person", "Responsible person: at most 100 characters, please; this text has 101.")
    assert [e for e in center.events(cid) if e.kind == "field_change"] == []  # all or nothing


def test_reply_needs_the_verification_result_and_a_method(center):
    cid = center.register().complaint_id
    center.advance(cid, "in_progress")
    for kw, field in (({"text": "已处理", "method": "phone"}, "verification_result"),
                      ({"text": " ", "method": "phone"}, "reply_text"),
                      ({"text": "已处理", "method": "telepathy"}, "reply_method"),
                      ({"text": "已处理", "method": "phone", "replied_at": LATER + timedelta(days=9)}, "replied_at")):
        with pytest.raises(cx.ComplaintInputError) as refused:
            center.run(center.handler, cx.reply_to_complainant, complaint_id=cid, now=LATER, **kw)
        assert refused.value.field == field


def test_reply_records_text_method_and_time_and_stops_both_clocks(center):
    cid = center.register().complaint_id
    center.advance(cid, "in_progress")
    center.run(center.handler, cx.record_investigation, complaint_id=cid, verification_result="属实", now=LATER)
    c = center.run(center.handler, cx.reply_to_complainant, complaint_id=cid, text="已补送", method="sms",
                   replied_at=LATER - timedelta(minutes=30), now=LATER)
    assert (c.reply_text, c.reply_method, c.replied_at) == ("已补送", "sms", LATER - timedelta(minutes=30))
    assert c.first_replied_at == c.replied_at and c.next_due_at is None


def test_an_interim_reply_meets_the_first_reply_limit_without_moving_the_state(center):
    cid = center.register().complaint_id
    center.run(center.agent, cx.record_interim_reply, complaint_id=cid, text="已转配送中心,明天答复您", method="phone",
               now=FRIDAY_3PM + timedelta(hours=1))
    c = center.get(cid)
    assert c.state == "registered" and c.first_replied_at == FRIDAY_3PM + timedelta(hours=1)
    assert c.next_due_at == c.resolution_due_at and c.reply_text is None


def test_an_internal_note_is_never_a_reply(center):
    cid = center.register().complaint_id
    center.run(center.colleague, cx.add_internal_note, complaint_id=cid, text="该户上月也投诉过", now=LATER)
    c = center.get(cid)
    assert c.first_replied_at is None and c.reply_text is None
    entry = center.run(center.supervisor, cx.timeline, complaint_id=cid)[-1]
    assert entry.kind == "note" and entry.internal and entry.note == "该户上月也投诉过"


def test_close_only_after_a_follow_up(center):
    cid = center.register().complaint_id
    center.advance(cid, "replied")
    with pytest.raises(cx.MoveNotAllowed):
        center.run(center.supervisor, cx.close_complaint, complaint_id=cid, now=LATER)
    center.advance(cid, "closed")
    assert center.get(cid).closed_at is not None


def test_a_later_follow_up_level_on_a_closed_complaint_is_kept_and_dissatisfaction_reopens_it(center):
    cid = center.register().complaint_id
    center.advance(cid, "closed")
    center.run(center.supervisor, cx.record_follow_up, complaint_id=cid, level=3, method="spot_check",
               satisfaction="basically_satisfied", scores={"score_attitude": 5, "score_speed": 3}, now=LATER)
    assert center.get(cid).state == "closed"
    center.run(center.supervisor, cx.record_follow_up, complaint_id=cid, level=3, method="visit",
               satisfaction="dissatisfied", now=LATER + timedelta(hours=1))
    c = center.get(cid)
    assert (c.state, c.reopen_count, c.closed_at) == ("in_progress", 1, None)
    surveys = center.run(center.supervisor, cx.follow_ups, complaint_id=cid)
    assert [(f.level, f.score_attitude, f.score_speed) for f in surveys][-2:] == [(3, 5, 3), (3, None, None)]


@pytest.mark.parametrize(("kw", "field"), [
    ({"level": 4}, "level"), ({"method": "carrier_pigeon"}, "method"), ({"satisfaction": "meh"}, "satisfaction"),
    ({"scores": {"score_phrasing": 6}}, "score_phrasing"), ({"at": LATER + timedelta(days=30)}, "at"),
])
def test_bad_follow_up_input_names_the_field(center, kw, field):
    cid = center.register().complaint_id
    center.advance(cid, "replied")
    args = {"level": 2, "method": "phone", "satisfaction": "satisfied"} | kw
    with pytest.raises(cx.ComplaintInputError) as refused:
        center.run(center.agent, cx.record_follow_up, complaint_id=cid, now=LATER, **args)
    assert refused.value.field == field


def test_invalid_needs_a_reason_and_stops_the_clocks(center):
    cid = center.register().complaint_id
    with pytest.raises(cx.ComplaintInputError) as refused:
        center.run(center.agent, cx.mark_invalid, complaint_id=cid, reason="  ", now=LATER)
    assert refused.value.field == "reason"
    center.advance(cid, "assigned")
    c = center.run(center.supervisor, cx.mark_invalid, complaint_id=cid, reason="非烟草业务", now=LATER)
    assert (c.state, c.invalid_reason, c.next_due_at) == ("invalid", "非烟草业务", None) and c.closed_at == LATER


def test_pausing_stops_the_clock_and_resuming_moves_the_due_times(center):
    friday_10am = cst(11, 20, 10)
    cid = center.register(now=friday_10am, received_at=friday_10am).complaint_id
    center.run(center.agent, cx.pause_sla, complaint_id=cid, reason="等待客户提供照片", now=cst(11, 20, 14))
    with unit_of_work(engine=center.engine) as s:
        calendar = load_calendar(s)
    paused = center.get(cid)
    frozen = sla_status(paused, cst(11, 25, 12), calendar)
    assert frozen.paused and frozen.next.left == timedelta(hours=20) and not frozen.overdue
    center.run(center.agent, cx.resume_sla, complaint_id=cid, now=cst(11, 23, 11))
    c = center.get(cid)
    # paused 10 working hours on Friday and 11 on Monday: due times move 21 working hours later
    assert c.first_reply_due_at == cst(11, 24, 7) and c.resolution_due_at == cst(11, 25, 7)
    assert c.paused_working_time == timedelta(hours=21) and not c.sla_paused and c.next_due_at == cst(11, 24, 7)
    pause, resume = [e for e in center.events(cid) if e.kind in ("pause", "resume")]
    assert pause.note == "等待客户提供照片" and resume.data["paused_working_hours"] == 21


def test_replying_while_paused_resumes_the_clock_first(center):
    cid = center.register().complaint_id
    center.advance(cid, "in_progress")
    center.run(center.handler, cx.pause_sla, complaint_id=cid, reason="等客户回电", now=LATER)
    center.run(center.handler, cx.record_investigation, complaint_id=cid, verification_result="属实", now=LATER)
    c = center.run(center.handler, cx.reply_to_complainant, complaint_id=cid, text="已处理", method="phone",
                   now=LATER + timedelta(days=3))
    assert c.state == "replied" and not c.sla_paused
    assert [e.kind for e in center.events(cid)][-2:] == ["resume", "reply"]


def test_every_state_is_reachable_and_named(center):
    from portal.complaints.labels import STATE_LABELS

    assert set(STATE_LABELS) == set(STATES)
