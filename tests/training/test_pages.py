"""The training pages, used through their forms as a coordinator and a supervisor would."""
from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text

import portal.training
from db.engine import unit_of_work
from db.training_models import SignUp, TrainingSession
from portal import training as tr
from portal.access.auth import PermissionDenied
from portal.center.sla import CENTER_TZ
from portal.i18n import fmt_percent, set_language
from portal.training.ui.common import cached_coverage, today
from portal.ui.text import shown
from tests.training.support import add_retailers

PAGES = ("training_plan", "training_check_in", "training_evaluation", "training_coverage", "training_catalog",
         "training_needs")


@pytest.fixture
def staff(db, make_user):
    """A coordinator, a supervisor and a trainer (English), a course and eight retailers."""
    coordinator = make_user("training_coordinator", login="coord", department="marketing", name="陈静", language="en")
    supervisor = make_user("supervisor", login="boss", department="customer_service", name="张华", language="en")
    trainer = make_user("handler", login="trainer", department="marketing", name="周杰", language="en")
    with unit_of_work(coordinator.id, engine=db) as s:
        course = tr.create_course(s, actor=coordinator, title="卷烟陈列技巧", kind="skill", duration_minutes=90)
    return {"coordinator": coordinator, "supervisor": supervisor, "trainer": trainer, "course_id": course.id,
            "retailers": add_retailers(db, 8)}


def _approved_session(staff, *, starts_at, capacity=2) -> int:
    """A session created, submitted and approved through the domain functions."""
    data = tr.SessionInput(course_id=staff["course_id"], starts_at=starts_at, ends_at=starts_at + timedelta(hours=2),
                           place="公司三楼培训室", format="lecture", trainer_id=staff["trainer"].id,
                           capacity=capacity)
    with unit_of_work(staff["coordinator"].id) as s:
        ts = tr.create_session(s, actor=staff["coordinator"], data=data, now=starts_at - timedelta(days=1))
        tr.submit_session(s, actor=staff["coordinator"], session_id=ts.id, version=None)
        tr.approve_session(s, actor=staff["supervisor"], session_id=ts.id, version=None)
        return ts.id


def _errors(at) -> list[str]:
    return [shown(e.value) for e in at.error]  # as read (messages are escaped for Markdown)


def test_every_training_page_opens_for_a_coordinator(signed_in, staff):
    at = signed_in("coord")
    for page in PAGES:
        at.switch_page(f"pages/{page}.py").run()
        assert not at.exception, (page, at.exception)
        assert not at.error, (page, _errors(at))
        assert at.title, page


def test_coordinator_drafts_a_session_and_the_supervisor_approves_it_on_the_plan_page(signed_in, staff):
    at = signed_in("coord").switch_page("pages/training_plan.py").run()
    day = datetime.now(UTC).date() + timedelta(days=10)
    at.selectbox(key="session_new_course").set_value(staff["course_id"])
    at.date_input(key="session_new_day").set_value(day)
    at.text_input(key="session_new_place").input("公司三楼培训室")
    at.selectbox(key="session_new_trainer").set_value(staff["trainer"].id)
    at.number_input(key="session_new_capacity").set_value(30)
    at.button(key="session_new_save").click().run()
    assert not at.exception and not at.error, _errors(at)
    assert "drafted" in at.success[0].value
    with unit_of_work() as s:
        ts = s.scalar(select(TrainingSession))
    assert (ts.state, ts.capacity, ts.title, ts.place) == ("draft", 30, "卷烟陈列技巧", "公司三楼培训室")

    month = f"{ts.starts_at.astimezone().year}-{ts.starts_at.astimezone().month:02d}"
    at.query_params["month"] = month
    at.run()
    at.selectbox(key="plan_pick").set_value(ts.id).run()
    at.button(key=f"session_{ts.id}_submit").click().run()
    assert not at.error, _errors(at)

    boss = signed_in("boss").switch_page("pages/training_plan.py")
    boss.query_params["month"] = month
    boss.run()
    assert boss.button(key="plan_approve_all").label.startswith("Approve the plan (1")
    boss.selectbox(key="plan_pick").set_value(ts.id).run()
    boss.button(key=f"session_{ts.id}_approve").click().run()
    assert not boss.error, _errors(boss)
    with unit_of_work() as s:
        assert s.get(TrainingSession, ts.id).state == "approved"


def test_capacity_error_names_the_field_and_keeps_the_input(signed_in, staff):
    at = signed_in("coord").switch_page("pages/training_plan.py").run()
    at.selectbox(key="session_new_course").set_value(staff["course_id"])
    at.text_input(key="session_new_place").input("  ")
    at.selectbox(key="session_new_trainer").set_value(staff["trainer"].id)
    at.button(key="session_new_save").click().run()
    assert _errors(at) == ["Place: where is the session held?"]
    assert at.selectbox(key="session_new_course").value == staff["course_id"]


def test_a_text_too_long_for_its_box_is_named_in_the_readers_language_and_stays(signed_in, staff, make_user):
    """The session form has three free-text boxes: the refusal says which one, in Chinese for a Chinese reader."""
    make_user("training_coordinator", login="chenjing", department="marketing", name="陈静", language="zh_CN")
    set_language("zh_CN")  # AppTest formats option labels in this thread (the fixture sets English back)
    at = signed_in("chenjing").switch_page("pages/training_plan.py").run()
    at.selectbox(key="session_new_course").set_value(staff["course_id"])
    at.text_input(key="session_new_place").input("公司三楼培训室")
    at.selectbox(key="session_new_trainer").set_value(staff["trainer"].id)
    at.text_input(key="session_new_audience").input("城东区便利店" * 40)
    at.button(key="session_new_save").click().run()
    assert _errors(at) == ["培训对象：最多 200 个字符，当前文字有 240 个。"]
    assert at.text_input(key="session_new_audience").value == "城东区便利店" * 40
    with unit_of_work() as s:
        assert s.scalar(select(TrainingSession)) is None


def test_roster_signs_up_beyond_capacity_and_a_cancellation_promotes_the_first_waiting(signed_in, staff):
    sid = _approved_session(staff, starts_at=datetime.now(UTC) + timedelta(days=5), capacity=2)
    at = signed_in("coord").switch_page("pages/training_session.py")
    at.query_params["id"] = str(sid)
    at.run()
    assert not at.exception and not at.error, _errors(at)
    at.text_input(key="signup_search").input("测试便利店").run()
    first_three = staff["retailers"][:3]
    at.multiselect(key="signup_pick").set_value(first_three).run()
    at.button(key="signup_save").click().run()
    assert not at.error, _errors(at)
    assert at.success[0].value == "2 signed up, 1 on the waiting list."
    with unit_of_work() as s:
        by_retailer = {su.retailer_id: su for su in s.scalars(select(SignUp).where(SignUp.session_id == sid))}
    assert by_retailer[first_three[2]].state == "waitlisted"

    at.selectbox(key="roster_cancel_pick").set_value(by_retailer[first_three[0]].id).run()
    at.text_input(key="roster_cancel_reason").input("店里装修")
    at.button(key="roster_cancel").click().run()
    assert not at.error, _errors(at)
    assert "Moved up from the waiting list: 1." in at.success[0].value
    with unit_of_work() as s:
        promoted = s.get(SignUp, by_retailer[first_three[2]].id)
    assert (promoted.state, promoted.promoted_at is not None) == ("signed_up", True)

    at.multiselect(key="notify_pick").set_value([by_retailer[first_three[1]].id]).run()
    at.button(key="notify_save").click().run()
    assert "1 marked as notified." in at.success[0].value


def test_check_in_page_finds_a_retailer_and_one_tap_marks_attendance(signed_in, staff):
    now = datetime.now(UTC)
    with unit_of_work() as s:
        ts = TrainingSession(course_id=staff["course_id"], title="网上订货操作", starts_at=now - timedelta(minutes=20),
                             ends_at=now + timedelta(hours=2), place="培训室", format="lecture",
                             trainer_id=staff["trainer"].id, capacity=10, state="approved", approved_at=now)
        s.add(ts)
        s.flush()
        for rid in staff["retailers"][:4]:
            s.add(SignUp(session_id=ts.id, retailer_id=rid, state="signed_up", signed_up_at=now))
        sid = ts.id
    at = signed_in("coord").switch_page("pages/training_check_in.py").run()
    assert not at.exception and not at.error, _errors(at)
    assert at.selectbox(key="checkin_session").value == sid
    at.text_input(key="checkin_search").input(str(330102000002)).run()
    with unit_of_work() as s:
        target = s.scalar(select(SignUp).where(SignUp.session_id == sid, SignUp.retailer_id == staff["retailers"][2]))
    # it began 20 minutes ago: a tap says "Late", or "On time" for one who came on time and was not tapped yet
    assert [b.key for b in at.button if b.key.startswith("checkin_") and b.key.split("_")[-1].isdigit()] == [
        f"checkin_ontime_{target.id}", f"checkin_late_{target.id}"]
    at.button(key=f"checkin_ontime_{target.id}").click().run()
    assert not at.error, _errors(at)
    assert at.success[0].value == "测试便利店2 checked in."
    with unit_of_work() as s:
        assert s.get(SignUp, target.id).attended is True
    assert at.button(key=f"checkin_undo_{target.id}")


def test_the_retailer_page_shows_the_training_record_card(signed_in, staff):
    sid = _approved_session(staff, starts_at=datetime.now(UTC) + timedelta(days=3))
    with unit_of_work(staff["coordinator"].id) as s:
        tr.sign_up(s, actor=staff["coordinator"], session_id=sid, retailer_id=staff["retailers"][0])
    at = signed_in("boss").switch_page("pages/retailer.py")
    at.query_params["id"] = str(staff["retailers"][0])
    at.run()
    assert not at.exception and not at.error, _errors(at)
    card = next(df.value for df in at.dataframe if "Sign-up" in df.value.columns)
    assert list(card["Session"]) == ["卷烟陈列技巧"] and list(card["Sign-up"]) == ["Signed up"]


def test_a_viewer_sees_the_plan_and_coverage_but_cannot_change_them(signed_in, staff, make_user):
    make_user("viewer", login="looker", language="en")
    _approved_session(staff, starts_at=datetime.now(UTC) + timedelta(days=3))
    at = signed_in("looker")
    for page in ("training_plan", "training_coverage", "training_catalog", "training_needs"):
        at.switch_page(f"pages/{page}.py").run()
        assert not at.exception and not at.error, (page, _errors(at))
    assert not [b for b in at.button if b.key and "save" in b.key and not b.disabled]
    at.switch_page("pages/training_check_in.py").run()
    assert _errors(at) == ["You do not have access to this page."]


# The coverage page reuses its count only while nothing it reads has changed, whoever changed it: a check-in made by
# another process (here: the domain function in a unit of work of its own, which the page's cache never hears of)
# shows on the very next run, without "Count again".
COVERAGE = "pages/training_coverage.py"


@pytest.fixture
def counts(monkeypatch):
    """How many times the page counted (called coverage_report)."""
    calls = []
    real = portal.training.coverage_report

    def counting(*args, **kw):
        calls.append(kw.get("year"))
        return real(*args, **kw)

    monkeypatch.setattr(portal.training, "coverage_report", counting)
    return calls


def _signed_up(staff, retailer: int) -> tuple[int, datetime]:
    """A sign-up to an approved session in the middle of this year (the page's default year)."""
    starts = datetime(today().year, 6, 15, 10, tzinfo=CENTER_TZ)
    sid = _approved_session(staff, starts_at=starts, capacity=5)
    with unit_of_work(staff["coordinator"].id) as s:
        sign_up = tr.sign_up(s, actor=staff["coordinator"], session_id=sid, retailer_id=retailer,
                             now=starts - timedelta(days=1))
        return sign_up.id, starts


def _share(at) -> str:
    return at.metric[0].value


def test_a_check_in_made_elsewhere_shows_on_the_next_run_and_an_unchanged_count_is_reused(signed_in, staff, counts):
    sign_up_id, starts = _signed_up(staff, staff["retailers"][0])
    at = signed_in("coord").switch_page(COVERAGE).run()
    assert not at.exception and not at.error
    assert _share(at) == fmt_percent(0.0) and len(counts) == 1
    at.run()  # nothing changed: the count is reused
    assert _share(at) == fmt_percent(0.0) and len(counts) == 1
    with unit_of_work(staff["coordinator"].id) as s:  # not through the page: nothing tells its cache
        tr.mark_attendance(s, actor=staff["coordinator"], sign_up_id=sign_up_id, now=starts + timedelta(minutes=5))
    at.run()
    assert _share(at) == fmt_percent(1 / 8) and len(counts) == 2
    at.run()
    assert _share(at) == fmt_percent(1 / 8) and len(counts) == 2
    at.button(key="coverage_recount").click().run()  # "Count again" still counts again
    assert _share(at) == fmt_percent(1 / 8) and len(counts) == 3


def test_a_count_made_while_a_write_is_on_its_way_is_not_kept_and_each_reader_is_checked(db, staff, counts):
    year = today().year
    with db.connect() as writer:  # another process's check-in, not committed yet
        writer.execute(text("UPDATE retailers SET status = 'suspended' WHERE id = :id"), {"id": staff["retailers"][0]})
        report, _at = cached_coverage(staff["coordinator"], year)
        assert report.total.active == 8  # its write is not committed: not counted yet, rightly
        writer.commit()
    report, _at = cached_coverage(staff["coordinator"], year)
    assert report.total.active == 7 and len(counts) == 2  # counted again: the first count was not kept
    assert cached_coverage(staff["supervisor"], year)[0] is report and len(counts) == 2  # kept now
    with pytest.raises(PermissionDenied):  # what is kept is shared: each reader is checked all the same
        cached_coverage(replace(staff["coordinator"], roles=frozenset()), year)


def test_the_needs_table_exports_as_xlsx(signed_in, staff):
    import io

    from openpyxl import load_workbook

    from portal.training.rules import next_month

    month = next_month(today())
    with unit_of_work(staff["coordinator"].id) as s:
        tr.record_need(s, actor=staff["coordinator"], retailer_id=staff["retailers"][0], topic="=陈列技巧",
                       month=month)
    at = signed_in("coord").switch_page("pages/training_needs.py").run()
    assert not at.exception, at.exception
    [export] = [b for b in at.get("download_button") if b.label == "Export XLSX"]
    assert not export.proto.disabled
    with unit_of_work(staff["coordinator"].id) as s:
        needs = tr.month_needs(s, actor=staff["coordinator"], month=month)
    sheet = load_workbook(io.BytesIO(tr.summary_file([{"Topic": n["topic"]} for n in needs], "xlsx", "x"))).active
    assert [c.value for c in sheet[2]] == ["=陈列技巧"] and sheet["A2"].data_type == "s"  # text, never a formula
