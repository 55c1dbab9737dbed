"""The complaint pages as staff use them: intake (validation, double submit, duplicates), My work, the complaint
page (a move, a stale move refused with the input kept), the supervisor grid, the retailer's history, home."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from db.complaint_models import Complaint
from db.engine import unit_of_work
from db.models import ComplaintCategory, Department, Retailer
from portal import complaints as cx
from portal.complaints.rules import utcnow
from portal.ui.text import shown
from tests.complaints.support import Center

INTAKE, WORK, GRID, PAGE = "pages/complaint_new.py", "pages/my_complaints.py", "pages/complaints.py", \
    "pages/complaint.py"


@pytest.fixture
def desk(db, make_user) -> Center:
    """A center whose staff sign in through the form (English screens)."""
    with unit_of_work(engine=db) as s:
        categories = dict(s.execute(select(ComplaintCategory.code, ComplaintCategory.id)).all())
        departments = dict(s.execute(select(Department.code, Department.id)).all())
        retailer = Retailer(license_no="330102123456", shop_name="金叶便利店", owner_name="李建国",
                            phone="13812345678", district="城东区", business_type="convenience")
        s.add(retailer)
        s.flush()
        retailer_id = retailer.id

    def user(login, role, dept, name, staff_id):
        return make_user(role, login=login, department=dept, name=name, staff_id=staff_id, language="en")

    agent = user("wangli", "agent", "customer_service", "王丽", "KF1001")
    supervisor = user("zhanghua", "supervisor", "customer_service", "张华", "KF1000")
    return Center(engine=db, agent=agent, colleague=agent, outsider=agent,
                  handler=user("sunhao", "handler", "logistics", "孙浩", "KF3001"), handler2=agent,
                  marketing_handler=agent, supervisor=supervisor,
                  supervisor2=user("zhengqiang", "supervisor", "customer_service", "郑强", "KF1003"),
                  viewer=user("xuming", "viewer", "supervision", "徐明", "KF7001"),
                  categories=categories, departments=departments, retailer_id=retailer_id)


def _open(signed_in, login, page, **params):
    at = signed_in(login).switch_page(page)
    for k, v in params.items():
        at.query_params[k] = str(v)
    at.run()
    assert not at.exception, at.exception
    return at


def _count() -> int:
    with unit_of_work() as s:
        return s.scalar(select(func.count()).select_from(Complaint))


def _fill_intake(at, desk, **overrides):
    values = {"name": "李建国", "phone": "13812345678", "description": "送货员没有按约定时间送货,断货一上午。",
              "remedy": "尽快补送"} | overrides
    for k, v in values.items():
        (at.text_area if k in ("description", "remedy") else at.text_input)(key=f"intake.{k}").input(v)
    at.selectbox(key="intake.category").set_value(desk.categories["delivery"])
    return at.run()


def _recent(desk, actor=None, hours_ago=1, **kw):
    """A complaint registered `hours_ago` hours ago (real time: the pages read the clock)."""
    moment = utcnow() - timedelta(hours=hours_ago)
    return desk.register(actor, now=moment, received_at=moment - timedelta(minutes=5), **kw).complaint_id


def test_intake_saves_and_tells_the_caller_reference_owner_and_promised_times(signed_in, desk):
    at = _open(signed_in, "wangli", INTAKE)
    _fill_intake(at, desk)
    at.button(key="intake.save").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    with unit_of_work() as s:
        c = s.scalars(select(Complaint)).one()
        assert c.first_contact_owner_id == desk.agent.id and c.channel == "hotline"
    text = " ".join(m.value for m in at.markdown)
    assert c.reference in text and "王丽" in text and "KF1001" in text
    from portal.complaints.display import center_time
    assert center_time(c.first_reply_due_at) in text and center_time(c.resolution_due_at) in text


def test_intake_refuses_a_hotline_complaint_without_phone_naming_the_field_and_keeping_input(signed_in, desk):
    at = _open(signed_in, "wangli", INTAKE)
    _fill_intake(at, desk, phone="")
    at.button(key="intake.save").click().run()
    assert [shown(e.value) for e in at.error] == ["Phone: required for a hotline complaint, so the complainant can be "
                                           "called back."]
    assert at.text_input(key="intake.name").value == "李建国"
    assert at.text_area(key="intake.description").value.startswith("送货员")
    assert _count() == 0


def test_intake_refuses_a_received_time_in_the_future(signed_in, desk):
    at = _open(signed_in, "wangli", INTAKE)
    _fill_intake(at, desk)
    at.datetime_input(key="intake.received").set_value(at.datetime_input(key="intake.received").value
                                                       + timedelta(days=2)).run()
    at.button(key="intake.save").click().run()
    assert shown(at.error[0].value).startswith("Received: that time is in the future")
    assert _count() == 0


def test_a_second_submit_of_the_same_form_saves_once(signed_in, desk):
    at = _open(signed_in, "wangli", INTAKE)
    _fill_intake(at, desk)
    token = at.session_state["intake.token"]
    with unit_of_work(desk.agent.id) as s:  # the first click's run saved already
        cx.register_complaint(s, actor=desk.agent, channel="hotline", received_at=utcnow(),
                              complainant_name="李建国", complainant_phone="13812345678",
                              category_id=desk.categories["delivery"], grade=3, description="同一张表",
                              client_token=token)
    at.button(key="intake.save").click().run()  # the second click
    assert _count() == 1
    assert any("already saved" in i.value for i in at.info)


def test_intake_shows_possible_duplicates_and_links_as_duplicate(signed_in, desk):
    original = _recent(desk)
    at = _open(signed_in, "wangli", INTAKE)
    _fill_intake(at, desk)
    assert any("Possible duplicates" in w.value for w in at.warning)
    radio = at.radio[0]
    assert radio.options[1].startswith("A duplicate of TS-")
    radio.set_value(original).run()
    at.button(key="intake.save").click().run()
    with unit_of_work() as s:
        copy = s.scalars(select(Complaint).where(Complaint.id != original)).one()
        assert copy.state == "duplicate" and copy.duplicate_of_id == original
    assert any("Recorded as a duplicate" in i.value for i in at.info)


def test_the_hotline_screen_pop_fills_in_the_caller_and_shows_their_complaints(signed_in, desk):
    original = _recent(desk, desk.agent)
    at = _open(signed_in, "wangli", INTAKE, phone="138-1234-5678")
    assert at.text_input(key="intake.phone").value == "13812345678"
    assert at.selectbox(key="intake.channel").value == "hotline"
    assert at.text_input(key="intake.name").value == "李建国"
    assert at.text_input(key="intake.retailer_q").value == "330102123456"
    caller = " ".join(m.value for m in at.markdown) + " ".join(str(link.label) for link in at.get("page_link"))
    assert "金叶便利店" in caller and desk.get(original).reference in caller
    at.text_input(key="intake.name").input("李太太").run()  # the agent corrects it: the pop does not undo that
    assert at.text_input(key="intake.name").value == "李太太"
    at.text_area(key="intake.description").input("又没有按时送货。").run()
    at.selectbox(key="intake.category").set_value(desk.categories["delivery"]).run()
    at.button(key="intake.save").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    with unit_of_work() as s:
        new = s.scalars(select(Complaint).where(Complaint.id != original)).one()
        assert (new.retailer_id, new.complainant_phone, new.complainant_name) == (desk.retailer_id, "13812345678",
                                                                                  "李太太")
    at.button(key="intake.another").click().run()
    assert "phone" not in at.query_params and at.text_input(key="intake.phone").value == ""


@pytest.mark.parametrize("given", ["**138**", "1" * 60, "１３８１２３４５６７８", "²", "abc"])
def test_a_screen_pop_without_a_phone_number_says_so_and_fills_nothing(signed_in, desk, given):
    at = _open(signed_in, "wangli", INTAKE, phone=given)
    assert any("not a phone number" in w.value for w in at.warning)
    assert at.text_input(key="intake.phone").value == ""


def test_an_e_mail_complaint_asks_where_the_answer_goes_and_shows_it_on_the_complaint(signed_in, desk):
    at = _open(signed_in, "wangli", INTAKE)
    assert "intake.email" not in [t.key for t in at.text_input]  # a hotline call: no e-mail or postal address asked
    at.selectbox(key="intake.channel").set_value("email").run()
    _fill_intake(at, desk, phone="", address="城东区解放路12号")
    at.button(key="intake.save").click().run()
    assert [shown(e.value) for e in at.error] == ["E-mail: required for an e-mail complaint, so the answer can be "
                                                  "sent back."]
    assert at.text_input(key="intake.address").value == "城东区解放路12号" and _count() == 0
    at.text_input(key="intake.email").input("li@example.com").run()
    at.button(key="intake.save").click().run()
    assert not at.error, [e.value for e in at.error]
    with unit_of_work() as s:
        c = s.scalars(select(Complaint)).one()
    page = _open(signed_in, "zhanghua", PAGE, id=c.id)
    details = " ".join(m.value for m in page.markdown)
    assert "li@example.com" in details and "城东区解放路12号" in details
    assert "Registered at" not in details  # registered as it came in: one time is enough
    masked = " ".join(m.value for m in _open(signed_in, "xuming", PAGE, id=c.id).markdown)
    assert "li@example.com" not in masked and "城东区解放路12号" not in masked and "••••" in masked


def test_a_complaint_registered_days_after_it_came_in_shows_both_times(signed_in, desk):
    from portal.complaints.display import center_time

    moment = utcnow()
    cid = desk.register(desk.agent, now=moment, received_at=moment - timedelta(days=2), channel="letter",
                        complainant_phone=None).complaint_id
    details = shown(" ".join(m.value for m in _open(signed_in, "zhanghua", PAGE, id=cid).markdown))
    assert "Registered at" in details and center_time(moment) in details
    assert center_time(moment - timedelta(days=2)) in details


def test_my_work_lists_nearest_due_first_with_overdue_standing_out(signed_in, desk):
    overdue = _recent(desk, hours_ago=24 * 9)  # far past every working-day limit
    fresh = _recent(desk, hours_ago=1)
    at = _open(signed_in, "wangli", WORK)
    table = at.dataframe[0].value
    assert list(table["reference"]) == [desk.get(overdue).reference, desk.get(fresh).reference]
    assert table["clock"][0].startswith("⚠ overdue by") and "left" in table["clock"][1]
    assert list(table["why"]) == ["first-contact owner", "first-contact owner"]


def test_my_work_is_empty_for_a_new_handler(signed_in, desk):
    at = _open(signed_in, "sunhao", WORK)
    assert "Nothing on your list" in at.info[0].value


def _choose_move(at, cid, move):
    at.radio(key=f"complaint.{cid}.move").set_value(move).run()
    assert not at.exception, at.exception
    return at


def test_supervisor_assigns_from_the_complaint_page_and_the_timeline_shows_it(signed_in, desk):
    cid = _recent(desk)
    at = _open(signed_in, "zhanghua", PAGE, id=cid)
    assert at.title[0].value.endswith("Registered")
    _choose_move(at, cid, "assign")
    p = f"complaint.{cid}.assign."
    assert at.selectbox(key=p + "dept").value == desk.departments["logistics"]  # the category's default
    at.selectbox(key=p + "handler").set_value(desk.handler.id)
    at.text_input(key=p + "note").input("请尽快处理")
    at.button(key=f"FormSubmitter:{p}form-Assign").click().run()
    assert not at.error, [e.value for e in at.error]
    c = desk.get(cid)
    assert c.state == "assigned" and c.handler_id == desk.handler.id
    assert at.title[0].value.endswith("Assigned")
    timeline = shown(" ".join(m.value for m in at.markdown))
    assert "Registered → Assigned" in timeline and "请尽快处理" in timeline
    assert "Handler: nobody → 孙浩 (KF3001)" in timeline


def test_a_move_on_a_complaint_someone_changed_meanwhile_is_refused_and_the_input_stays(signed_in, desk):
    cid = _recent(desk)
    at = _open(signed_in, "zhanghua", PAGE, id=cid)
    _choose_move(at, cid, "assign")
    p = f"complaint.{cid}.assign."
    at.text_input(key=p + "note").input("我来派单")
    desk.run(desk.supervisor2, cx.assign_complaint, complaint_id=cid, handler_id=desk.handler.id)  # meanwhile
    at.button(key=f"FormSubmitter:{p}form-Assign").click().run()
    assert "郑强 changed complaint" in at.error[0].value and "Reload" in at.error[0].value
    assert at.text_input(key=p + "note").value == "我来派单"
    events = [e for e in desk.events(cid) if e.to_state == "assigned"]
    assert len(events) == 1 and events[0].actor_id == desk.supervisor2.id
    at.button(key=p + "reload").click().run()  # reload: the next try is based on what is there now
    at.button(key=f"FormSubmitter:{p}form-Assign").click().run()
    assert not at.error and len([e for e in desk.events(cid) if e.to_state == "assigned"]) == 2


def test_internal_notes_look_different_from_replies(signed_in, desk):
    cid = _recent(desk)
    desk.run(desk.agent, cx.add_internal_note, complaint_id=cid, text="客户情绪激动")
    desk.run(desk.agent, cx.record_interim_reply, complaint_id=cid, text="已受理,正在处理", method="phone")
    at = _open(signed_in, "wangli", PAGE, id=cid)
    assert any("Internal note — staff only" in w.value and "客户情绪激动" in w.value for w in at.warning)
    assert any("Interim reply" in i.value and "已受理" in i.value for i in at.info)


def test_a_viewer_reads_a_complaint_with_the_phone_masked_and_no_actions(signed_in, desk):
    cid = _recent(desk)
    at = _open(signed_in, "xuming", PAGE, id=cid)
    details = shown(" ".join(m.value for m in at.markdown))
    assert "138****5678" in details and "13812345678" not in details
    assert not at.radio and "no action of yours" in at.caption[-1].value


def test_the_supervisor_grid_filters_overdue_and_bulk_assigns(signed_in, desk):
    late = _recent(desk, hours_ago=24 * 9)
    _recent(desk, hours_ago=1)
    at = _open(signed_in, "zhanghua", GRID)
    assert len(at.data_editor[0].value) == 2
    at.pills(key="complaints.quick").set_value("overdue").run()
    assert list(at.data_editor[0].value["reference"]) == [desk.get(late).reference]
    assert at.query_params["f"] == "sla:is:overdue"
    at.checkbox(key="complaints.select_all").check().run()
    at.button(key="complaints.bulk.apply").click().run()
    assert not at.exception and desk.get(late).state == "assigned"
    assert any("Assigned 1 complaints." in s.value for s in at.success)


def test_the_retailer_page_lists_its_complaints(signed_in, desk):
    cid = _recent(desk)
    at = _open(signed_in, "zhanghua", "pages/retailer.py", id=desk.retailer_id)
    frames = [d.value for d in at.dataframe]
    assert any(desk.get(cid).reference in list(f.get("Reference", [])) for f in frames)


def test_home_counts_my_open_complaints(signed_in, desk):
    _recent(desk, hours_ago=24 * 9)
    _recent(desk)
    at = signed_in("wangli")
    counts = [m.value for m in at.markdown if m.value.startswith("**") and m.value.strip("*").isdigit()]
    assert counts[:3] == ["**2**", "**1**", "**0**"]
