"""Anonymous evaluation forms (the coordinator's choice per session, before any form is entered): they store no link to
a retailer that a record card, an export or the history could show, and still count in the 10% sample, the monthly
summary and the dashboard; the printable evaluation form carries the session's details."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from db.engine import unit_of_work
from db.models import AuditLog
from db.training_models import Evaluation
from portal import training as tr
from portal.access.auth import PermissionDenied
from portal.dashboards.period import DashboardFilter
from portal.i18n import set_language
from portal.training import dashboard as td
from portal.training.evaluations import evaluation_form_html, set_evaluation_anonymous
from tests.training.support import NOW, academy_fixture, english_fixture  # noqa: F401

SCORES = {"score_content": 5, "score_trainer": 4, "score_usefulness": 3}


def _attended(academy, count: int = 2) -> tuple[int, list]:
    sid = academy.approved()
    sign_ups = [academy.sign_up(sid, rid) for rid in academy.retailers[:count]]
    day = academy.session(sid).starts_at + timedelta(minutes=10)
    for su in sign_ups:
        academy.run(academy.coordinator, tr.mark_attendance, sign_up_id=su.id, now=day)
    return sid, sign_ups


def test_anonymous_forms_name_no_retailer_anywhere(academy):
    sid, sign_ups = _attended(academy)
    academy.run(academy.coordinator, set_evaluation_anonymous, session_id=sid, anonymous=True)
    with pytest.raises(tr.TrainingInputError) as named:  # an anonymous session takes no named form
        academy.run(academy.coordinator, tr.record_evaluation, sign_up_id=sign_ups[0].id, scores=SCORES)
    assert named.value.field == "sign_up"
    with unit_of_work() as s:
        assert tr.evaluation_candidates(s, actor=academy.viewer, session_id=sid) == []
    evaluation = academy.run(academy.coordinator, tr.record_evaluation, session_id=sid, scores=SCORES,
                             comments="很实用")
    academy.run(academy.coordinator, tr.record_evaluation, session_id=sid, scores=SCORES)
    with pytest.raises(tr.TrainingInputError) as third:  # two attendees: two forms at most
        academy.run(academy.coordinator, tr.record_evaluation, session_id=sid, scores=SCORES)
    assert "Every attendee" in str(third.value)
    with unit_of_work() as s:
        stored = s.get(Evaluation, evaluation.id)
        audit = {row.field: row.new_value for row in s.scalars(select(AuditLog).where(
            AuditLog.table_name == "training_evaluations", AuditLog.record_id == str(evaluation.id)))}
        summary = tr.evaluation_summary(s, actor=academy.viewer, session_id=sid)
        card = tr.retailer_record_card(s, academy.viewer, academy.retailers[0])
    assert (stored.session_id, stored.sign_up_id) == (sid, None)
    assert audit.get("sign_up_id") in (None, "None", "null")  # the history holds no link either
    assert (summary.evaluated, summary.meets_sample, summary.comments) == (2, True, ["很实用"])
    assert summary.averages == {"score_content": 5.0, "score_trainer": 4.0, "score_usefulness": 3.0}
    assert [row["Evaluation"] for row in card] == ["—"]  # the retailer's card shows no score of an anonymous form


def test_the_choice_is_the_coordinators_and_made_before_any_form(academy):
    sid, sign_ups = _attended(academy)
    for who in (academy.viewer, academy.agent):
        with pytest.raises(PermissionDenied):
            academy.run(who, set_evaluation_anonymous, session_id=sid, anonymous=True)
    with pytest.raises(tr.TrainingInputError):  # a named session takes no form without a name
        academy.run(academy.coordinator, tr.record_evaluation, session_id=sid, scores=SCORES)
    academy.run(academy.coordinator, tr.record_evaluation, sign_up_id=sign_ups[0].id, scores=SCORES)
    with pytest.raises(tr.TrainingInputError) as late:
        academy.run(academy.coordinator, set_evaluation_anonymous, session_id=sid, anonymous=True)
    assert late.value.field == "anonymous_evaluation" and not academy.session(sid).anonymous_evaluation


def test_anonymous_forms_count_in_the_monthly_summary_and_the_dashboard(academy):
    sid, _sign_ups = _attended(academy)
    academy.run(academy.coordinator, set_evaluation_anonymous, session_id=sid, anonymous=True)
    academy.run(academy.coordinator, tr.record_evaluation, session_id=sid, scores=SCORES)
    academy.run(academy.coordinator, tr.mark_held, session_id=sid, version=None,
                now=academy.session(sid).ends_at + timedelta(hours=1))
    starts = academy.session(sid).starts_at
    with unit_of_work() as s:
        [row] = tr.monthly_summary(s, actor=academy.viewer, month=starts.date())
        flt = DashboardFilter(starts.date() - timedelta(days=1), starts.date() + timedelta(days=1))
        table = td.session_table(s, actor=academy.viewer, flt=flt)
        by_district = td.session_table(s, actor=academy.viewer, flt=DashboardFilter(
            flt.start, flt.end, district="城东区"))
    assert (row["Attended"], row["Evaluations"], row["Content score"]) == (2, 1, 5.0)
    assert (int(table["evaluated"][0]), float(table["score_trainer"][0])) == (1, 4.0)
    assert int(by_district["evaluated"][0]) == 0  # an anonymous form has no retailer, so no district


def test_the_printable_form_carries_the_session_and_asks_a_name_only_when_named(academy):
    sid, _sign_ups = _attended(academy)
    with unit_of_work() as s:
        named = evaluation_form_html(s, actor=academy.viewer, session_id=sid)
    assert "卷烟陈列技巧" in named and "公司三楼培训室" in named and "周杰" in named
    assert "Licence number" in named and "anonymous" not in named
    academy.run(academy.coordinator, set_evaluation_anonymous, session_id=sid, anonymous=True)
    set_language("zh_CN")
    with unit_of_work() as s:
        anonymous = evaluation_form_html(s, actor=academy.viewer, session_id=sid)
    assert "培训效果评价表" in anonymous and "匿名" in anonymous and "专卖许可证号" not in anonymous
    assert anonymous.count("□") == 15  # three questions, five boxes each

