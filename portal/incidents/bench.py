"""`python -m portal bench`, incidents part: the incident board, an incident page (incidents with ~20 timeline
entries, spread over the table, a few of them still unfolding), and adding a timeline entry — the pages as one
script run of the real app through AppTest beside the empty-page floor (see portal/tools/bench.py), the entry as the
domain function in its own transaction.

The bench user is made an emergency coordinator for this part, so the pages draw everything a coordinator sees
(entry form, command and response forms). The timed entries are rolled back: the bench leaves the log as it was
(the log is append-only, so an entry once committed could not be taken out again)."""
from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.engine import get_engine, unit_of_work
from db.incident_models import ACTIVE_STATUSES, Incident
from db.models import User
from portal import incidents as ix
from portal.access.auth import CurrentUser
from portal.tools.page_driver import PageDriver

BOARD = "pages/incident_board.py"
PAGE = "pages/incident.py"
ENTRY_TEXTS = ("现场积水开始消退,城东-01 线路恢复通行。", "备用车辆已到达,正在转运货物。",
               "已电话告知受影响客户 12 户。", "信息中心确认订货接口恢复。")


def incident_count() -> int:
    with unit_of_work() as s:
        return s.scalar(select(func.count()).select_from(Incident)) or 0


def prepare_incident_bench_user(login: str) -> CurrentUser:
    """Give the bench user the emergency coordinator role (it keeps its other roles); returns it."""
    with unit_of_work() as s:
        user = s.scalar(select(User).where(User.login == login))
        if "emergency_coordinator" not in user.roles:
            user.roles = [*user.roles, "emergency_coordinator"]
        s.flush()
        return CurrentUser.of(user)


def sample_incidents(n: int = 20) -> list[int]:
    """Incidents spread over the table (mostly closed, with their full timelines) and a few unfolding ones."""
    with unit_of_work() as s:
        top = s.scalar(select(func.max(Incident.id))) or 0
        spread = [s.scalar(select(Incident.id).where(Incident.id >= top * k // n).order_by(Incident.id).limit(1))
                  for k in range(n)]
        unfolding = list(s.scalars(select(Incident.id).where(Incident.status.in_(ACTIVE_STATUSES))
                                   .order_by(Incident.id.desc()).limit(n // 4)))
    return list(dict.fromkeys(i for i in spread[:n - len(unfolding)] + unfolding if i is not None))


def _add_entry(user: CurrentUser, incident_id: int, i: int) -> None:
    """Append one entry as the page does (share lock, checks, insert), then roll it back."""
    with Session(get_engine()) as session:
        session.info["actor_id"] = user.id
        ix.add_entry(session, actor=user, incident_id=incident_id, kind="update",
                     text=ENTRY_TEXTS[i % len(ENTRY_TEXTS)], significant=i % 5 == 0)
        session.flush()
        session.rollback()


def incident_interactions(at, user: CurrentUser, runs: int,
                          time_runs: Callable[[int, Callable[[int], object]], list[float]]) -> dict[str, list[float]]:
    """The incident interactions, each timed `runs` times (`at` is signed in as `user`, prepared by
    prepare_incident_bench_user before signing in: the session keeps the roles it signed in with)."""

    page = PageDriver(at, "incident")
    results = {}
    page.go(BOARD)
    results["incident board"] = time_runs(runs, lambda i: page.run())
    ids = sample_incidents()
    page.go(PAGE, id=str(ids[0]))
    results["incident page"] = time_runs(runs, lambda i: page.with_params(id=str(ids[i % len(ids)])))
    with unit_of_work() as s:
        unfolding = [r.id for r in ix.board(s, actor=user)] or ids
    results["add timeline entry"] = time_runs(runs, lambda i: _add_entry(user, unfolding[i % len(unfolding)], i))
    return results
