"""The evaluation page's anonymous forms and printable form, the coverage page's untrained list marked with each
retailer's upcoming place (and its export), and the record card's print button on the retailer's page."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from db.engine import unit_of_work
from db.training_models import Evaluation
from portal import training as tr
from tests.training.test_pages import _approved_session, _errors, staff  # noqa: F401


def _checked_in(staff, count=2) -> int:  # noqa: F811
    sid = _approved_session(staff, starts_at=datetime.now(UTC) - timedelta(hours=1), capacity=5)
    with unit_of_work(staff["coordinator"].id) as s:
        for rid in staff["retailers"][:count]:
            su = tr.sign_up(s, actor=staff["coordinator"], session_id=sid, retailer_id=rid,
                            now=datetime.now(UTC) - timedelta(days=2))
            tr.mark_attendance(s, actor=staff["coordinator"], sign_up_id=su.id)
    return sid


def test_the_coordinator_makes_the_forms_anonymous_and_enters_one_without_a_name(signed_in, staff):  # noqa: F811
    sid = _checked_in(staff)
    at = signed_in("coord").switch_page("pages/training_evaluation.py")
    at.query_params["session"] = str(sid)
    at.run()
    assert not at.exception, at.exception
    assert [b.label for b in at.get("download_button")] == ["Download the evaluation form (print-ready)"]
    assert at.selectbox(key="evaluation_attendee")  # named forms: choose the attendee
    at.toggle(key=f"evaluation_anonymous.{sid}").set_value(True).run()
    assert not at.exception and not _errors(at), _errors(at)
    assert not [s for s in at.selectbox if s.key == "evaluation_attendee"]  # anonymous: nobody to choose
    for name in ("score_content", "score_trainer", "score_usefulness"):
        at.radio(key=f"evaluation_{name}").set_value(4)
    at.button(key="evaluation_save").click().run()
    assert not _errors(at), _errors(at)
    with unit_of_work() as s:
        [form] = s.query(Evaluation).all()
    assert (form.session_id, form.sign_up_id) == (sid, None)
    assert at.toggle(key=f"evaluation_anonymous.{sid}").proto.disabled  # a form is in: the choice stays


def test_the_untrained_list_marks_an_upcoming_place_and_exports(signed_in, staff):  # noqa: F811
    sid = _approved_session(staff, starts_at=datetime.now(UTC) + timedelta(days=5))
    with unit_of_work(staff["coordinator"].id) as s:
        tr.sign_up(s, actor=staff["coordinator"], session_id=sid, retailer_id=staff["retailers"][0])
        title = tr.get_session(s, actor=staff["coordinator"], session_id=sid).title
    at = signed_in("coord").switch_page("pages/training_coverage.py").run()
    assert not at.exception, at.exception
    table = at.dataframe(key="untrained_table").value
    marks = dict(zip(table["Licence number"], table["Upcoming session"], strict=True))
    assert marks["330102000000"].endswith(f"· {title}") and marks["330102000001"] == ""
    [export] = [b for b in at.get("download_button") if b.label == "Export XLSX"]
    assert not export.proto.disabled


def test_the_retailer_page_prints_the_training_record_card(signed_in, staff):  # noqa: F811
    at = signed_in("coord").switch_page("pages/retailer.py")
    at.query_params["id"] = str(staff["retailers"][0])
    at.run()
    assert not at.exception, at.exception
    assert "Print the training record card" in [b.label for b in at.get("download_button")]
