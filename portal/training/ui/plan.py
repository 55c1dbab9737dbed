"""The plan page's pieces: the month's targets, the session form, and the moves a session offers by role."""
from __future__ import annotations

from datetime import datetime, time, timedelta

import streamlit as st

from db.training_models import MAX_CAPACITY, SESSION_FORMATS, TrainingSession
from portal import training as tr
from portal.access.auth import CurrentUser, can
from portal.center.sla import local
from portal.center_time import utcnow
from portal.i18n import _, fmt_date, fmt_datetime
from portal.inputs import DATE_BOUNDS
from portal.training.labels import FORMAT_LABELS, PLAN_TIMING_LABELS
from portal.training.ui.common import at, attempt, today
from portal.ui.forms import edit_form, form_defaults, submit_button
from portal.ui.text import plain

TIMING_ICONS = {"on_time": ":material/check_circle:", "late": ":material/warning:", "overdue": ":material/error:",
                "pending": ":material/hourglass_top:", "no_sessions": ":material/error:"}


def plan_indicators(status: tr.PlanStatus) -> None:
    """At least one session this month; approved within the first 3 working days."""
    left, right = st.columns(2)
    with left.container(border=True):
        st.metric(_("Sessions this month"), status.live_sessions)
        if drafts := status.counts.get("draft", 0):
            st.caption(_("Not counted: {n} drafts not yet submitted.").format(n=drafts))
        if status.has_session:
            st.badge(_("Target met: at least one session"), icon=":material/check:", color="green")
        else:
            st.badge(_("No session yet: plan at least one"), icon=":material/error:", color="red")
    with right.container(border=True):
        st.metric(_("Approval deadline (3rd working day)"), fmt_date(status.approval_deadline))
        color = {"on_time": "green", "pending": "blue"}.get(status.timing, "red")
        st.badge(_(PLAN_TIMING_LABELS[status.timing]), icon=TIMING_ICONS[status.timing], color=color)
        if status.approved_at:
            st.caption(_("Plan approved: {time}").format(time=fmt_datetime(status.approved_at)))


def _values(ts: TrainingSession | None) -> dict:
    if ts is None:
        start = datetime.combine(today() + timedelta(days=7), time(14, 0))
        return {"course": None, "title": "", "day": start.date(), "start": time(14, 0), "end": time(16, 0),
                "place": "", "format": "lecture", "trainer": None, "capacity": 50, "audience": "", "content": "",
                "share_place": False}
    start, end = local(ts.starts_at), local(ts.ends_at)
    return {"course": ts.course_id, "title": ts.title, "day": start.date(), "start": start.time(),
            "end": end.time(), "place": ts.place, "format": ts.format, "trainer": ts.trainer_id,
            "capacity": ts.capacity, "audience": ts.audience, "content": ts.content, "share_place": False}


def session_form(user: CurrentUser, ts: TrainingSession | None, courses: dict[int, str],
                 trainers: dict[int, str]) -> None:
    """Create a session (ts None) or edit one; errors name the field and keep the input."""
    prefix = "session_new_" if ts is None else f"session_{ts.id}_"
    if ts is None:
        form_defaults(prefix, _values(None))
        seen = None
    else:
        seen = edit_form(prefix, ts, _values(ts))
    with st.form(prefix + "form"):
        left, right = st.columns(2)
        course = left.selectbox(_("Course"), list(courses), format_func=courses.get, index=None, key=prefix + "course",
                                placeholder=_("Choose a course"))
        title = right.text_input(_("Session title (default: the course title)"), key=prefix + "title")
        day = left.date_input(_("Date"), key=prefix + "day", **DATE_BOUNDS)
        start, end = right.columns(2)
        start_time = start.time_input(_("Starts"), key=prefix + "start", step=900)
        end_time = end.time_input(_("Ends"), key=prefix + "end", step=900)
        place = left.text_input(_("Place"), key=prefix + "place")
        fmt = right.selectbox(_("Format"), SESSION_FORMATS, format_func=lambda f: _(FORMAT_LABELS[f]),
                              key=prefix + "format")
        trainer = left.selectbox(_("Trainer (in-house)"), list(trainers), format_func=trainers.get, index=None,
                                 key=prefix + "trainer", placeholder=_("Choose a trainer"))
        # no min/max here: the rule refuses 0 or 101 itself, naming the field and the limit in the reader's language
        capacity = right.number_input(_("Capacity"), step=1, key=prefix + "capacity",
                                      help=_("At most {n} attendees per session.").format(n=MAX_CAPACITY))
        audience = st.text_input(_("Audience"), key=prefix + "audience",
                                 help=_("Who should come, e.g. 3-star convenience stores in 城东区."))
        content = st.text_area(_("Content"), key=prefix + "content", height=80)
        share = st.checkbox(_("Both fit in this place"), key=prefix + "share_place",
                            help=_("Tick it when the place is booked by another session at that time and has room "
                                   "for both (e.g. a hall). A trainer is never booked twice."))
        submitted = submit_button(_("Save draft") if ts is None else _("Save changes"), type="primary",
                                  key=prefix + "save")
    if not submitted:
        return
    data = tr.SessionInput(course_id=course, starts_at=at(day, start_time) if day and start_time else None,
                           ends_at=at(day, end_time) if day and end_time else None, place=place, format=fmt,
                           trainer_id=trainer, capacity=capacity, audience=audience, content=content, title=title,
                           share_place=share)
    if ts is None:
        attempt(user, tr.create_session, data=data, prefix=prefix,
                done=lambda new: _("Session “{title}” drafted.").format(title=plain(new.title)))
    else:
        attempt(user, tr.update_session, session_id=ts.id, version=seen.version, data=data, prefix=prefix,
                done=lambda new: _("Moved after its approval: the session waits for the supervisor's approval "
                                   "again; its sign-ups keep their seats and are flagged to be told.")
                if new.state == "submitted" and new.approved_at else
                _("Session saved; anyone already signed up is flagged to be told of a new time or place."))


def session_moves(user: CurrentUser, ts: TrainingSession) -> None:
    """The buttons this session offers the user now (submit, approve, return, hold, cancel)."""
    key = f"session_{ts.id}_"
    manage, approve = can(user, "training.manage"), can(user, "training.approve")
    with st.container(horizontal=True, key=key + "moves"):
        if manage and ts.state == "draft" and st.button(_("Submit for approval"), key=key + "submit",
                                                        icon=":material/send:"):
            attempt(user, tr.submit_session, session_id=ts.id, version=ts.version, done=_("Submitted for approval."))
        if approve and ts.state == "submitted" and st.button(_("Approve"), key=key + "approve", type="primary",
                                                             icon=":material/task_alt:"):
            attempt(user, tr.approve_session, session_id=ts.id, version=ts.version,
                    done=_("Approved: the session takes sign-ups now."))
        started = ts.starts_at <= utcnow()
        if manage and ts.state == "approved" and started and st.button(_("Mark as held"), key=key + "held",
                                                                       icon=":material/event_available:"):
            attempt(user, tr.mark_held, session_id=ts.id, version=ts.version,
                    done=_("Marked as held; retailers not checked in are recorded as absent."))
        if approve and ts.state == "submitted":
            with st.popover(_("Return to draft"), icon=":material/undo:"):
                note = st.text_area(_("What should change?"), key=key + "return_note")
                if st.button(_("Return to draft"), key=key + "return"):
                    attempt(user, tr.return_session, session_id=ts.id, version=ts.version, note=note,
                            done=_("Returned to draft."), prefix=key + "return")
        if manage and ts.state in ("draft", "submitted", "approved"):
            with st.popover(_("Cancel session"), icon=":material/event_busy:"):
                reason = st.text_area(_("Reason for cancelling"), key=key + "cancel_reason")
                if st.button(_("Cancel session"), key=key + "cancel", type="primary"):
                    attempt(user, tr.cancel_session, session_id=ts.id, version=ts.version, reason=reason,
                            done=_("Session cancelled; everyone signed up is on the notification list."),
                            prefix=key + "cancel")
    if ts.state == "submitted" and ts.approved_at:
        st.info(_("Approved {time}, then moved to another time or place: it waits for the supervisor's approval "
                  "again.").format(
            time=fmt_datetime(ts.approved_at)), icon=":material/event_repeat:")
    if ts.return_note and ts.state == "draft":
        st.warning(_("Returned by the supervisor: {note}").format(note=plain(ts.return_note)))
