"""`python -m portal bench`, dashboards part: each dashboard page through AppTest (default year; one month; one
department), and the monthly reports page, beside the empty-page floor (see portal/tools/bench.py).

Target: ≤ 500 ms median server time per dashboard page at province scale (1,000,000 complaints)."""
from __future__ import annotations

from collections.abc import Callable
from datetime import date

from sqlalchemy import select

from db.engine import unit_of_work
from db.models import Department
from portal.dashboards.period import center_today, default_filter, month_filter, previous_month
from portal.tools.page_driver import PageDriver

# the tabs after the first over the default year, each computed only when open (the first is what "12 months" times)
SECTIONS = {"complaints": (("service", "service levels"), ("backlog", "backlog, causes"))}
DASHBOARDS = (("complaints", "pages/dashboard_complaints.py"), ("training", "pages/dashboard_training.py"),
              ("incidents", "pages/dashboard_incidents.py"))


def _months(count: int = 6) -> list[tuple[date, date]]:
    month, out = center_today().replace(day=1), []
    for _n in range(count):
        month = previous_month(month)
        flt = month_filter(month)
        out.append((flt.start, flt.end))
    return out


def _department_codes() -> list[str]:
    with unit_of_work() as s:
        return list(s.scalars(select(Department.code).where(Department.active).order_by(Department.id)))


def dashboard_interactions(at, runs: int, time_runs: Callable[[int, Callable[[int], object]], list[float]]
                           ) -> dict[str, list[float]]:
    """Each dashboard's interactions, timed `runs` times on `at` (signed in as the bench supervisor)."""
    driver = PageDriver(at, "dashboard")
    checked = driver.checked
    months, codes, year = _months(), _department_codes(), default_filter()
    results: dict[str, list[float]] = {}
    for area, page in DASHBOARDS:
        driver.go(page)
        results[f"{area} dashboard: 12 months"] = time_runs(runs, lambda i: driver.run())
        for section, name in SECTIONS.get(area, ()):
            driver.go(page, section=section)
            results[f"{area} dashboard: {name}"] = time_runs(runs, lambda i: driver.run())
            driver.go(page)
        results[f"{area} dashboard: one month"] = time_runs(runs, lambda i: checked(
            at.date_input(key="period").set_value(months[i % len(months)]).run()))
        if codes and any(box.key == "dash_dept" for box in at.selectbox):
            results[f"{area} dashboard: department"] = time_runs(runs, lambda i: checked(
                at.selectbox(key="dash_dept").set_value(codes[i % len(codes)]).run()))
            checked(at.selectbox(key="dash_dept").set_value(None).run())
        checked(at.date_input(key="period").set_value((year.start, year.end)).run())
    driver.go("pages/reports.py")
    results["monthly report (complaints)"] = time_runs(runs, lambda i: driver.run())
    return results
