"""The admin's home page shows whether a worker is alive (its heartbeat) and each periodic scan's last run; nobody
else sees it, and their home page works as before."""
from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from db.engine import unit_of_work
from db.notification_models import ScanRun
from portal.access.auth import PermissionDenied
from portal.i18n import set_language
from portal.notifications import rules as registry
from portal.notifications.health import WorkerHealth, worker_health

RAN_AT = datetime(2026, 12, 7, 1, 30, tzinfo=UTC)  # 09:30 in the center (Asia/Shanghai)


@pytest.fixture
def scans_ran(db, monkeypatch):
    """Two scan rules, of which one ran (and one watched view), and a worker that has just beaten."""
    made = (registry.Rule("reply_due", "complaints", "First reply due within 4 working hours: tell the handler",
                          ("handler",), ("handler",), scan=lambda s, ctx: []),
            registry.Rule("overdue", "complaints", "x", ("handler",), ("handler",), scan=lambda s, ctx: []),
            registry.Rule("assigned", "complaints", "x", ("handler",), ("handler",), on_event=lambda s, e, c: []))
    monkeypatch.setattr(registry, "all_rules", lambda: made)
    with unit_of_work(engine=db) as s:
        s.add_all([ScanRun(scan="reply_due", started_at=RAN_AT, finished_at=RAN_AT, duration_ms=12.34, rows_read=340,
                           made=2, runs=5),
                   ScanRun(scan="view:7", started_at=RAN_AT, duration_ms=3, rows_read=0, made=0, runs=1,
                           error="KeyError: 'handler'")])
    with db.begin() as conn:
        worker = conn.execute(text("insert into procrastinate_workers default values returning id")).scalar()
    yield
    with db.begin() as conn:  # the table is not emptied between tests (a browser test server's worker beats there)
        conn.execute(text("delete from procrastinate_workers where id = :w"), {"w": worker})


def test_the_admin_sees_a_live_worker_and_every_scans_last_run(db, admin, scans_ran):
    with unit_of_work(engine=db) as s:
        health = worker_health(s, actor=admin)
    assert health.alive >= 1 and 0 <= health.heartbeat_age < 5
    assert [(line.key, line.title, line.rows_read, line.made, line.error) for line in health.scans] == [
        ("reply_due", "First reply due within 4 working hours: tell the handler", 340, 2, None),
        ("view:7", "Watched view 7", 0, 0, "KeyError: 'handler'"),
        ("overdue", "x", None, None, None),  # a scan rule that has not run yet
    ]


def test_no_heartbeat_means_not_running(db, admin, scans_ran):
    with db.connect() as conn, conn.begin() as transaction:  # as if every worker had stopped (rolled back)
        conn.execute(text("update procrastinate_workers set last_heartbeat = now() - interval '31 seconds'"))
        from sqlalchemy.orm import Session

        health = worker_health(Session(bind=conn), actor=admin)
        transaction.rollback()
    assert health.alive == 0 and health.heartbeat_age >= 31


def test_only_an_admin_may_look(db, make_user):
    supervisor = make_user("supervisor")
    with unit_of_work(engine=db) as s, pytest.raises(PermissionDenied):
        worker_health(s, actor=supervisor)


def test_the_admins_home_page_shows_the_worker_and_the_scans(signed_in, scans_ran):
    at = signed_in("admin")
    assert not at.exception, at.exception
    [alive] = [s.value for s in at.success]
    assert re.fullmatch(r"Worker: alive \(last heartbeat \d+ s ago\)|Workers: \d+ alive \(last heartbeat \d+ s ago\)",
                        alive), alive
    [table] = at.dataframe
    rows = table.value.to_dict("records")
    assert rows[0] == {"Scan": "First reply due within 4 working hours: tell the handler",
                       "Last run": "12/7/26, 9:30\u202fAM", "Duration (ms)": "12.3", "Rows read": "340",
                       "Notices made": "2", "Error": ""}
    assert rows[1]["Scan"] == "Watched view 7" and rows[1]["Error"] == "KeyError: 'handler'"
    assert rows[2]["Scan"] == "x" and rows[2]["Last run"] == "not yet"


def test_the_home_page_says_when_no_worker_runs_in_chinese(signed_in, db, admin, monkeypatch):
    monkeypatch.setattr("portal.home.worker_health", lambda session, actor: WorkerHealth(0, 95.0, []))
    with db.begin() as conn:
        conn.execute(text("update users set language = 'zh_CN' where login = 'admin'"))
    try:
        at = signed_in("admin")
        assert not at.exception, at.exception
        stopped = "工作进程：未运行——启动工作进程（`python -m portal worker`）后通知才会发出"
        assert stopped in [w.value for w in at.warning]
        assert "暂无定期扫描：还没有按时间检查的规则。" in [c.value for c in at.caption]
    finally:
        set_language("en")


def test_other_roles_home_pages_show_no_worker(signed_in, make_user, scans_ran):
    make_user("supervisor", login="zhanghua", language="en")
    at = signed_in("zhanghua")
    assert not at.exception, at.exception
    shown = [m.value for m in at.markdown] + [s.value for s in at.success] + [w.value for w in at.warning]
    assert not [text_ for text_ in shown if "orker" in text_] and not at.dataframe
    assert at.title[0].value.startswith("Welcome")
