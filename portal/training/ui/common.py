"""Streamlit pieces the training pages share: month and session pickers (kept in the URL), one-call actions
with their error display, and labels."""
from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any

import streamlit as st

from db.engine import unit_of_work
from db.training_models import TrainingSession
from portal.access.auth import CurrentUser
from portal.center_time import CENTER_TZ, local, today
from portal.center_time import now as center_now
from portal.i18n import _, fmt_datetime
from portal.inputs import int_param, parse_month
from portal.training import list_sessions, month_start
from portal.training.labels import SESSION_STATE_LABELS
from portal.training.rules import next_month, previous_month
from portal.ui.forms import REFUSED, saved, show_input_error

SESSION_PAGE = "pages/training_session.py"


def at(day: date, moment: time) -> datetime:
    """A center-time moment from a date and a time picked on a form."""
    return datetime.combine(day, moment, tzinfo=CENTER_TZ)


def month_label(month: date) -> str:
    return f"{month.year}-{month.month:02d}"


def _parse_month(text: str) -> date | None:
    """`2026-03` as the first day of that month; None when it is not a month (or beyond portal.inputs.DAY_RANGE)."""
    return parse_month(text)


def _month_changed(key: str) -> None:
    st.query_params["month"] = month_label(st.session_state[key])


def month_picker(key: str, *, default: date | None = None, back: int = 6, ahead: int = 3) -> date:
    """A month select kept in the URL (`?month=2026-12`), so a month's view is a link."""
    current = month_start(default or today())
    months = [current]
    for _step in range(back):
        months.insert(0, previous_month(months[0]))
    for _step in range(ahead):
        months.append(next_month(months[-1]))
    wanted = st.query_params.get("month", "")
    linked = _parse_month(wanted)
    if linked is not None and linked not in months:  # a link from further back or ahead (e.g. a dashboard)
        months = sorted([*months, linked])
    chosen = linked if linked is not None else current
    if st.session_state.get(key) not in months or wanted:
        st.session_state[key] = chosen
    return st.selectbox(_("Month"), months, format_func=month_label, key=key, on_change=_month_changed, args=(key,),
                        width=200)


def session_label(ts: TrainingSession) -> str:
    return f"{fmt_datetime(local(ts.starts_at))} · {ts.title} · {_(SESSION_STATE_LABELS[ts.state])}"


def session_changed(key: str) -> None:
    """A session picker's `on_change`: the picked session goes into the address (`?session=`), which the next run
    reads first, so the page is a link to it."""
    st.query_params["session"] = str(st.session_state[key])


def pick_session(user: CurrentUser, *, key: str, states: tuple[str, ...], days_back: int = 45,
                 days_ahead: int = 60) -> TrainingSession | None:
    """A session select (today's first), kept in the URL as `?session=`; None when there is none to pick."""
    now = center_now()
    with unit_of_work(user.id) as s:
        sessions = {ts.id: ts for ts in list_sessions(s, actor=user, start=now - timedelta(days=days_back),
                                                      end=now + timedelta(days=days_ahead), states=states)}
    if not sessions:
        st.info(_("There are no sessions to choose from (approved or held, from six weeks ago to two months "
                  "ahead)."))
        return None
    wanted = int_param(st.query_params, "session")
    if wanted in sessions:
        st.session_state[key] = wanted
    elif st.session_state.get(key) not in sessions:
        todays = [i for i, ts in sessions.items() if local(ts.starts_at).date() == now.date()]
        st.session_state[key] = (todays or [min(sessions, key=lambda i: abs(sessions[i].starts_at - now))])[0]
    picked = st.selectbox(_("Session"), list(sessions), format_func=lambda i: session_label(sessions[i]), key=key,
                          on_change=session_changed, args=(key,))
    return sessions[picked]


def attempt(user: CurrentUser, fn: Callable[..., Any], *, done: str | Callable[[Any], str], prefix: str = "",
            **kw: Any) -> None:
    """Run a training function in one unit of work; on success forget the form, say `done` and redraw,
    on bad input show what was wrong (the input stays)."""
    try:
        with unit_of_work(user.id) as s:
            result = fn(s, actor=user, **kw)
    except REFUSED as exc:
        show_input_error(exc, prefix or "training")
        return
    saved(done(result) if callable(done) else done, prefix or "training_done_")


_coverage_kept: dict[tuple, tuple[int, Any, datetime]] = {}  # (database, *what) -> (counter, value, when)


def while_unchanged(user: CurrentUser, what: tuple, count: Callable[[], Any]) -> tuple[Any, datetime]:
    """`count()` (a coverage figure: a scan of every active retailer, over a tenth of a second at 200,000) and when
    it was counted. This process keeps the last count of each `what` and shows it again while the database's coverage
    change counter (migration 0011) has not moved: a check-in, sign-up or retailer change made anywhere, by any
    process, is counted on the next run. The permission is checked per reader, as the count is shared."""
    from portal.access.auth import require
    from portal.training.reports import coverage_changes, settled_coverage_changes
    from portal.training.rules import VIEW

    require(user, VIEW)
    with unit_of_work(user.id) as s:  # a short transaction of its own: writers wait while it holds the lock
        key = (str(s.get_bind().url), *what)  # each database has its own counter
        kept = _coverage_kept.get(key)
        if kept is not None and coverage_changes(s) == kept[0]:
            return kept[1], kept[2]
        settled = settled_coverage_changes(s)
    value, counted_at = count(), center_now()
    if settled is not None:  # else a write was on its way to commit: count again next time
        if len(_coverage_kept) >= 16:
            _coverage_kept.clear()
        _coverage_kept[key] = (settled, value, counted_at)
    return value, counted_at


def cached_coverage(user: CurrentUser, year: int) -> tuple[Any, datetime]:
    """The year's coverage report and when it was counted (kept while nothing it reads has changed)."""
    from portal.training import coverage_report

    def count() -> Any:
        with unit_of_work(user.id) as s:
            return coverage_report(s, actor=user, year=year)

    return while_unchanged(user, ("coverage", year), count)


def forget_coverage() -> None:
    """Count again on the next run (the "Count again" button; the bench's "counted afresh")."""
    _coverage_kept.clear()
