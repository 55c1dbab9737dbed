"""The evaluation form (培训效果评价表) beyond entering it (attendance.py): the coordinator's choice of anonymous
forms per session, the evaluations counted per session (anonymous ones too), and the printable form with the
session's details.

An anonymous form names its session only: no sign-up, so nothing stored leads from it to a retailer (the audit row
of its insert holds the same fields). Counted by district, anonymous forms are left out: they have no retailer.
"""
from __future__ import annotations

from html import escape
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import Subquery

from db.models import User
from db.training_models import Evaluation, SignUp, TrainingCourse, TrainingSession
from portal.access.auth import CurrentUser, require
from portal.i18n import _, current_language, fmt_datetime
from portal.training.attendance import SCORES
from portal.training.labels import FORMAT_LABELS, SCORE_LABELS
from portal.training.rules import MANAGE, VIEW, TrainingInputError, lock_session

PRINT_STYLE = """
body { font-family: "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; margin: 16mm; }
h1 { font-size: 20pt; text-align: center; margin: 0 0 4mm; }
table { width: 100%; border-collapse: collapse; font-size: 11pt; margin: 0 0 6mm; }
th, td { border: 1px solid #000; padding: 2.5mm 2mm; text-align: left; vertical-align: top; }
th { width: 30%; background: #f2f2f2; } td.box { text-align: center; width: 10%; }
p.note { font-size: 10pt; margin: 0 0 4mm; } div.comments { border: 1px solid #000; height: 45mm; }
@page { size: A4; margin: 12mm; }
"""


def set_evaluation_anonymous(session: Session, *, actor: CurrentUser, session_id: int, anonymous: bool,
                             version: int | None = None) -> TrainingSession:
    """Coordinator: make the session's evaluation forms anonymous (or named); only before any form is entered, so a
    session's forms are all one or the other."""
    require(actor, MANAGE)
    ts = lock_session(session, session_id, version)
    if ts.anonymous_evaluation == bool(anonymous):
        return ts
    if session.scalar(select(func.count()).where(Evaluation.session_id == ts.id)):
        raise TrainingInputError("anonymous_evaluation", _(
            "Evaluations of this session are already entered: whether they are anonymous can no longer change."))
    ts.anonymous_evaluation = bool(anonymous)
    session.flush()
    return ts


def evaluation_totals(sessions: Any, *, district_condition: list[Any] | None = None) -> Subquery:
    """Per session of `sessions` (a select of session ids): `evaluated` and each score's `sum_<score>` over its
    evaluations — an attendee's, or anonymous ones; with `district_condition` (on SignUp) only attendees' of it."""
    named_attendee = SignUp.attended.is_(True)
    counted = [*district_condition, named_attendee] if district_condition else [
        or_(Evaluation.sign_up_id.is_(None), named_attendee)]
    return (select(Evaluation.session_id, func.count().label("evaluated"),
                   *(func.sum(Evaluation.__table__.c[n]).label(f"sum_{n}") for n in SCORES))
            .outerjoin(SignUp, SignUp.id == Evaluation.sign_up_id)
            .where(Evaluation.session_id.in_(sessions), *counted)
            .group_by(Evaluation.session_id).subquery("evaluations"))


def average(totals: Subquery, score: str) -> Any:
    """A score's average over `evaluation_totals` (NULL when nobody evaluated)."""
    return totals.c[f"sum_{score}"] / func.nullif(totals.c.evaluated, 0)


def evaluation_form_html(session: Session, *, actor: CurrentUser, session_id: int) -> str:
    """A self-contained HTML page to print: the session's details, the three questions scored 1–5, and room for
    comments; an anonymous session's form asks for no name."""
    require(actor, VIEW)
    ts = session.get(TrainingSession, session_id)
    if ts is None:
        raise TrainingInputError("session", _("That training session does not exist."))
    course = session.get(TrainingCourse, ts.course_id)
    trainer = session.get(User, ts.trainer_id)
    details = ((_("Session"), ts.title), (_("Course"), course.title if course else ""),
               (_("When"), f"{fmt_datetime(ts.starts_at)} – {fmt_datetime(ts.ends_at)}"), (_("Place"), ts.place),
               (_("Format"), _(FORMAT_LABELS[ts.format])), (_("Trainer"), trainer.name if trainer else ""))
    if ts.anonymous_evaluation:
        who = f"<p class=note>{escape(_('This form is anonymous: do not write your name or shop on it.'))}</p>"
    else:
        who = _rows(((_("Licence number"), ""), (_("Shop name"), ""), (_("Owner"), "")))
    heads = "".join(f"<td class=box>{n}</td>" for n in range(1, 6))
    questions = "".join(f"<tr><th>{escape(_(SCORE_LABELS[n]))}</th>{'<td class=box>□</td>' * 5}</tr>"
                        for n in SCORES)
    lang = "zh-CN" if current_language() == "zh_CN" else "en"
    title = _("Training evaluation form")
    return (f"<!doctype html><html lang={lang}><head><meta charset=utf-8><title>{escape(title)} – "
            f"{escape(ts.title)}</title><style>{PRINT_STYLE}</style></head><body><h1>{escape(title)}</h1>"
            f"{_rows(details)}{who}"
            f"<p class=note>{escape(_('Tick one box per question: 1 poor … 5 excellent.'))}</p>"
            f"<table><tr><th></th>{heads}</tr>{questions}</table>"
            f"<p class=note>{escape(_('Comments and suggestions'))}</p><div class=comments></div></body></html>")


def _rows(pairs: tuple[tuple[str, str], ...]) -> str:
    return "<table>" + "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in pairs) + "</table>"
