"""Scale seeding of complaints (COPY, with the index and foreign-key rebuild for big runs) and the complaint
part of the bench, on small numbers."""
from sqlalchemy import func, inspect, select

from db.complaint_models import Complaint, ComplaintDashboardDay, ComplaintEvent, FollowUp
from db.engine import unit_of_work
from db.models import AuditLog
from portal.center.sla import next_due
from portal.complaints import scale as scale_complaints
from portal.dashboards.period import default_filter
from portal.retailers import scale
from portal.tools.bench import run_bench
from portal.tools.demo import seed_demo


def _count(model, *where):
    with unit_of_work() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))


def _demo_center(db):
    with unit_of_work(engine=db) as s:
        seed_demo(s)


def test_seeded_complaints_have_realistic_lives_timelines_and_clocks(db, monkeypatch, owner_db):
    _demo_center(db)
    before = _count(Complaint)
    monkeypatch.setattr(scale_complaints, "REBUILD_FROM", 500)  # the drop-and-rebuild path, on a small run
    progress = []
    assert scale_complaints.seed_complaints(owner_db, 1200, progress=lambda done, total: progress.append(done)) == 1200
    assert progress == [1200] and _count(Complaint) == before + 1200
    with unit_of_work() as s:
        states = dict(s.execute(select(Complaint.state, func.count()).where(Complaint.id > before)
                                .group_by(Complaint.state)).all())
        assert states["closed"] > 600 and states["invalid"] > 10
        assert sum(states.get(k, 0) for k in ("registered", "assigned", "in_progress", "replied")) > 0
        registered = s.scalar(select(func.count()).select_from(ComplaintEvent).where(
            ComplaintEvent.to_state == "registered", ComplaintEvent.complaint_id > before))
        assert registered == 1200  # every complaint's timeline starts with its registration
        assert s.scalar(select(func.count()).select_from(FollowUp).where(FollowUp.complaint_id > before)) > 600
        assert s.scalar(select(func.max(Complaint.reopen_count))) >= 1
        for c in s.scalars(select(Complaint).where(Complaint.id > before).limit(300)):
            assert c.next_due_at == next_due(c)  # the stored clock is the one the domain computes
            assert c.reference.endswith(f"{c.id:06d}") and c.first_reply_due_at > c.received_at
    assert _count(AuditLog, AuditLog.table_name == "complaints", AuditLog.action == "insert") >= 1200
    year = default_filter()  # the dashboard's day figures are worked out already, for its year and the one before
    days = (year.end - year.previous().start).days + 1
    assert _count(ComplaintDashboardDay, ComplaintDashboardDay.level == 0,
                  ComplaintDashboardDay.day >= year.previous().start) == days
    indexes = {i["name"] for t in ("complaints", "complaint_events") for i in inspect(db).get_indexes(t)}
    assert indexes >= {i.name for i in (*Complaint.__table__.indexes, *ComplaintEvent.__table__.indexes)}
    foreign_keys = {fk["name"] for fk in inspect(db).get_foreign_keys("complaint_events")}
    assert foreign_keys == {fk.name for fk in ComplaintEvent.__table__.foreign_key_constraints}


def test_the_bench_times_the_complaint_pages(db, capsys, owner_db):
    _demo_center(db)
    scale.seed_retailers(owner_db, 100)
    scale_complaints.seed_complaints(owner_db, 300)
    for part in ("complaints", "dashboards"):  # (the whole bench runs in tests/tools/test_scale_and_bench.py)
        assert run_bench(repeat=2, import_rows=100, only=part) == 0
    out = capsys.readouterr().out
    for line in ("Pages through AppTest (", "My work", "grid: default",
                 "grid: state + dept + dates", "grid: sort by due time", "grid: text search", "complaint page",
                 "complaints dashboard: 12 months", "complaints dashboard: one month",
                 "complaints dashboard: department", "monthly report (complaints)", "Queries over 50 ms:"):
        assert line in out
    rows = [line.split() for line in out.splitlines() if line.startswith("  complaints ")]
    assert len(rows) == 6 and all(float(r[-1]) > 0 for r in rows)  # each with the process's peak RSS
