"""On the day: check-in, absentees' follow-up calls, evaluations and the 10% sample rule; the sign-in sheet."""
from __future__ import annotations

from datetime import timedelta

import pytest

from db.engine import unit_of_work
from portal import training as tr
from tests.training.support import NOW, academy_fixture, add_retailers, english_fixture  # noqa: F401

SCORES = {"score_content": 5, "score_trainer": 4, "score_usefulness": 4}


def _day_of(academy, sid):
    return academy.session(sid).starts_at + timedelta(minutes=10)


def test_check_in_opens_on_the_day_and_marks_attendance(academy):
    sid = academy.approved()
    su = academy.sign_up(sid, academy.retailers[0])
    with pytest.raises(tr.TrainingInputError) as err:
        academy.run(academy.coordinator, tr.mark_attendance, sign_up_id=su.id, now=NOW)
    assert "day of the session" in str(err.value)
    on_the_day = _day_of(academy, sid)
    academy.run(academy.coordinator, tr.mark_attendance, sign_up_id=su.id, now=on_the_day)
    [row] = academy.sign_ups(sid)
    assert (row.attended, row.checked_in_at) == (True, on_the_day)


def test_the_waiting_list_cannot_check_in(academy):
    sid = academy.approved(capacity=1)
    academy.sign_up(sid, academy.retailers[0])
    waiting = academy.sign_up(sid, academy.retailers[1])
    with pytest.raises(tr.TrainingInputError):
        academy.run(academy.coordinator, tr.mark_attendance, sign_up_id=waiting.id, now=_day_of(academy, sid))


def test_check_in_search_finds_by_name_or_licence_number(academy):
    sid = academy.approved()
    for rid in academy.retailers[:3]:
        academy.sign_up(sid, rid)
    with unit_of_work() as s:
        by_licence = tr.check_in_list(s, actor=academy.coordinator, session_id=sid, search="330102000002")
        by_owner = tr.check_in_list(s, actor=academy.coordinator, session_id=sid, search="店主1")
    assert [r["license_no"] for r in by_licence] == ["330102000002"]
    assert [r["owner_name"] for r in by_owner] == ["店主1"]


def test_holding_a_session_marks_the_unchecked_absent_and_their_follow_up_call_is_recorded(academy):
    sid = academy.approved()
    came, missed = (academy.sign_up(sid, rid) for rid in academy.retailers[:2])
    day = _day_of(academy, sid)
    academy.run(academy.coordinator, tr.mark_attendance, sign_up_id=came.id, now=day)
    academy.run(academy.coordinator, tr.mark_held, session_id=sid, version=None, now=day + timedelta(hours=3))
    assert [su.attended for su in academy.sign_ups(sid)] == [True, False]
    with pytest.raises(tr.TrainingInputError) as err:
        academy.run(academy.coordinator, tr.record_absence_follow_up, sign_up_id=missed.id, version=None, reason=" ")
    assert err.value.field == "absence_reason"
    academy.run(academy.coordinator, tr.record_absence_follow_up, sign_up_id=missed.id, version=None,
                reason="当天进货,走不开", now=day + timedelta(days=1))
    with unit_of_work() as s:
        [absent] = tr.absentees(s, actor=academy.viewer, session_id=sid)
    assert (absent["absence_reason"], absent["follow_up_at"]) == ("当天进货,走不开", day + timedelta(days=1))
    with pytest.raises(tr.TrainingInputError):  # an attendee is no absentee
        academy.run(academy.coordinator, tr.record_absence_follow_up, sign_up_id=came.id, version=None, reason="x")


def test_evaluations_come_from_attendees_once_each_with_scores_1_to_5(academy):
    sid = academy.approved()
    came, missed = (academy.sign_up(sid, rid) for rid in academy.retailers[:2])
    academy.run(academy.coordinator, tr.mark_attendance, sign_up_id=came.id, now=_day_of(academy, sid))
    with pytest.raises(tr.TrainingInputError) as err:
        academy.run(academy.coordinator, tr.record_evaluation, sign_up_id=came.id,
                    scores=SCORES | {"score_trainer": 6})
    assert err.value.field == "score_trainer"
    with pytest.raises(tr.TrainingInputError) as err:
        academy.run(academy.coordinator, tr.record_evaluation, sign_up_id=missed.id, scores=SCORES)
    assert err.value.field == "sign_up"
    academy.run(academy.coordinator, tr.record_evaluation, sign_up_id=came.id, scores=SCORES, comments="很实用")
    with pytest.raises(tr.TrainingInputError) as err:
        academy.run(academy.coordinator, tr.record_evaluation, sign_up_id=came.id, scores=SCORES)
    assert "already evaluated" in str(err.value)


def test_the_session_shows_whether_at_least_ten_percent_of_attendees_evaluated(academy):
    more = add_retailers(academy.engine, 11, start=500)
    sid = academy.approved(capacity=20)
    sign_ups = [academy.sign_up(sid, rid) for rid in more]
    day = _day_of(academy, sid)
    for su in sign_ups:
        academy.run(academy.coordinator, tr.mark_attendance, sign_up_id=su.id, now=day)

    def summary():
        with unit_of_work() as s:
            return tr.evaluation_summary(s, actor=academy.viewer, session_id=sid)

    academy.run(academy.coordinator, tr.record_evaluation, sign_up_id=sign_ups[0].id, scores=SCORES)
    first = summary()
    assert (first.attendees, first.evaluated, first.required, first.meets_sample) == (11, 1, 2, False)
    academy.run(academy.coordinator, tr.record_evaluation, sign_up_id=sign_ups[1].id,
                scores={"score_content": 3, "score_trainer": 4, "score_usefulness": 2}, comments="时间太短")
    second = summary()
    assert (second.evaluated, second.meets_sample) == (2, True)
    assert second.averages == {"score_content": 4.0, "score_trainer": 4.0, "score_usefulness": 3.0}
    assert second.comments == ["时间太短"]


def test_the_sign_in_sheet_lists_the_seated_retailers_escaped(academy):
    [odd] = add_retailers(academy.engine, 1, start=900, shop_name="<b>惠民</b>超市")
    sid = academy.approved(capacity=2)
    for rid in (academy.retailers[0], odd, academy.retailers[1]):  # the third waits: not on the sheet
        academy.sign_up(sid, rid)
    with unit_of_work() as s:
        html = tr.sign_in_sheet_html(s, actor=academy.viewer, session_id=sid)
    assert "测试便利店0" in html and "&lt;b&gt;惠民&lt;/b&gt;超市" in html and "<b>惠民" not in html
    assert "测试便利店1" not in html
    assert "Sign-in sheet" in html and "卷烟陈列技巧" in html
