"""QR check-in: the printed sign-in sheet carries a code per seated retailer; scanning it opens the check-in page at
that sign-up, where one tap checks the retailer in. Edited links and codes of cancelled sign-ups are refused."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from db.engine import unit_of_work
from db.training_models import SignUp, TrainingSession
from portal import training as tr
from portal.errors import InputError
from portal.training.check_in_codes import check_in_link, scanned_sign_up
from tests.training.support import add_retailers

BASE = "http://portal.example:8501"


@pytest.fixture
def session_today(db, make_user):
    """A session under way today with three seated retailers and one waiting; returns (coordinator, session id)."""
    coordinator = make_user("training_coordinator", login="coord", department="marketing", name="陈静", language="en")
    now = datetime.now(UTC)
    retailers = add_retailers(db, 4)
    with unit_of_work(coordinator.id) as s:
        course = tr.create_course(s, actor=coordinator, title="网上订货操作", kind="skill", duration_minutes=60)
        ts = TrainingSession(course_id=course.id, title="网上订货操作", starts_at=now - timedelta(minutes=10),
                             ends_at=now + timedelta(hours=1), place="培训室", format="lecture",
                             trainer_id=coordinator.id, capacity=3, state="approved", approved_at=now)
        s.add(ts)
        s.flush()
        for n, rid in enumerate(retailers):
            s.add(SignUp(session_id=ts.id, retailer_id=rid, state="signed_up" if n < 3 else "waitlisted",
                         waitlist_position=None if n < 3 else 1, signed_up_at=now - timedelta(days=3, minutes=n)))
        return coordinator, ts.id


def _rows(coordinator, session_id: int) -> list[dict]:
    with unit_of_work(coordinator.id) as s:
        return tr.roster(s, actor=coordinator, session_id=session_id)


def test_the_sign_in_sheet_prints_a_code_per_seated_retailer(session_today):
    coordinator, session_id = session_today
    with unit_of_work(coordinator.id) as s:
        plain = tr.sign_in_sheet_html(s, actor=coordinator, session_id=session_id)
        coded = tr.sign_in_sheet_html(s, actor=coordinator, session_id=session_id, check_in_base=BASE)
    assert "<svg" not in plain
    assert coded.count("<svg") == 3 and "Check-in code" in coded  # the waiting retailer has no line, no code


def test_a_scanned_code_names_its_sign_up_and_an_edited_one_is_refused(session_today):
    coordinator, session_id = session_today
    seated = [r for r in _rows(coordinator, session_id) if r["state"] == "signed_up"]
    link = urlsplit(check_in_link(BASE, seated[0], session_id))
    params = {k: v[0] for k, v in parse_qs(link.query).items()}
    assert link.path == "/training_check_in" and params["session"] == str(session_id)
    with unit_of_work(coordinator.id) as s:
        found = scanned_sign_up(s, actor=coordinator, sign_up_id=params["signup"], token=params["t"])
        assert found["id"] == seated[0]["id"] and found["shop_name"] == seated[0]["shop_name"]
        for sign_up_id, token in ((str(seated[1]["id"]), params["t"]), (params["signup"], "0" * 16),
                                  ("x1", params["t"])):
            with pytest.raises(InputError) as refused:
                scanned_sign_up(s, actor=coordinator, sign_up_id=sign_up_id, token=token)
            assert refused.value.field == "signup" and "not valid" in str(refused.value)


def test_the_code_of_a_cancelled_sign_up_no_longer_checks_in(session_today):
    coordinator, session_id = session_today
    row = next(r for r in _rows(coordinator, session_id) if r["state"] == "signed_up")
    params = {k: v[0] for k, v in parse_qs(urlsplit(check_in_link(BASE, row, session_id)).query).items()}
    with unit_of_work(coordinator.id) as s:
        s.execute(SignUp.__table__.update().where(SignUp.id == row["id"]).values(
            state="cancelled", cancel_reason="店里有事", cancelled_at=datetime.now(UTC)))
    with unit_of_work(coordinator.id) as s, pytest.raises(InputError) as refused:
        scanned_sign_up(s, actor=coordinator, sign_up_id=params["signup"], token=params["t"])
    assert "has no seat" in str(refused.value)


def test_scanning_opens_the_check_in_page_at_the_retailer_and_one_tap_checks_in(signed_in, session_today):
    coordinator, session_id = session_today
    row = next(r for r in _rows(coordinator, session_id) if r["state"] == "signed_up")
    params = {k: v[0] for k, v in parse_qs(urlsplit(check_in_link(BASE, row, session_id)).query).items()}
    at = signed_in("coord")
    at.query_params.update(params)
    at.switch_page("pages/training_check_in.py").run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert any(row["shop_name"] in m.value for m in at.markdown)
    at.button(key="checkin_scanned_button").click().run()
    assert at.success[0].value == f"{row['shop_name']} checked in late."  # it began ten minutes ago
    with unit_of_work() as s:
        assert s.get(SignUp, row["id"]).attended is True
    assert not [b for b in at.button if b.key == "checkin_scanned_button"]  # now a "Checked in" badge

    at.query_params["t"] = "0" * 16  # an edited link
    at.run()
    assert "This check-in code is not valid" in at.error[0].value
