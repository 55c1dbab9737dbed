"""The monthly reports the center hands in, one per area, and who may read each."""
from __future__ import annotations

import importlib
from datetime import date

from sqlalchemy.orm import Session

from portal.access.auth import CurrentUser, can, require
from portal.dashboards.period import center_today, previous_month
from portal.dashboards.report import MonthlyReport
from portal.i18n import N_

# area -> (report title, permission); each area's module `portal.<area>.monthly` has `monthly_report`
AREAS: dict[str, tuple[str, str]] = {
    "complaints": (N_("Complaint analysis"), "complaints.view"),
    "training": (N_("Training summary"), "training.view"),
    "incidents": (N_("Incident summary"), "incidents.view"),
}


def report_areas(actor: CurrentUser) -> list[str]:
    """The areas whose report `actor` may read, in a fixed order."""
    return [area for area, (_title, permission) in AREAS.items() if can(actor, permission)]


def report_months(today: date | None = None, count: int = 24) -> list[date]:
    """The first days of the last `count` months, newest first, starting with the current month."""
    month = (today or center_today()).replace(day=1)
    months = [month]
    while len(months) < count:
        months.append(previous_month(months[-1]))
    return months


def monthly_report(session: Session, *, actor: CurrentUser, area: str, month: date) -> MonthlyReport:
    """The report of `area` for the month `month` falls in (its module checks the permission again)."""
    if area not in AREAS:
        raise ValueError(f"unknown report area {area!r}")
    require(actor, AREAS[area][1])
    module = importlib.import_module(f"portal.{area}.monthly")
    return module.monthly_report(session, actor=actor, month=month.replace(day=1))
