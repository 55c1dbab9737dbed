"""What every training function shares: input errors, the clock and months in center time, row locks with
version checks, and who may do what."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Retailer
from db.training_models import SignUp, TrainingSession
from portal.access.auth import CurrentUser, PermissionDenied, can, require
from portal.center.sla import CENTER_TZ, local
from portal.center.workdays import WorkCalendar, load_calendar
from portal.center_time import utcnow  # noqa: F401  (the domain's clock; callers import it from here)
from portal.errors import STALE, InputError, checked_text
from portal.i18n import _
from portal.inputs import DAY_RANGE, day_in_range

MANAGE = "training.manage"
APPROVE = "training.approve"
VIEW = "training.view"
CHECK_IN = "training.check_in"  # sign-in and absentees' calls (a customer manager: their own retailers)
OWN_RETAILERS = "training.own_retailers"  # a customer manager's view of their retailers' sessions


class TrainingInputError(InputError):
    """Bad input for training: `field` names the form field, the message says what to do."""



def month_start(day: date | datetime) -> date:
    """The first day of the month `day` falls in (a datetime counts in center time); a month outside
    portal.inputs.DAY_RANGE is refused (TrainingInputError "month": plans have neighbouring months)."""
    if not day_in_range(day if not isinstance(day, datetime) else day.date()):
        raise TrainingInputError("month", _("Enter a date from {first} to {last}.").format(
            first=DAY_RANGE[0], last=DAY_RANGE[1]))
    if isinstance(day, datetime):
        day = local(day).date()
    return day.replace(day=1)


def next_month(month: date) -> date:
    return (month_start(month).replace(day=28) + timedelta(days=4)).replace(day=1)


def previous_month(month: date) -> date:
    return (month_start(month) - timedelta(days=1)).replace(day=1)


def month_bounds(month: date) -> tuple[datetime, datetime]:
    """[start, end) of a month as center-time moments."""
    first = month_start(month)
    return (datetime.combine(first, time(0), tzinfo=CENTER_TZ),
            datetime.combine(next_month(first), time(0), tzinfo=CENTER_TZ))


def year_bounds(year: int) -> tuple[datetime, datetime]:
    """[start, end) of a calendar year as center-time moments (a year of portal.inputs.DAY_RANGE)."""
    if not isinstance(year, int) or not DAY_RANGE[0].year <= year <= DAY_RANGE[1].year:
        raise TrainingInputError("year", _("Enter a whole number from {low} to {high}.").format(
            low=DAY_RANGE[0].year, high=DAY_RANGE[1].year))
    return (datetime(year, 1, 1, tzinfo=CENTER_TZ), datetime(year + 1, 1, 1, tzinfo=CENTER_TZ))


def end_of_day(day: date) -> datetime:
    """The moment a center-time day ends (a deadline "on" that day)."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=CENTER_TZ)


def work_calendar(session: Session) -> WorkCalendar:
    """The working-day calendar, read once per unit of work."""
    if "work_calendar" not in session.info:
        session.info["work_calendar"] = load_calendar(session)
    return session.info["work_calendar"]


def nth_working_day(calendar: WorkCalendar, month: date, n: int) -> date:
    """The `n`-th working day of `month` (n ≥ 1)."""
    day = calendar.next_working_day(month_start(month))
    return calendar.add_working_days(day, n - 1)


def require_text(field: str, value: str | None, message: str, *, limit: int) -> str:
    """`value` trimmed; refused with `message` ("Field: what to write") when blank, or when longer than `limit`
    characters (portal/errors.py, naming the field as `message` does)."""
    return checked_text(TrainingInputError, field, value, blank=message, limit=limit)


def optional_text(field: str, value: str | None, *, label: str, limit: int) -> str:
    """`value` trimmed ("" when blank); refused when longer than `limit` characters, naming the field by `label`."""
    return checked_text(TrainingInputError, field, value, label=label, limit=limit)


def may_view(actor: CurrentUser | None) -> bool:
    return can(actor, VIEW)


def require_in_care(session: Session, actor: CurrentUser | None, retailer_id: int) -> None:
    """Sign-in and the absentee's call for `retailer_id`: the training staff (training.manage) for any retailer, a
    customer manager (客户经理) only for a retailer they look after (its `manager_id`); PermissionDenied otherwise."""
    if can(actor, MANAGE):
        return
    require(actor, CHECK_IN)
    manager = session.scalar(select(Retailer.manager_id).where(Retailer.id == retailer_id))
    if "customer_manager" not in actor.roles or manager != actor.id:
        raise PermissionDenied(CHECK_IN)


def lock_session(session: Session, session_id: int, version: int | None = None) -> TrainingSession:
    """The training session, row-locked for this transaction (sign-ups queue behind each other here);
    refused when it changed since `version` was read."""
    ts = session.get(TrainingSession, session_id, with_for_update=True, populate_existing=True)
    if ts is None:
        raise TrainingInputError("session", _("That training session does not exist."))
    if version is not None and ts.version != version:
        raise TrainingInputError(STALE, _("Someone else changed session “{title}” after you opened it. Nothing "
                                          "was saved; your input is kept. Reload it, check, and try again.")
                                 .format(title=ts.title))
    return ts


def lock_sign_up(session: Session, sign_up_id: int, version: int | None = None) -> SignUp:
    """A sign-up, row-locked; refused when it changed since `version` was read."""
    su = session.get(SignUp, sign_up_id, with_for_update=True, populate_existing=True)
    if su is None:
        raise TrainingInputError("sign_up", _("That sign-up does not exist."))
    if version is not None and su.version != version:
        raise TrainingInputError(STALE, _("Someone else changed this sign-up after you opened it. Nothing was "
                                          "saved. Reload the list and try again."))
    return su


def lock_session_and_sign_up(session: Session, sign_up_id: int,
                             version: int | None = None) -> tuple[TrainingSession, SignUp]:
    """A sign-up and its session, both row-locked: the session first, as every sign-up move does (no deadlocks)."""
    session_id = session.scalar(select(SignUp.session_id).where(SignUp.id == sign_up_id))
    if session_id is None:
        raise TrainingInputError("sign_up", _("That sign-up does not exist."))
    ts = lock_session(session, session_id)
    return ts, lock_sign_up(session, sign_up_id, version)
