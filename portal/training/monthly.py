"""Monthly training summary (培训记录汇总表): `monthly_report` — the month's sessions with sign-ups, attendance,
evaluations and scores, totals, coverage year-to-date against 90% and the plan's timing, beside the month before —
and the summary's tables (translated headers, totals row, coverage shares and "Yes"/"No").

The figures come from the live dashboard's queries (`portal.training.dashboard`), the charts from
`portal.training.charts`, the due date from `reports.summary_due_date`.
"""
from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy.orm import Session

from portal.access.auth import CurrentUser, require
from portal.dashboards.period import MONTH, DashboardFilter, month_filter, previous_month
from portal.dashboards.report import COUNT, PERCENT, SCORE, Figure, MonthlyReport, with_kinds
from portal.i18n import N_, _, fmt_date, fmt_datetime
from portal.training.attendance import EVALUATION_SHARE, SCORES
from portal.training.charts import attendees_chart, coverage_chart
from portal.training.dashboard import attendance, coverage, coverage_pair, period_totals, plan_months, session_table
from portal.training.labels import FORMAT_LABELS, SESSION_STATE_LABELS
from portal.training.reports import COVERAGE_TARGET, summary_due_date
from portal.training.rules import VIEW


def _short_of_sample(table: pd.DataFrame) -> int:
    held = table[table["state"] == "held"]
    return int((held["evaluated"] < held["required"]).sum())


def monthly_report(session: Session, *, actor: CurrentUser, month: date) -> MonthlyReport:
    """培训记录汇总表: the month's sessions with sign-ups, attendance, evaluations and scores, totals, attendance
    rate, evaluation share, coverage year-to-date against 90%, whether the plan was approved in time — with the
    month before for comparison; due the first working day of the next month."""
    require(actor, VIEW)
    month = month.replace(day=1)
    flt, before_flt = month_filter(month), month_filter(previous_month(month))
    now, before = period_totals(session, flt), period_totals(session, before_flt)
    table, before_table = (session_table(session, actor=actor, flt=f) for f in (flt, before_flt))
    plan = plan_months(session, actor=actor, flt=flt)
    figures = [
        Figure(_("Sessions planned"), _live(table), _live(before_table)),
        Figure(_("Sessions held"), now["sessions"], before["sessions"]),
        Figure(_("Signed up"), now["signed_up"], before["signed_up"]),
        Figure(_("Attended"), now["attended"], before["attended"]),
        Figure(_("Absent"), now["absent"], before["absent"], higher_is_better=False),
        Figure(_("Attendance rate"), now["rate"], before["rate"], PERCENT),
        Figure(_("Evaluations"), now["evaluated"], before["evaluated"]),
        Figure(_("Attendees who evaluated"), now["evaluation_share"], before["evaluation_share"], PERCENT,
               EVALUATION_SHARE),
        Figure(_("Sessions short of the 10% sample"), _short_of_sample(table), _short_of_sample(before_table),
               COUNT, higher_is_better=False),
        *(Figure(_(label), now[n], before[n], SCORE) for n, label in _SCORE_FIGURES),
        Figure(_("Coverage this year"), *coverage_pair(session, actor=actor, flt=flt, before=before_flt), PERCENT,
               COVERAGE_TARGET),
    ]
    report = MonthlyReport(title=_("Training summary"), month=month, figures=figures)
    due = summary_due_date(session, month)
    report.notes.append(_("Due {day}, the first working day of the next month.").format(day=fmt_date(due)))
    report.notes.extend(_plan_notes(plan))
    trend = attendance(session, actor=actor, flt=DashboardFilter(start=_year_before(month), end=flt.end))
    if not trend.empty:
        report.charts.append((_("Attendees per month, last 12 months"), attendees_chart(trend, MONTH)))
    tables = [(_("Sessions"), _summary_rows(table, now))]
    for dim, title, name in (("district", _("Coverage by district"), _("District")),
                             ("business_type", _("Coverage by business type"), _("Business type"))):
        frame = coverage(session, actor=actor, flt=flt, dimension=dim)
        if not frame.empty:
            report.charts.append((title, coverage_chart(frame, name)))
        tables.append((title, _coverage_rows(frame, name)))
    report.tables.extend(tables)
    return report


_SCORE_FIGURES = (("score_content", N_("Average content score")), ("score_trainer", N_("Average trainer score")),
                  ("score_usefulness", N_("Average usefulness score")))


def _live(table: pd.DataFrame) -> int:
    return int((table["state"] != "cancelled").sum())


def _year_before(month: date) -> date:
    """The first day of the month eleven months before `month` (twelve months ending with it)."""
    for _step in range(11):
        month = previous_month(month)
    return month


def _plan_notes(plan: pd.DataFrame) -> list[str]:
    if plan.empty:
        return []
    row = plan.iloc[0]
    text = _("Monthly plan: {status} (approval due {deadline}).").format(
        status=row["timing_label"], deadline=fmt_date(row["deadline"]))
    if row["approved_at"] is not None and not pd.isna(row["approved_at"]):
        text += " " + _("Plan approved {when}.").format(when=fmt_datetime(row["approved_at"]))
    return [text]


def _summary_rows(table: pd.DataFrame, totals: dict[str, Any]) -> pd.DataFrame:
    """The sessions table of the summary with translated headers and a totals row (held sessions)."""
    scores = [_(label) for _n, label in _SCORE_FIGURES]
    headers = [_("Date"), _("Course"), _("Session"), _("Format"), _("Trainer"), _("Place"), _("State"),
               _("Signed up"), _("Attended"), _("Absent"), _("Evaluations"), *scores]
    rows = [[fmt_datetime(r.starts_at), r.course, r.title, _(FORMAT_LABELS[r.format]), r.trainer, r.place,
             _(SESSION_STATE_LABELS[r.state]), _count(r.signed_up), _count(r.attended), _count(r.absent),
             _count(r.evaluated), *(_round(getattr(r, n)) for n in SCORES)] for r in table.itertuples()]
    if rows:
        rows.append([_("Total (held sessions)"), "", "", "", "", "", "", _count(totals["signed_up"]),
                     _count(totals["attended"]), _count(totals["absent"]), _count(totals["evaluated"]),
                     *(_round(totals[n]) for n in SCORES)])
    return with_kinds(pd.DataFrame(rows, columns=headers).astype({h: "Int64" for h in headers[7:11]}),
                      dict.fromkeys(scores, SCORE))


def _count(value: Any) -> int | None:
    return None if value is None or pd.isna(value) else int(value)


def _coverage_rows(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    """Coverage per group: a share (shown as a percentage) and whether it reached 90% — "Yes" or "No", never blank."""
    table = pd.DataFrame([[r.label, int(r.active), int(r.trained), r.share, _("Yes") if r.meets_target else _("No")]
                          for r in frame.itertuples()],
                         columns=[name, _("Active retailers"), _("Trained"), _("Coverage"), _("90% reached")])
    return with_kinds(table, {_("Coverage"): PERCENT})


def _round(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else round(float(value), 2)
