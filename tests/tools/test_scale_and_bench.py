"""Scale seeding (COPY, with the index rebuild for big runs) and the bench command, on small numbers."""
from sqlalchemy import func, inspect, select

from db.engine import unit_of_work
from db.models import AuditLog, Retailer
from portal.records.validation import validate_record
from portal.retailers import scale
from portal.retailers.table import RETAILERS
from portal.tools.bench import run_bench


def _count(model, *where):
    with unit_of_work() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))


def test_seeded_retailers_are_valid_unique_audited_and_keep_every_index(db, make_user, monkeypatch, owner_db):
    manager = make_user("handler", department="marketing")
    assert scale.seed_retailers(owner_db, 120) == 120  # row by row through the indexes
    monkeypatch.setattr(scale, "REBUILD_FROM", 100)  # now the drop-and-rebuild path, on a small run
    progress = []
    assert scale.seed_retailers(owner_db, 250, progress=lambda done, total: progress.append(done)) == 250
    assert progress == [250] and _count(Retailer) == 370
    assert _count(Retailer, Retailer.manager_id == manager.id) == 370
    assert _count(AuditLog, AuditLog.table_name == "retailers", AuditLog.field.is_(None)) == 370
    with unit_of_work() as s:
        licences = list(s.scalars(select(Retailer.license_no)))
        sample = s.scalars(select(Retailer).order_by(Retailer.id.desc()).limit(50)).all()
    assert len(set(licences)) == len(licences)
    fields = [f.name for f in RETAILERS.fields if f.edit_permission]
    for retailer in sample:
        _clean, errors = validate_record(RETAILERS, {n: getattr(retailer, n) for n in fields}, creating=True)
        assert errors == []
    assert {i["name"] for i in inspect(db).get_indexes("retailers")} >= {i.name for i in Retailer.__table__.indexes}


def test_the_bench_runs_end_to_end_and_leaves_the_data_as_it_was(db, make_user, capsys, owner_db):
    make_user("handler", department="marketing")
    scale.seed_retailers(owner_db, 300)
    before = _count(Retailer)
    assert run_bench(repeat=2, import_rows=300) == 0
    out = capsys.readouterr().out
    for line in ("empty page (floor)", "default view", "quick search", "filter district + tier",
                 "sort by shop name", "page 5", "rows/s including validation"):
        assert line in out
    assert _count(Retailer) == before
