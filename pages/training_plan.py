"""Training · Monthly plan (月度培训计划): the month's sessions, its targets, drafting and approving sessions."""
from datetime import timedelta

import streamlit as st

import portal.training.kanban  # noqa: F401  (the kanban board's moves)
from db.engine import unit_of_work
from portal import training as tr
from portal.access.auth import can
from portal.i18n import _, fmt_date
from portal.records.filters import BETWEEN, Filter
from portal.records.validation import Lookups
from portal.training.rules import month_bounds, next_month
from portal.training.ui.common import SESSION_PAGE, attempt, month_label, month_picker, session_label
from portal.training.ui.plan import plan_indicators, session_form, session_moves
from portal.ui import calendar_view, filter_bar, grid, layouts
from portal.ui.forms import show_flash
from portal.ui.session import page_user
from portal.ui.view_state import current_view

user = page_user("training.view")
st.title(_("Monthly training plan"))
show_flash()
month = month_picker("plan_month", ahead=3)
start, end = month_bounds(month)
with unit_of_work(user.id) as s:
    status = tr.plan_status(s, actor=user, month=month)
    sessions = {ts.id: ts for ts in tr.list_sessions(s, actor=user, start=start, end=end)}
    courses = {c.id: c.title for c in tr.list_courses(s, actor=user)}
    trainers = tr.trainer_choices(s, actor=user)
    summary = tr.monthly_summary(s, actor=user, month=month)
    due = tr.summary_due_date(s, month)
    lookups = Lookups(s)
plan_indicators(status)

with st.container(horizontal=True, vertical_alignment="center"):
    if can(user, "training.manage") and status.counts.get("draft"):
        if st.button(_("Submit all drafts ({n})").format(n=status.counts["draft"]), key="plan_submit_all",
                     icon=":material/send:"):
            attempt(user, tr.submit_plan, month=month, done=lambda n: _("{n} sessions submitted.").format(n=n))
    if can(user, "training.approve") and status.counts.get("submitted"):
        if st.button(_("Approve the plan ({n} sessions)").format(n=status.counts["submitted"]), type="primary",
                     key="plan_approve_all", icon=":material/task_alt:"):
            attempt(user, tr.approve_plan, month=month, done=lambda n: _("{n} sessions approved.").format(n=n))
    for fmt in ("csv", "xlsx"):
        st.download_button(_("Monthly summary {format}").format(format=fmt.upper()), key=f"plan_summary_{fmt}",
                           data=tr.summary_file(summary, fmt, _("Training summary")), on_click="ignore",
                           file_name=f"training-summary-{month_label(month)}.{fmt}", icon=":material/download:",
                           help=_("Monthly training summary, due {day}.").format(day=fmt_date(due)))

st.subheader(_("Sessions"))
view, ignored = current_view(tr.SESSIONS, user)
last_day = next_month(month) - timedelta(days=1)
in_month = Filter("starts_at", BETWEEN, (month.isoformat(), last_day.isoformat()))
month_view = view.narrowed(in_month)
filter_bar.toolbar(tr.SESSIONS, user, view, lookups)
layouts.switch(tr.SESSIONS, view)
if view.layout == calendar_view.CALENDAR:  # the month picked above, unless the calendar was moved
    calendar_view.show_calendar(tr.SESSIONS, user, view, SESSION_PAGE, default_day=month)
elif not layouts.show(tr.SESSIONS, user, month_view, lookups, SESSION_PAGE):
    page, _selected = grid.show_grid(tr.SESSIONS, user, month_view, lookups, SESSION_PAGE)
    grid.pager(tr.SESSIONS, month_view, page)

st.subheader(_("Work on a session"))
options = [None, *sessions] if can(user, "training.manage") else list(sessions)
if not options:
    st.caption(_("No sessions in this month yet."))
    st.stop()
picked = st.selectbox(_("Session"), options, key="plan_pick",
                      format_func=lambda i: _("New session…") if i is None else session_label(sessions[i]))
if picked is None:
    session_form(user, None, courses, trainers)
else:
    chosen = sessions[picked]
    st.page_link(SESSION_PAGE, label=_("Open the roster"), icon=":material/groups:",
                 query_params={"id": str(chosen.id)})
    session_moves(user, chosen)
    if can(user, "training.manage") and chosen.state in ("draft", "submitted", "approved"):
        with st.expander(_("Edit session"), expanded=chosen.state == "draft"):
            session_form(user, chosen, courses | {chosen.course_id: courses.get(chosen.course_id, "?")}, trainers)
