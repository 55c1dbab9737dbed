"""`python -m portal bench`, training part: the coverage page (default, with its report reused as the page does while
nothing it reads changes, and counted afresh; its untrained list filtered by district and business type) and a session
page with its roster of about 100 sign-ups, each one script run of the real app through AppTest, beside the empty-page
floor (see portal/tools/bench.py)."""
from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import func, select

from db.engine import unit_of_work
from db.models import Retailer
from db.training_models import SignUp
from portal.retailers.table import BUSINESS_TYPE_CHOICES
from portal.tools.page_driver import PageDriver
from portal.training.ui.common import forget_coverage

COVERAGE = "pages/training_coverage.py"
SESSION = "pages/training_session.py"


def sign_up_count() -> int:
    with unit_of_work() as s:
        return s.scalar(select(func.count()).select_from(SignUp)) or 0


def _full_sessions(n: int = 20) -> list[int]:
    """Sessions holding the most sign-ups (about 100 each at scale), spread over the programme."""
    with unit_of_work() as s:
        rows = s.execute(select(SignUp.session_id, func.count().label("n")).group_by(SignUp.session_id)
                         .order_by(func.count().desc(), SignUp.session_id).limit(n * 10)).all()
    ids = sorted(r.session_id for r in rows)
    return ids[::max(1, len(ids) // n)][:n]


def _districts() -> list[str]:
    with unit_of_work() as s:
        return list(s.scalars(select(Retailer.district).group_by(Retailer.district).order_by(Retailer.district)))


def training_interactions(at, runs: int, time_runs: Callable[[int, Callable[[int], object]], list[float]]
                          ) -> dict[str, list[float]]:
    """The training pages' interactions, each timed `runs` times on `at` (signed in as the bench supervisor)."""
    page = PageDriver(at, "training")
    checked = page.checked
    results = {}
    page.go(COVERAGE)
    results["coverage: default"] = time_runs(runs, lambda i: page.run())

    def counted_afresh(i: int):
        forget_coverage()  # what the first reader after a check-in, sign-up or retailer change waits for
        return checked(at.run())

    results["coverage: counted afresh"] = time_runs(runs, counted_afresh)
    districts, types = _districts(), [c.value for c in BUSINESS_TYPE_CHOICES]

    def filtered(i: int):
        at.selectbox(key="untrained_district").set_value(districts[i % len(districts)])
        return checked(at.selectbox(key="untrained_business_type").set_value(types[i % len(types)]).run())

    results["coverage: untrained district + type"] = time_runs(runs, filtered)
    at.selectbox(key="untrained_district").set_value(None)
    checked(at.selectbox(key="untrained_business_type").set_value(None).run())
    ids = _full_sessions()
    page.go(SESSION, id=str(ids[0]))
    results["session roster (~100)"] = time_runs(runs, lambda i: page.with_params(id=str(ids[i % len(ids)])))
    return results
