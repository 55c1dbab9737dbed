"""Monthly complaint analysis (投诉分析): the month's figures beside the month before, breakdowns, root causes,
repeat complainants and complaints per 10,000 retailers by district, from the figures of
portal/complaints/dashboard.py.
"""
from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.complaint_models import SIDE_EXITS, Complaint
from portal.access.auth import CurrentUser
from portal.complaints.charts import root_cause_pareto
from portal.complaints.cohort import scope_conditions
from portal.complaints.dashboard import (
    FOLLOW_UP_TARGET,
    ON_TIME_TARGET,
    PER_RETAILERS,
    REPLY_TARGET,
    SATISFACTION_TARGET,
    active_retailers,
    counts,
    per_district,
    repeat_complainants,
    root_causes,
    summary,
)
from portal.dashboards import charts
from portal.dashboards.period import DashboardFilter, month_filter, previous_month
from portal.dashboards.report import COUNT, DAYS, NUMBER, PERCENT, Figure, MonthlyReport
from portal.i18n import N_, _

SIDE_EXIT_LINES = {  # the closures as invalid or duplicate, each on its own line (portal/complaints/exits.py)
    ("invalid", False): N_("Closed as invalid (confirmed)"),
    ("invalid", True): N_("Closed as invalid, awaiting a supervisor's confirmation"),
    ("duplicate", False): N_("Closed as duplicates (confirmed)"),
    ("duplicate", True): N_("Closed as duplicates, awaiting a supervisor's confirmation"),
}


def monthly_report(session: Session, *, actor: CurrentUser, month: date) -> MonthlyReport:
    """Complaint analysis (投诉分析) of `month` beside the month before: figures, breakdowns, causes, repeaters."""
    this = month_filter(month)
    last = month_filter(previous_month(this.start))
    now_, before = summary(session, actor=actor, flt=this), summary(session, actor=actor, flt=last)
    active = active_retailers(session)
    retailers = sum(active.values())
    repeat_now = repeat_complainants(session, actor=actor, flt=this)
    repeat_before = repeat_complainants(session, actor=actor, flt=last, limit=1)

    def per_10k(figures: dict[str, Any]) -> float | None:
        return figures["complaints"] * PER_RETAILERS / retailers if retailers else None

    def repeaters(frame: pd.DataFrame) -> int:
        return int(frame["repeaters"].iloc[0]) if not frame.empty else 0

    figures = [
        Figure(_("Complaints"), now_["complaints"], before["complaints"], COUNT, higher_is_better=False),
        Figure(_("Complaints per 10,000 retailers"), per_10k(now_), per_10k(before), NUMBER,
               higher_is_better=False),
        Figure(_("24-hour reply rate"), now_["reply_rate"], before["reply_rate"], PERCENT, REPLY_TARGET),
        Figure(_("On-time resolution rate"), now_["on_time_rate"], before["on_time_rate"], PERCENT, ON_TIME_TARGET),
        Figure(_("Average handling time (working days)"), now_["avg_days"], before["avg_days"], DAYS,
               higher_is_better=False),
        Figure(_("Handling time, 90th percentile (working days)"), now_["p90_days"], before["p90_days"], DAYS,
               higher_is_better=False),
        Figure(_("Follow-up rate"), now_["follow_up_rate"], before["follow_up_rate"], PERCENT, FOLLOW_UP_TARGET),
        Figure(_("Satisfaction rate"), now_["satisfaction_rate"], before["satisfaction_rate"], PERCENT,
               SATISFACTION_TARGET),
        Figure(_("Reopen rate"), now_["reopen_rate"], before["reopen_rate"], PERCENT, higher_is_better=False),
        Figure(_("Repeat complainants"), repeaters(repeat_now), repeaters(repeat_before), COUNT,
               higher_is_better=False),
    ]
    exits_now, exits_before = (side_exit_counts(session, actor=actor, flt=f) for f in (this, last))
    for (state, waiting), label in SIDE_EXIT_LINES.items():
        figures.append(Figure(_(label), exits_now[state, waiting], exits_before[state, waiting], COUNT,
                              higher_is_better=False))
    report = MonthlyReport(title=_("Complaint analysis"), month=this.start, figures=figures,
                           notes=[_("Complaints received in the month; invalid complaints and duplicates are "
                                    "counted on their own lines (confirmed by a supervisor, or awaiting it), not in "
                                    "the other figures. Times are in working days.")])
    titles = {"category": _("By category"), "grade": _("By grade"), "department": _("By department"),
              "channel": _("By channel")}
    by_now, by_before = (counts(session, actor=actor, flt=f, dims=tuple(titles)) for f in (this, last))
    for by, title in titles.items():
        table = _compared(by_now[by], by_before[by], title)
        report.tables.append((title, table))
        if by == "category" and not table.empty:
            report.charts.append((title, charts.ranked_bars(
                table, category=title, value=_("This month"), category_title=title, value_title=_("Complaints"))))
    causes = root_causes(session, actor=actor, flt=this)
    if not causes.empty:
        report.charts.append((_("Top root causes"), root_cause_pareto(causes)))
    report.tables.append((_("Top root causes"), causes[["root_cause", "complaints"]].rename(
        columns={"root_cause": _("Root cause"), "complaints": _("Complaints")})))
    report.tables.append((_("Repeat complainants"), repeat_now[["phone", "complainant", "complaints"]].rename(
        columns={"phone": _("Phone"), "complainant": _("Complainant"), "complaints": _("Complaints")})))
    districts = per_district(session, actor=actor, flt=this, active=active)
    report.tables.append((_("Complaints per 10,000 retailers by district"), districts.assign(
        per_10k=districts["per_10k"].round(1)).rename(columns={
            "district": _("District"), "complaints": _("Complaints"), "retailers": _("Active retailers"),
            "per_10k": _("Per 10,000 retailers")})))
    return report


def side_exit_counts(session: Session, *, actor: CurrentUser, flt: DashboardFilter) -> dict[tuple[str, bool], int]:
    """Complaints received in the period and closed as invalid or duplicate: (state, awaiting review) -> how many."""
    rows = session.execute(select(Complaint.state, Complaint.awaiting_review, func.count())
                           .where(*scope_conditions(actor, flt, states=SIDE_EXITS))
                           .group_by(Complaint.state, Complaint.awaiting_review))
    counts = {(state, waiting): 0 for state in SIDE_EXITS for waiting in (False, True)}
    counts.update({(state, waiting): n for state, waiting, n in rows})
    return counts


def _compared(this: pd.DataFrame, last: pd.DataFrame, title: str) -> pd.DataFrame:
    """A breakdown of this month beside last month's, with the change (translated headers)."""
    both = this[["label", "complaints"]].merge(last[["label", "complaints"]], on="label", how="outer",
                                               suffixes=("", "_before")).fillna(0)
    both = both.astype({"complaints": int, "complaints_before": int}).sort_values(
        ["complaints", "complaints_before"], ascending=False)
    both["change"] = both["complaints"] - both["complaints_before"]
    return both.rename(columns={"label": title, "complaints": _("This month"),
                                "complaints_before": _("Previous month"), "change": _("Change")}).reset_index(drop=True)
