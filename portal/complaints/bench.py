"""`python -m portal bench`, complaints part: My work, the supervisor grid (default; filtered by state + department
+ date range; sorted by due time; text search in descriptions) and a complaint page, each one script run of the
real app through AppTest, beside the empty-page floor (see portal/tools/bench.py).

The bench supervisor works in customer service, so My work holds that department's open cases."""
from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import func, select

from db.complaint_models import Complaint
from db.engine import unit_of_work
from db.models import Department, User
from portal.center.sla import local
from portal.complaints.rules import utcnow
from portal.tools.page_driver import PageDriver

SEARCHES = ("淋湿", "断货", "不耐烦", "重复扣款", "订单号12", "紧俏品牌", "线路07", "防伪标识")
GRID = "pages/complaints.py"


def prepare_bench_user(login: str) -> None:
    """Put the bench supervisor in customer service (My work then lists that department's open complaints)."""
    with unit_of_work() as s:
        user = s.scalar(select(User).where(User.login == login))
        user.department_id = s.scalar(select(Department.id).where(Department.code == "customer_service"))


def complaint_count() -> int:
    with unit_of_work() as s:
        return s.scalar(select(func.count()).select_from(Complaint)) or 0


def _sample_ids(n: int = 20) -> list[int]:
    """Complaints spread over the table (open and closed), for the complaint page."""
    with unit_of_work() as s:
        top = s.scalar(select(func.max(Complaint.id))) or 0
        ids = [s.scalar(select(Complaint.id).where(Complaint.id >= top * k // n).order_by(Complaint.id).limit(1))
               for k in range(n)]
    return [i for i in ids if i is not None]


def _departments() -> list[int]:
    with unit_of_work() as s:
        return list(s.scalars(select(Department.id).where(Department.active).order_by(Department.id)))


def complaint_interactions(at, runs: int, time_runs: Callable[[int, Callable[[int], object]], list[float]]
                           ) -> dict[str, list[float]]:
    """The complaint pages' interactions, each timed `runs` times on `at` (signed in as the bench supervisor)."""
    page = PageDriver(at, "complaint")
    results = {}
    page.go("pages/my_complaints.py")
    results["My work"] = time_runs(runs, lambda i: page.run())
    page.go(GRID)
    results["grid: default"] = time_runs(runs, lambda i: page.run())
    departments, today = _departments(), local(utcnow()).date()

    def filtered(i: int):
        start = today - timedelta(days=30 + 7 * (i % 4))
        return page.with_params(f=['state:any_of:["assigned","in_progress","replied"]',
                                   f"department_id:is:{departments[i % len(departments)]}",
                                   "received_at:between:" + json.dumps([start.isoformat(), today.isoformat()])])

    results["grid: state + dept + dates"] = time_runs(runs, filtered)
    page.go(GRID, sort="next_due_at")
    results["grid: sort by due time"] = time_runs(runs, lambda i: page.run())
    page.go(GRID)
    results["grid: text search"] = time_runs(runs, lambda i: page.with_params(q=SEARCHES[i % len(SEARCHES)]))
    ids = _sample_ids()
    page.go("pages/complaint.py", id=str(ids[0]))
    results["complaint page"] = time_runs(runs, lambda i: page.with_params(id=str(ids[i % len(ids)])))
    return results
