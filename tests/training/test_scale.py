"""Scale seeding of training (COPY, with the index and foreign-key rebuild for big runs): the generated programme
keeps every rule the sign-up functions keep — capacity, one live sign-up per retailer and session, only active
retailers, sign-ups before the session — and the coverage report reads it as a believable year."""
from sqlalchemy import func, inspect, select, text, update

from db.engine import get_owner_engine, unit_of_work
from db.models import AuditLog, Retailer
from db.training_models import Evaluation, SignUp, TrainingCourse, TrainingSession
from portal import training as tr
from portal.access.auth import SYSTEM
from portal.center.sla import local
from portal.retailers import scale
from portal.training import scale as scale_training
from portal.training.rules import utcnow
from tests.training.support import academy_fixture, english_fixture  # noqa: F401


def _scalar(sql: str, **params):
    with unit_of_work() as s:
        return s.scalar(text(sql), params)


def _seeded(db, monkeypatch, count: int = 2000) -> tuple[int, int, list[int]]:
    """A training team (the academy: coordinator, supervisor, trainer, one course) and 400 generated retailers,
    a few of them suspended or closed; then `count` generated sign-ups (seeded as the owner, like `portal seed`)."""
    owner_db = get_owner_engine()
    scale.seed_retailers(owner_db, 400)
    sessions_before = _scalar("select coalesce(max(id), 0) from training_sessions")
    sign_ups_before = _scalar("select coalesce(max(id), 0) from training_sign_ups")
    monkeypatch.setattr(scale_training, "REBUILD_FROM", 500)  # the drop-and-rebuild path, on a small run
    progress: list[int] = []
    assert scale_training.seed_training(owner_db, count, progress=lambda done, total: progress.append(done)) == count
    return sessions_before, sign_ups_before, progress


def test_seeded_sign_ups_never_exceed_capacity_and_follow_the_sign_up_rules(db, academy, monkeypatch):
    sessions_before, sign_ups_before, progress = _seeded(db, monkeypatch)
    assert progress[-1] == 2000
    new = {"s": sessions_before, "u": sign_ups_before}
    assert _scalar("select count(*) from training_sign_ups where id > :u", **new) == 2000
    assert 15 <= _scalar("select count(*) from training_sessions where id > :s", **new) <= 40  # about N/100
    assert _scalar("""select count(*) from training_sessions t where t.capacity < (select count(*) from
                      training_sign_ups u where u.session_id = t.id and u.state = 'signed_up')""") == 0
    assert _scalar("""select count(*) from (select 1 from training_sign_ups where state <> 'cancelled'
                      group by session_id, retailer_id having count(*) > 1) d""") == 0
    assert _scalar("""select count(*) from training_sign_ups u join training_sessions t on t.id = u.session_id
                      where u.id > :u and (u.signed_up_at >= t.starts_at or u.signed_up_at > now()
                      or t.state not in ('approved', 'held', 'cancelled') or u.signed_up_at < t.approved_at)""",
                   **new) == 0
    # waiting lists are numbered without gaps among those still waiting only after promotions: positions unique
    assert _scalar("""select count(*) from (select 1 from training_sign_ups where state = 'waitlisted'
                      group by session_id, waitlist_position having count(*) > 1) d""") == 0
    # a full session's waiting list moves up only while it is full: no one waits beside a free seat
    assert _scalar("""select count(*) from training_sessions t where t.state = 'approved' and t.starts_at > now()
                      and exists (select 1 from training_sign_ups w where w.session_id = t.id
                                  and w.state = 'waitlisted')
                      and t.capacity > (select count(*) from training_sign_ups u where u.session_id = t.id
                                        and u.state = 'signed_up')""") == 0
    assert _scalar("""select count(*) from training_sign_ups where (notified_at is null) <> (notified_method is null)
                      or (notified_at is null) <> (notified_by_id is null)""") == 0  # told: when, how and by whom
    assert _scalar("""select count(*) from training_sign_ups u join retailers r on r.id = u.retailer_id
                      where u.id > :u and r.status <> 'active'""", **new) == 0
    indexes = {i["name"] for i in inspect(db).get_indexes("training_sign_ups")}
    assert indexes >= {i.name for i in SignUp.__table__.indexes}
    assert {fk["name"] for fk in inspect(db).get_foreign_keys("training_sign_ups")} == {
        fk.name for fk in SignUp.__table__.foreign_key_constraints}


def test_seeded_sessions_were_held_attended_followed_up_and_evaluated(db, academy, monkeypatch):
    sessions_before, sign_ups_before, _progress = _seeded(db, monkeypatch)
    new = {"s": sessions_before, "u": sign_ups_before}
    with unit_of_work() as s:
        states = dict(s.execute(select(TrainingSession.state, func.count()).where(TrainingSession.id > sessions_before)
                                .group_by(TrainingSession.state)).all())
        assert states["held"] >= 10 and states.get("approved", 0) >= 1
        seated = s.execute(select(func.count(), func.count().filter(SignUp.attended.is_(True)),
                                  func.count().filter(SignUp.absence_reason.is_not(None)))
                           .join(TrainingSession, TrainingSession.id == SignUp.session_id)
                           .where(TrainingSession.state == "held", SignUp.state == "signed_up",
                                  SignUp.id > sign_ups_before)).one()
        assert 0.7 < seated[1] / seated[0] < 0.9  # about four in five came
        assert seated[2] > 0  # absentees were called back, and said why
        assert s.scalar(select(func.count()).where(SignUp.state == "cancelled", SignUp.id > sign_ups_before)) > 20
        assert s.scalar(select(func.count()).where(SignUp.promoted_at.is_not(None), SignUp.id > sign_ups_before)) > 0
        upcoming = s.execute(select(func.count(), func.count(SignUp.notified_at)).join(
            TrainingSession, TrainingSession.id == SignUp.session_id).where(
            TrainingSession.state == "approved", TrainingSession.starts_at > utcnow(),
            SignUp.state != "cancelled")).one()
        assert 0 < upcoming[1] < upcoming[0]  # the notification calls are partly done
    # every held session has evaluations from at least 10% of its attendees
    assert _scalar("""select count(*) from training_sessions t
                      where t.id > :s and t.state = 'held' and (select count(*) from training_evaluations e
                      join training_sign_ups u on u.id = e.sign_up_id where u.session_id = t.id) * 10
                      < (select count(*) from training_sign_ups u where u.session_id = t.id and u.attended)""",
                   **new) == 0
    assert _scalar("""select count(*) from training_evaluations e join training_sign_ups u on u.id = e.sign_up_id
                      where u.attended is not true""") == 0
    with unit_of_work() as s:
        audited = s.scalar(select(func.count()).where(AuditLog.table_name == "training_sign_ups",
                                                      AuditLog.action == "insert", AuditLog.field.is_(None)))
        assert audited == 2000  # one audit row per generated sign-up
        promotions = s.scalar(select(func.count()).where(
            AuditLog.table_name == "training_sign_ups", AuditLog.field == "state",
            AuditLog.old_value == "waitlisted", AuditLog.new_value == "signed_up"))
        assert promotions == s.scalar(select(func.count()).where(SignUp.promoted_at.is_not(None)))
        evaluations = s.scalar(select(func.count()).select_from(Evaluation))
        assert s.scalar(select(func.count()).where(AuditLog.table_name == "training_evaluations")) >= evaluations


def test_coverage_of_the_seeded_year_is_believable_and_short_of_everyone(db, academy, monkeypatch):
    _seeded(db, monkeypatch)
    with unit_of_work() as s:
        report = tr.coverage_report(s, actor=SYSTEM, year=local(utcnow()).year)
        active = s.scalar(select(func.count()).where(Retailer.status == "active"))
        _rows, untrained = tr.untrained_retailers(s, actor=SYSTEM, year=report.year)
    assert report.total.active == active
    assert 0.5 <= report.total.share <= 0.9  # well trained, but neither everyone nor the 90% target for free
    assert untrained == report.total.active - report.total.trained
    assert sum(r.active for r in report.by["district"]) == active


def test_a_catalog_without_active_courses_gets_the_demo_catalog_first(db, academy, owner_db):
    scale.seed_retailers(owner_db, 50)
    with unit_of_work(engine=db) as s:
        s.execute(update(TrainingCourse).values(active=False))
    scale_training.seed_training(owner_db, 150)
    with unit_of_work() as s:
        courses = s.scalars(select(TrainingCourse.id).where(TrainingCourse.active)).all()
        used = set(s.scalars(select(TrainingSession.course_id).order_by(TrainingSession.id.desc()).limit(2)))
    assert len(courses) == len(scale_training.COURSES) and used <= set(courses)


def test_the_bench_times_the_coverage_page_and_a_full_roster(db, make_user, capsys, owner_db):
    from portal.tools.bench import run_bench

    make_user("handler", "training_coordinator", department="marketing")  # signs in for real: no academy shortcut
    make_user("supervisor", department="customer_service")
    scale.seed_retailers(owner_db, 300)
    assert scale_training.seed_training(owner_db, 600) == 600  # the demo catalog is added first: there is no course
    assert run_bench(repeat=2, import_rows=100, only="training") == 0
    out = capsys.readouterr().out
    for line in ("training sign-ups), 2 runs per interaction", "coverage: default", "coverage: counted afresh",
                 "coverage: untrained district + type", "session roster (~100)"):
        assert line in out
