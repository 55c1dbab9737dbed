"""Days and periods named relative to today, in the center's time zone (PORTAL_TIMEZONE), whatever the server's.

A saved view such as "dissatisfied this month" or "due in the next 3 days" stays right every day: filters keep the
name ("month_start", "this_month", "next_3"), and it is turned into days when the view is read.

- a day (operators is / before / after / between): "today", "yesterday", "week_start", "month_start",
  "last_month_start", "year_start", or "today-N" / "today+N" (N days before / after today);
- a period (operator "is within"): "today", "yesterday", "this_week", "last_week", "this_month", "last_month",
  "this_year", "past_N" (the N days ending today, today included) and "next_N" (the N days starting today).
  Weeks start on Monday.
"""
from __future__ import annotations

import re
from datetime import date, timedelta

from portal.center_time import today as center_today
from portal.i18n import N_, _

RELATIVE_DAYS = {"today": N_("today"), "yesterday": N_("yesterday"), "week_start": N_("start of this week"),
                 "month_start": N_("start of this month"), "last_month_start": N_("start of last month"),
                 "year_start": N_("start of this year")}
PERIODS = {"today": N_("today"), "yesterday": N_("yesterday"), "this_week": N_("this week"),
           "last_week": N_("last week"), "this_month": N_("this month"), "last_month": N_("last month"),
           "this_year": N_("this year"), "past": N_("the past {n} days"), "next": N_("the next {n} days")}
COUNTED = ("past", "next")  # periods of N days (the filter screen asks for N)
MAX_DAYS = 3660  # N of "past N days" / "today-N": about ten years
_SHIFTED = re.compile(r"today([+-])(\d{1,4})")
_COUNTED = re.compile(r"(past|next)_(\d{1,4})")


def relative_day(token: str, today: date | None = None) -> date | None:
    """The day `token` means (today: the center's date); None for anything else."""
    today = today or center_today()
    named = {"today": today, "yesterday": today - timedelta(days=1),
             "week_start": today - timedelta(days=today.weekday()), "month_start": today.replace(day=1),
             "last_month_start": (today.replace(day=1) - timedelta(days=1)).replace(day=1),
             "year_start": today.replace(month=1, day=1)}
    if token in named:
        return named[token]
    shifted = _SHIFTED.fullmatch(token)
    if shifted and int(shifted[2]) <= MAX_DAYS:
        return today + timedelta(days=int(shifted[2]) * (1 if shifted[1] == "+" else -1))
    return None


def is_relative(token: str) -> bool:
    """Whether `token` names a day relative to today (rather than a date)."""
    return relative_day(token, date(2000, 1, 1)) is not None


def _month_end(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def period_days(token: str, today: date | None = None) -> tuple[date, date] | None:
    """The first and last day of period `token` (today: the center's date); None for anything else."""
    today = today or center_today()
    monday = today - timedelta(days=today.weekday())
    first_of_month = today.replace(day=1)
    last_month_end = first_of_month - timedelta(days=1)
    named = {"today": (today, today), "yesterday": (today - timedelta(days=1),) * 2,
             "this_week": (monday, monday + timedelta(days=6)),
             "last_week": (monday - timedelta(days=7), monday - timedelta(days=1)),
             "this_month": (first_of_month, _month_end(today)),
             "last_month": (last_month_end.replace(day=1), last_month_end),
             "this_year": (today.replace(month=1, day=1), today.replace(month=12, day=31))}
    if token in named:
        return named[token]
    counted = _COUNTED.fullmatch(token)
    if counted and 1 <= int(counted[2]) <= MAX_DAYS:
        span = timedelta(days=int(counted[2]) - 1)
        return (today - span, today) if counted[1] == "past" else (today, today + span)
    return None


def period_token(kind: str, n: int | None = None) -> str:
    """The token of a period chosen on the filter screen ("past" with n=7: "past_7")."""
    return f"{kind}_{n}" if kind in COUNTED else kind


def period_text(token: str) -> str:
    """A period or relative day as people read it, in their language ("the past 7 days", "start of this month")."""
    counted = _COUNTED.fullmatch(token)
    if counted:
        return _(PERIODS[counted[1]]).format(n=int(counted[2]))
    if token in PERIODS:
        return _(PERIODS[token])
    if token in RELATIVE_DAYS:
        return _(RELATIVE_DAYS[token])
    shifted = _SHIFTED.fullmatch(token)
    if shifted:
        n = int(shifted[2])
        return (_("{n} days ago") if shifted[1] == "-" else _("in {n} days")).format(n=n)
    return token
