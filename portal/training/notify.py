"""The training rules of the notifications worker (portal/notifications/rules.py finds `RULES` here), to staff:
needs not submitted by the 25th (again on the 28th), the month's plan not approved in its first 3 working days, the
trainer's reminder the day before a session, a retailer promoted from a waiting list, absentees to call the next
working day, the monthly summary due on the first working day. The retailers themselves are told through the
gateway, when one is set up (`queue_retailer_message`: a text message in the installation's language, read back as
"sent" on the session's roster): the day before their session, and when they move up from a waiting list.

The clock rules speak from the start of the center's working day (`WORKDAY_STARTS`) on the day they are about (center
time, the working-day calendar of `ctx.calendar`); each notice's occasion names the month, day or session time it is
about, so a scan run every minute tells each person once, and a worker that was down catches up within the window.
"""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import Retailer, User
from db.notification_models import Delivery
from db.training_models import SignUp, TrainingSession
from portal.access.auth import PERMISSIONS, SYSTEM
from portal.center_time import CENTER_TZ, WORKDAY_STARTS, local
from portal.config import get_settings
from portal.i18n import N_
from portal.notifications.audiences import active, with_role
from portal.notifications.channels.delivery import queue_retailer_message
from portal.notifications.rules import Notice, Rule, RuleContext
from portal.training.needs import DEADLINE_DAY, needs_deadline, needs_status
from portal.training.notify_plan import RULE as SESSION_MOVED
from portal.training.plan import APPROVAL_WORKING_DAYS, plan_status
from portal.training.reports import summary_due_date
from portal.training.rules import MANAGE, end_of_day, next_month, nth_working_day, previous_month
from portal.training.signups import CONFIRM_RULE, CONFIRM_WITHIN
from portal.training.waiting_list import release_unconfirmed

NEEDS_REMINDER_DAYS = (25, DEADLINE_DAY)  # "by the 25th", "again on the 28th" (the deadline)
ABSENTEE_LOOKBACK = timedelta(days=14)  # sessions this recent still get their absentees' reminder
SESSION_LEAD = timedelta(days=1)  # the trainer's reminder: the morning of the day before
NEEDS_PAGE, PLAN_PAGE, SESSION_PAGE = "pages/training_needs.py", "pages/training_plan.py", "pages/training_session.py"
SESSIONS = "training_sessions"  # the retailers' messages are about their session: its roster shows them
RETAILER_REMINDER = N_("Reminder from the service center: your training “{title}” is at {start}, {place}.")
RETAILER_PROMOTED = N_("Good news from the service center: a seat is free for you at the training “{title}” at "
                       "{start}, {place}. You are signed up.")
RETAILER_PROMOTED_CONFIRM = N_("Good news from the service center: a seat is free for you at the training “{title}” at "
                               "{start}, {place}. Please call us by {deadline} to confirm it, or it goes to the next "
                               "retailer waiting.")
RETAILER_RELEASED = N_("From the service center: your seat at the training “{title}” at {start} was not confirmed by "
                       "{deadline} and went to the next retailer waiting. Call us to sign up again.")


def morning(day: date) -> datetime:
    """The moment a center day's reminders begin."""
    return datetime.combine(day, WORKDAY_STARTS, tzinfo=CENTER_TZ)


def shown(moment: datetime) -> str:
    """A moment as a notice shows it (center time, the same in every language)."""
    return local(moment).strftime("%Y-%m-%d %H:%M")


def session_link(session_id: int) -> str:
    return f"{SESSION_PAGE}?id={int(session_id)}"


def _coordinators(session: Session) -> list[int]:
    return with_role(session, "training_coordinator")


def needs_not_submitted(session: Session, ctx: RuleContext) -> list[Notice]:
    """From the 25th (again from the 28th, the deadline) until the 28th ends: next month's needs that a department
    has not submitted -> its people who may submit them (training.manage roles); the training coordinators get the
    count of such departments (when chosen, or for a department with nobody who may submit)."""
    today = local(ctx.now).date()
    due = [d for d in NEEDS_REMINDER_DAYS if morning(today.replace(day=d)) <= ctx.now]
    if not due or today.day > DEADLINE_DAY:
        return []
    month = next_month(today.replace(day=1))
    status = needs_status(session, actor=SYSTEM, month=month, now=ctx.now)
    ctx.rows_read += len(status.departments) + sum(d.needs for d in status.departments)
    owing = [d.department_id for d in status.missing]
    if not owing:
        return []
    occasion = f"needs:{month:%Y-%m}:{due[-1]}th"
    params = {"month": f"{month:%Y-%m}", "day": needs_deadline(month).isoformat()}
    notices, told = [], set()
    if "departments_owing" in ctx.audiences:
        rows = session.execute(select(User.id, User.department_id).where(
            User.active, User.department_id.in_(owing), User.roles.overlap(sorted(PERMISSIONS[MANAGE])))
            .order_by(User.id)).all()
        ctx.rows_read += len(rows)
        for user, department in rows:
            told.add(department)
            notices.append(Notice(user, "training_needs_due", "departments", str(department), occasion,
                                  N_("Your department's training needs for {month} are not submitted yet: they "
                                     "are due {day}."), params, NEEDS_PAGE))
    if "training_coordinators" in ctx.audiences or set(owing) - told:
        for user in _coordinators(session):
            notices.append(Notice(user, "training_needs_due", "training_needs", f"{month:%Y-%m}", occasion,
                                  N_("Departments that have not submitted their training needs for {month}: {n}. "
                                     "They are due {day}."), params | {"n": len(owing)}, NEEDS_PAGE))
    return notices


def plan_not_approved(session: Session, ctx: RuleContext) -> list[Notice]:
    """On each of the month's first 3 working days, from the morning: the month's plan has sessions not approved
    yet -> the supervisors (who approve it). A month without sessions has nothing to approve."""
    today = local(ctx.now).date()
    if not ctx.calendar.is_working_day(today) or ctx.now < morning(today):
        return []
    month = today.replace(day=1)
    deadline = nth_working_day(ctx.calendar, month, APPROVAL_WORKING_DAYS)
    if today > deadline:
        return []
    status = plan_status(session, actor=SYSTEM, month=month, now=ctx.now)
    ctx.rows_read += sum(status.counts.values())
    if status.timing not in ("pending", "overdue"):
        return []
    people = with_role(session, "supervisor") if "supervisors" in ctx.audiences else []
    return [Notice(user, "training_plan_unapproved", "training_plans", f"{month:%Y-%m}", f"plan:{today}",
                   N_("The training plan for {month} is not approved yet: approval is due by {day}."),
                   {"month": f"{month:%Y-%m}", "day": deadline.isoformat()}, PLAN_PAGE) for user in people]


def reminder_key(session_id: int, starts_at: datetime) -> str:
    """A retailer's reminder's occasion: the session and its start (a moved session reminds again)."""
    return f"session:{int(session_id)}:reminder:{starts_at.astimezone(UTC):%Y-%m-%dT%H:%MZ}"


def _reminder_key_sql():
    """`reminder_key`, as the full delivery key ("retailer:<id>:" + it) in SQL, to leave out those queued."""
    return func.concat("retailer:", SignUp.retailer_id, ":session:", SignUp.session_id, ":reminder:",
                       func.to_char(func.timezone("UTC", TrainingSession.starts_at), 'YYYY-MM-DD"T"HH24:MI"Z"'))


def _remind_retailers(session: Session, ctx: RuleContext, sessions: list) -> None:
    """A text message to each retailer with a seat (not waiting, not cancelled) at `sessions`, once per session and
    start: those queued already are left out in the query (the deliveries' unique key), so a scan run every minute
    reads them once."""
    if not sessions:
        return
    by_id = {r.id: r for r in sessions}
    rows = session.execute(
        select(SignUp.retailer_id, SignUp.session_id)
        .join(TrainingSession, TrainingSession.id == SignUp.session_id)
        .join(Retailer, Retailer.id == SignUp.retailer_id)
        .where(SignUp.session_id.in_(list(by_id)), SignUp.state == "signed_up",
               func.btrim(func.coalesce(Retailer.phone, "")) != "",
               ~select(Delivery.id).where(Delivery.key == _reminder_key_sql()).exists())
        .order_by(SignUp.session_id, SignUp.id)).all()
    ctx.rows_read += len(rows)
    for retailer_id, session_id in rows:
        r = by_id[session_id]
        queue_retailer_message(session, retailer_id=retailer_id, key=reminder_key(r.id, r.starts_at),
                               msgid=RETAILER_REMINDER,
                               params={"title": r.title, "start": shown(r.starts_at), "place": r.place},
                               about_table=SESSIONS, about_id=r.id)


def session_reminder(session: Session, ctx: RuleContext) -> list[Notice]:
    """An approved session whose day's morning is at most the lead away (as built: the morning of the day before)
    -> its trainer, and each retailer with a seat by text message (through the gateway, when one is set up). A moved
    session is another occasion: reminded again."""
    to_retailers = "signed_up_retailers" in ctx.audiences and bool(get_settings().gateway_url)
    if "trainer" not in ctx.audiences and not to_retailers:
        return []
    lead = ctx.lead if ctx.lead is not None else SESSION_LEAD
    reach = local(ctx.now + lead)
    last_day = reach.date() - timedelta(days=1 if reach.time() < WORKDAY_STARTS else 0)
    rows = session.execute(select(TrainingSession.id, TrainingSession.title, TrainingSession.starts_at,
                                  TrainingSession.place, TrainingSession.trainer_id)
                           .where(TrainingSession.state == "approved", TrainingSession.starts_at > ctx.now,
                                  TrainingSession.starts_at < end_of_day(last_day))).all()
    ctx.rows_read += len(rows)
    if to_retailers:
        _remind_retailers(session, ctx, rows)
    if "trainer" not in ctx.audiences:
        return []
    trainers = set(active(session, [r.trainer_id for r in rows]))
    return [Notice(r.trainer_id, "training_session_reminder", SESSIONS, str(r.id),
                   f"reminder:{r.starts_at.astimezone(CENTER_TZ).isoformat(timespec='minutes')}",
                   N_("Reminder: you train “{title}” at {start}, {place}."),
                   {"title": r.title, "start": shown(r.starts_at), "place": r.place}, session_link(r.id))
            for r in rows if r.trainer_id in trainers]


def promoted_from_waiting_list(session: Session, event: dict, ctx: RuleContext) -> list[Notice]:
    """A sign-up moved up from the waiting list (its `promoted_at` set) -> the retailer by text message (through the
    gateway, when one is set up, while the seat is still theirs), and the training coordinators: a to-do (tell the
    retailer) when no message went, else news that it did. Whoever freed the seat is told too."""
    promoted = [c["record"] for c in event["changes"] if (c["table"], c["field"]) == ("training_sign_ups",
                                                                                       "promoted_at")
                and c["new"] is not None and c["old"] is None]
    if not promoted or not {"promoted_retailer", "training_coordinators"} & ctx.audiences:
        return []
    rows = session.execute(select(SignUp.id, SignUp.session_id, SignUp.retailer_id, SignUp.state, SignUp.confirm_by,
                                  Retailer.shop_name, TrainingSession.title, TrainingSession.starts_at,
                                  TrainingSession.place)
                           .join(Retailer, Retailer.id == SignUp.retailer_id)
                           .join(TrainingSession, TrainingSession.id == SignUp.session_id)
                           .where(SignUp.id.in_([int(p) for p in promoted])).order_by(SignUp.id)).all()
    texted = set()
    if "promoted_retailer" in ctx.audiences:
        texted = {r.id for r in rows if r.state == "signed_up" and queue_retailer_message(
            session, retailer_id=r.retailer_id, key=f"session:{r.session_id}:promoted:{r.id}",
            msgid=RETAILER_PROMOTED if r.confirm_by is None else RETAILER_PROMOTED_CONFIRM,
            params={"title": r.title, "start": shown(r.starts_at), "place": r.place}
            | ({} if r.confirm_by is None else {"deadline": shown(r.confirm_by)}),
            about_table=SESSIONS, about_id=r.session_id) is not None}
    if "training_coordinators" not in ctx.audiences:
        return []
    people = _coordinators(session)
    return [Notice(user, "training_promoted", "training_sign_ups", str(r.id), event["event"],
                   N_("{shop} moved up from the waiting list of “{title}” ({start}): a text message tells them they "
                      "have a seat.") if r.id in texted else
                   N_("{shop} moved up from the waiting list of “{title}” ({start}): tell the retailer they have a "
                      "seat."), {"shop": r.shop_name, "title": r.title, "start": shown(r.starts_at)},
                   session_link(r.session_id)) for r in rows for user in people]


def seats_not_confirmed(session: Session, ctx: RuleContext) -> list[Notice]:
    """A seat given from the waiting list and not confirmed by its deadline (the rule's lead time, set when the seat
    was given) -> released to the next one waiting (who is told by `promoted_from_waiting_list`, an event); the
    retailer who lost it by text message (through the gateway, when one is set up), the training coordinators."""
    releases = release_unconfirmed(session, ctx.now)
    ctx.rows_read += len(releases)
    if not releases:
        return []
    sessions = {r.id: r for r in session.execute(
        select(TrainingSession.id, TrainingSession.title, TrainingSession.starts_at)
        .where(TrainingSession.id.in_({r.session_id for r in releases})))}
    deadlines = dict(session.execute(select(SignUp.id, SignUp.confirm_by)
                                     .where(SignUp.id.in_([r.released for r in releases]))).all())
    for r in releases if "promoted_retailer" in ctx.audiences else ():
        ts = sessions[r.session_id]
        queue_retailer_message(session, retailer_id=r.retailer_id, key=f"session:{ts.id}:released:{r.released}",
                               msgid=RETAILER_RELEASED, params={"title": ts.title, "start": shown(ts.starts_at),
                                                                "deadline": shown(deadlines[r.released])},
                               about_table=SESSIONS, about_id=ts.id)
    people = _coordinators(session) if "training_coordinators" in ctx.audiences else []
    return [Notice(user, CONFIRM_RULE, "training_sign_ups", str(r.released), "released",
                   N_("{shop} did not confirm the seat at “{title}” ({start}) by {deadline}: it went to the next one "
                      "waiting ({n} moved up)."),
                   {"shop": r.shop_name, "title": sessions[r.session_id].title,
                    "start": shown(sessions[r.session_id].starts_at), "deadline": shown(deadlines[r.released]),
                    "n": len(r.promoted)}, session_link(r.session_id)) for r in releases for user in people]


def absentees_to_call(session: Session, ctx: RuleContext) -> list[Notice]:
    """On a working day, from the morning: sessions of the days before (back to the last working day and the days
    off since, and up to ABSENTEE_LOOKBACK for a late roll call) with absentees not called yet -> the training
    coordinators, once per session."""
    today = local(ctx.now).date()
    if not ctx.calendar.is_working_day(today) or ctx.now < morning(today) or \
            "training_coordinators" not in ctx.audiences:
        return []
    midnight = datetime.combine(today, time(0), tzinfo=CENTER_TZ)
    sessions = {r.id: r for r in session.execute(
        select(TrainingSession.id, TrainingSession.title, TrainingSession.starts_at)
        .where(TrainingSession.state.in_(("approved", "held")),
               TrainingSession.starts_at >= midnight - ABSENTEE_LOOKBACK, TrainingSession.starts_at < midnight))}
    ctx.rows_read += len(sessions)
    if not sessions:
        return []
    uncalled = SignUp.attended.is_(False) & SignUp.follow_up_at.is_(None) & SignUp.excused.is_(False)
    seated = session.execute(select(SignUp.session_id, func.count(), func.count().filter(uncalled))
                             .where(SignUp.session_id.in_(list(sessions)), SignUp.state == "signed_up")
                             .group_by(SignUp.session_id).order_by(SignUp.session_id)).all()
    ctx.rows_read += sum(n for _sid, n, _uncalled in seated)
    waiting = [(sid, n) for sid, _seated, n in seated if n]
    people = _coordinators(session) if waiting else []
    return [Notice(user, "training_absentees", "training_sessions", str(sid), "absentees",
                   N_("“{title}” ({start}): {n} absentees to call and ask why they did not come."),
                   {"title": sessions[sid].title, "start": shown(sessions[sid].starts_at), "n": n}, session_link(sid))
            for sid, n in waiting for user in people]


def summary_due(session: Session, ctx: RuleContext) -> list[Notice]:
    """On the first working day of a month, from the morning: last month's training summary is due -> the training
    coordinators."""
    today = local(ctx.now).date()
    last_month = previous_month(today.replace(day=1))
    if ctx.now < morning(today) or summary_due_date(session, last_month) != today or \
            "training_coordinators" not in ctx.audiences:
        return []
    return [Notice(user, "training_summary_due", "training_summaries", f"{last_month:%Y-%m}", "due",
                   N_("The training summary for {month} is due today."), {"month": f"{last_month:%Y-%m}"}, PLAN_PAGE)
            for user in _coordinators(session)]


RULES = (
    Rule("training_needs_due", "training",
         N_("Training needs not submitted by the 25th (again on the 28th): tell the departments that owe them"),
         audiences=("departments_owing", "training_coordinators"), default=("departments_owing",),
         scan=needs_not_submitted),
    Rule("training_plan_unapproved", "training",
         N_("Month's training plan not approved: tell the supervisors each working day until working day 3"),
         audiences=("supervisors",), default=("supervisors",), scan=plan_not_approved),
    SESSION_MOVED,
    Rule("training_session_reminder", "training",
         N_("Training session coming: remind its trainer and the retailers with a seat (lead time: before the "
            "session day's morning)"),
         audiences=("trainer", "signed_up_retailers"), default=("trainer", "signed_up_retailers"),
         scan=session_reminder, lead=SESSION_LEAD),
    Rule("training_promoted", "training",
         N_("Retailer moved up from a waiting list: tell the retailer and the training coordinators"),
         audiences=("promoted_retailer", "training_coordinators"),
         default=("promoted_retailer", "training_coordinators"), on_event=promoted_from_waiting_list),
    Rule(CONFIRM_RULE, "training",
         N_("Seat from a waiting list not confirmed by the retailer in time (lead time: the time to confirm): give it "
            "to the next one waiting, tell the retailer and the training coordinators"),
         audiences=("promoted_retailer", "training_coordinators"),
         default=("promoted_retailer", "training_coordinators"), scan=seats_not_confirmed, lead=CONFIRM_WITHIN),
    Rule("training_absentees", "training",
         N_("Absentees to call: tell the training coordinators the next working day"),
         audiences=("training_coordinators",), default=("training_coordinators",), scan=absentees_to_call),
    Rule("training_summary_due", "training",
         N_("Monthly training summary due on the first working day: tell the training coordinators"),
         audiences=("training_coordinators",), default=("training_coordinators",), scan=summary_due),
)
