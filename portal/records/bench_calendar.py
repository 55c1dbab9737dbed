"""The calendar layout in `python -m portal bench --only records` (listed in RECORD_BENCHES): a month of training
sessions on the training plan and a month of complaints by due time, each one script run of the real page through
AppTest, signed in as the bench supervisor (who sees every row)."""
from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import func, select

from db.engine import unit_of_work
from db.training_models import TrainingSession
from portal.center_time import CENTER_TZ, today


def _run(at: Any) -> Any:
    result = at.run()
    if result.exception:
        raise SystemExit(f"A calendar page failed: {result.exception[0].value}")
    return result


def _open(at: Any, page: str, **params: str) -> None:
    at.switch_page(page)
    at.query_params.clear()
    at.query_params.update(params)
    _run(at)


def busiest_session_month() -> date:
    """The month with the most training sessions (this month when there are none): the heaviest calendar month."""
    month = func.date_trunc("month", func.timezone(CENTER_TZ.key, TrainingSession.starts_at))
    with unit_of_work() as s:
        busiest = s.scalar(select(month).group_by(month).order_by(func.count().desc(), month.desc()).limit(1))
    return busiest.date() if busiest is not None else today().replace(day=1)


def calendar_interactions(at: Any, repeat: int, time: Callable) -> dict[str, list[float]]:
    """A calendar month of training sessions (the busiest month, beside the same plan page as a grid: the plan's
    indicators and session form cost the same either way) and a month and a week of complaints by due time."""
    results = {}
    month = busiest_session_month()
    _open(at, "pages/training_plan.py", month=f"{month:%Y-%m}")  # the plan page itself (its grid), for comparison
    results[f"training plan {month:%Y-%m} as a grid (the page's own cost)"] = time(repeat, lambda i: _run(at))
    _open(at, "pages/training_plan.py", month=f"{month:%Y-%m}", **{"as": "calendar"})
    results[f"calendar: training sessions, month {month:%Y-%m}"] = time(repeat, lambda i: _run(at))
    _open(at, "pages/complaints.py", **{"as": "calendar"})
    results["calendar: complaints by due time, this month"] = time(repeat, lambda i: _run(at))
    _open(at, "pages/complaints.py", cal="week", **{"as": "calendar"})
    results["calendar: complaints by due time, this week"] = time(repeat, lambda i: _run(at))
    return results
