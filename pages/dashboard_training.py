"""Dashboards · Training: sessions and attendees, attendance rate, evaluations against the 10% sample, coverage this
year toward 90%, and the monthly plan's timing. A click on a chart opens the month's plan, the coverage page for a
district or business type, or (from the table) a session."""
from datetime import date

import pandas as pd
import streamlit as st

from db.engine import unit_of_work
from portal.access.auth import CurrentUser
from portal.dashboards.period import DashboardFilter, no_data_message
from portal.dashboards.report import format_change, format_value
from portal.i18n import _, current_language, fmt_datetime, fmt_list, fmt_number
from portal.records.filters import IS, Filter
from portal.training import charts
from portal.training import dashboard as dash
from portal.training.labels import SESSION_STATE_LABELS
from portal.training.ui.common import while_unchanged
from portal.ui.dashboard import GridLink, chart_card, dashboard_filters, figure_row, grid_link
from portal.ui.session import page_user
from portal.ui.tables import data_table

PLAN, COVERAGE, SESSION = "pages/training_plan.py", "pages/training_coverage.py", "pages/training_session.py"
SHOWN_SESSIONS = 100



def coverage_at(end: date, previous_end: date, district: str | None, _user: CurrentUser):
    """Coverage by district and business type at the period's end, and the share then and at the previous period's
    end: a scan of every active retailer, so kept while nothing it reads has changed (labels in the reader's
    language, part of the key)."""
    flt, before = (DashboardFilter(start=d, end=d, district=district) for d in (end, previous_end))

    def count():
        with unit_of_work(_user.id) as s:
            frames = {dim: dash.coverage(s, actor=_user, flt=flt, dimension=dim)
                      for dim in ("district", "business_type")}
            return frames, dash.coverage_pair(s, actor=_user, flt=flt, before=before)

    return while_unchanged(_user, ("dashboard", end, previous_end, district, current_language()), count)[0]


user = page_user("training.view")
st.title(_("Training dashboard"))
flt = dashboard_filters(user, departments=False)  # sessions have no organising department
covered, shares = coverage_at(flt.end, flt.previous().end, flt.district, user)
with unit_of_work(user.id) as s:
    figures = dash.period_figures(s, actor=user, flt=flt, coverage=shares)
    counts = dash.session_counts(s, actor=user, flt=flt)
    present = dash.attendance(s, actor=user, flt=flt)
    evaluated = dash.evaluations(s, actor=user, flt=flt)
    plan = dash.plan_months(s, actor=user, flt=flt)
    sessions = dash.session_table(s, actor=user, flt=flt, limit=SHOWN_SESSIONS, newest_first=True)

figure_row([(f.label, format_value(f.kind, f.value), None if f.change() is None else format_change(f))
            for f in figures])
st.caption(_("Compared with the {days} days before. Targets: at least 10% of each session's attendees evaluate it; "
             "90% of active retailers trained each year.").format(days=flt.days))


def month_plan(values: dict) -> GridLink | None:
    """A clicked time bucket → that month's plan (sessions of that state, when the bar says one)."""
    month = charts.picked_month(values.get("bucket"))
    if month is None:
        return None
    state = dict(zip(counts["state_label"], counts["state"], strict=True)).get(values.get("state_label"))
    return grid_link(PLAN, *([Filter("state", IS, state)] if state else []), month=f"{month:%Y-%m}")


def coverage_page(dimension: str):
    def link(values: dict) -> GridLink | None:
        key = values.get("key")
        params = {"year": str(flt.end.year), **({"district": flt.district} if flt.district else {})}
        return GridLink(COVERAGE, params | {dimension: str(key)}) if key else None
    return link


grain = flt.grain
left, right = st.columns(2)
with left:
    chart_card(_("Sessions"), counts, lambda f: charts.sessions_chart(f, grain), flt=flt, what=_("training sessions"),
               key="dash_training_sessions", drill=month_plan,
               help=_("Sessions starting in the period, by state. Click a bar to open that month's plan."))
with right:
    chart_card(_("Attendees"), present, lambda f: charts.attendees_chart(f, grain), flt=flt,
               what=_("held sessions"), key="dash_training_attendees", drill=month_plan,
               help=_("Retailers with a seat at a held session: attended or absent."))
left, right = st.columns(2)
with left:
    chart_card(_("Attendance rate"), present, lambda f: charts.attendance_rate_chart(f, grain), flt=flt,
               what=_("held sessions"), key="dash_training_rate", drill=month_plan,
               help=_("Attended ÷ seated sign-ups of held sessions."))
with right:
    chart_card(_("Attendees who evaluated"), evaluated, lambda f: charts.evaluation_share_chart(f, grain), flt=flt,
               what=_("attendees"), key="dash_training_evaluated", drill=month_plan,
               help=_("Evaluation forms ÷ attendees; the rule asks at least 10% per session."))
chart_card(_("Evaluation scores"), evaluated.dropna(subset=["score_content"]),
           lambda f: charts.scores_chart(f, grain), flt=flt, what=_("evaluations"), key="dash_training_scores",
           drill=month_plan, help=_("Average content, trainer and usefulness scores (1 poor – 5 excellent)."))

year = flt.end.year
coverage_link = GridLink(COVERAGE, {"year": str(year), **({"district": flt.district} if flt.district else {})})
left, right = st.columns(2)
with left:
    chart_card(_("Coverage in {year} by district").format(year=year), covered["district"],
               lambda f: charts.coverage_chart(f, _("District")), flt=flt, what=_("active retailers"),
               key="dash_training_cover_district", drill=coverage_page("district"), link=coverage_link,
               help=_("Active retailers who attended a session this year, up to the period's end; target 90%."))
with right:
    chart_card(_("Coverage in {year} by business type").format(year=year), covered["business_type"],
               lambda f: charts.coverage_chart(f, _("Business type")), flt=flt, what=_("active retailers"),
               key="dash_training_cover_type", drill=coverage_page("business_type"), link=coverage_link)

missed = plan[plan["missed"]]["month_label"].tolist() if not plan.empty else []
chart_card(_("Monthly plan"), plan, charts.plan_chart, flt=flt, what=_("monthly plans"), key="dash_training_plan",
           drill=lambda v: GridLink(PLAN, {"month": v["month_label"]}) if v.get("month_label") else None,
           help=_("Each month needs at least one session and a plan approved within its first 3 working days. "
                  "The whole center's plan: the district filter does not apply."))
if missed:
    st.warning(_("Months without an approved plan in time or without a session: {months}").format(
        months=fmt_list(missed)), icon=":material/event_busy:")

st.subheader(_("Sessions in the period"))
if sessions.empty:
    st.info(no_data_message(_("training sessions"), flt), icon=":material/event_busy:")
    st.stop()
held = sessions["state"] == "held"
shown = pd.DataFrame({
    "open": [_("Open")] * len(sessions),
    "when": [fmt_datetime(t) for t in sessions["starts_at"]],
    "title": sessions["title"],
    "state": [_(SESSION_STATE_LABELS[x]) for x in sessions["state"]],
    "signed_up": sessions["signed_up"], "attended": sessions["attended"].where(held),
    "absent": sessions["absent"].where(held),
    "evaluated": [f"{e} / {r}" + (" ✓" if e >= r else " ⚠") if h else "" for e, r, h in
                  zip(sessions["evaluated"], sessions["required"], held, strict=True)],
    "score": sessions[["score_content", "score_trainer", "score_usefulness"]].mean(axis=1)})
data_table(shown, hide_index=True, key="dash_training_table", column_config={
    "open": st.column_config.ButtonColumn("", key="dash_training_table.open", type="tertiary", width=60,
                                          help=_("Open the session")),
    "when": st.column_config.TextColumn(_("Start")), "title": st.column_config.TextColumn(_("Session")),
    "state": st.column_config.TextColumn(_("State")),
    "signed_up": st.column_config.NumberColumn(_("Signed up")),
    "attended": st.column_config.NumberColumn(_("Attended")), "absent": st.column_config.NumberColumn(_("Absent")),
    "evaluated": st.column_config.TextColumn(_("Evaluations / 10% sample")),
    "score": st.column_config.NumberColumn(_("Average score"), format="%.2f")})
if len(sessions) == SHOWN_SESSIONS:
    st.caption(_("The newest {n} sessions of the period are shown.").format(n=fmt_number(SHOWN_SESSIONS)))
click = st.session_state.get("dash_training_table.open")
if click is not None and int(click["row"]) < len(sessions):
    st.switch_page(SESSION, query_params={"id": str(int(sessions["id"].iloc[int(click["row"])]))})
