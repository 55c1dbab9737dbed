"""Undo and restore (issue 16): restoring a version is a version-checked edit recorded as a restore; a bulk change
(of selected records or of every record a filter matches) and an import are undone per record, keeping and listing
the records someone changed since; only who made a change, or a supervisor, undoes it."""
import csv
import dataclasses
import io

import pytest
from sqlalchemy import func, select, text

from db.engine import unit_of_work
from db.models import AuditLog, ChangeSet, Retailer
from portal.access.auth import PermissionDenied
from portal.records.bulk_edit import (
    BULK_QUEUE,
    BULK_TASK,
    BulkRefused,
    bulk_update_matching,
    matching_count,
    run_bulk_change,
)
from portal.records.change_sets import BULK, IMPORT, last_change_set
from portal.records.editing import StaleRecordError, bulk_update, update_record
from portal.records.filters import IS, Filter
from portal.records.history import record_history
from portal.records.import_write import apply_import
from portal.records.importing import auto_mapping, check_import
from portal.records.restore import record_versions, restore_plan, restore_version
from portal.records.tabular import read_table_file
from portal.records.undo import UndoRefused, undo_change_set
from portal.records.view import ViewState
from portal.retailers.table import RETAILERS
from tests.retailers.support import directory_fixture, english_fixture  # noqa: F401  (fixtures)

LIC, LIC2, LIC4 = "330102000001", "330102000002", "330106000004"


def _edit(directory, actor, license_no=LIC, **values):
    record = directory.get(license_no)
    with unit_of_work(actor.id) as s:
        update_record(s, actor=actor, spec=RETAILERS, record_id=record.id, version=record.version, values=values)


def _restore(directory, actor, number, version_seen, spec=RETAILERS):
    with unit_of_work(actor.id) as s:
        return restore_version(s, actor=actor, spec=spec, record_id=directory.ids[LIC], number=number,
                               version_seen=version_seen)


def _undo(actor, change_set_id):
    with unit_of_work(actor.id) as s:
        return undo_change_set(s, actor=actor, spec=RETAILERS, change_set_id=change_set_id)


def _last(kind):
    with unit_of_work() as s:
        return last_change_set(s, RETAILERS, kind)


def _audit_rows() -> int:
    with unit_of_work() as s:
        return s.scalar(select(func.count()).select_from(AuditLog))


def _bulk_manager(directory, actor, licences, manager):
    with unit_of_work(actor.id) as s:
        return bulk_update(s, actor=actor, spec=RETAILERS, record_ids=[directory.ids[x] for x in licences],
                           field="manager_id", value=manager.id)


def test_restoring_a_version_puts_its_values_back_as_a_new_change_that_says_restored(directory):
    sup = directory.supervisor
    _edit(directory, sup, shop_name="好又多超市", star_rating="4")
    _edit(directory, sup, shop_name="好又多大卖场")
    with unit_of_work(sup.id) as s:
        versions = record_versions(s, actor=sup, spec=RETAILERS, record_id=directory.ids[LIC])
    assert [v.number for v in versions] == [1, 2, 3]
    seen = directory.get(LIC).version
    plan = _restore(directory, sup, 1, seen)
    after = directory.get(LIC)
    assert plan.values == {"shop_name": "好又多便利店", "star_rating": 5} and plan.not_restored == []
    assert (after.shop_name, after.star_rating, after.version) == ("好又多便利店", 5, seen + 1)
    with unit_of_work(sup.id) as s:
        newest = record_history(s, actor=sup, spec=RETAILERS, record_id=after.id)[0]
    assert newest.action == "restored version 1" and newest.actor == "张华"


def test_a_restore_after_someone_else_saved_is_refused_and_writes_nothing(directory):
    sup = directory.supervisor
    _edit(directory, sup, shop_name="好又多超市")
    seen = directory.get(LIC).version  # the history panel is opened here
    _edit(directory, sup, owner_name="王伟伟")  # ... and someone saves in between
    rows_before = _audit_rows()
    with pytest.raises(StaleRecordError) as refused:
        _restore(directory, sup, 1, seen)
    assert "Nothing was saved" in str(refused.value)
    after = directory.get(LIC)
    assert (after.shop_name, after.owner_name) == ("好又多超市", "王伟伟")
    assert _audit_rows() == rows_before
    with unit_of_work() as s:
        assert s.scalar(select(func.count()).select_from(ChangeSet)) == 0


def test_fields_the_user_may_not_change_are_not_restored_and_named(directory):
    sup = directory.supervisor
    _edit(directory, sup, shop_name="好又多超市", owner_name="王伟伟")
    locked = tuple(dataclasses.replace(f, edit_permission="admin.manage") if f.name == "owner_name" else f
                   for f in RETAILERS.fields)
    spec = dataclasses.replace(RETAILERS, fields=locked, _by_name={})
    with unit_of_work(sup.id) as s:
        plan = restore_plan(s, actor=sup, spec=spec, record_id=directory.ids[LIC], number=1)
    assert plan.values == {"shop_name": "好又多便利店"} and plan.not_restored == ["owner_name"]
    _restore(directory, sup, 1, directory.get(LIC).version, spec=spec)
    assert (directory.get(LIC).shop_name, directory.get(LIC).owner_name) == ("好又多便利店", "王伟伟")


def test_viewers_cannot_restore(directory):
    _edit(directory, directory.supervisor, shop_name="好又多超市")
    with pytest.raises(PermissionDenied):
        _restore(directory, directory.viewer, 1, directory.get(LIC).version)


def test_undoing_a_bulk_change_keeps_and_lists_the_record_changed_since(directory, make_user):
    sup, a, b = directory.supervisor, directory.manager_a, directory.manager_b
    assert _bulk_manager(directory, sup, [LIC, LIC2, LIC4], b) == 3
    other = make_user("admin", login="adm", name="赵敏", language="en")
    _edit(directory, other, LIC2, owner_name="李芳芳")  # another field of one of them, afterwards
    last = _last(BULK)
    assert (last.records, last.actor, last.detail["field"]) == (3, "张华", "manager_id")
    result = _undo(sup, last.id)
    assert (result.reverted, result.kept_count) == (2, 1)
    kept = result.kept[0]
    assert (kept.title, kept.changed_by, kept.reason) == ("金叶烟酒行", "赵敏", "changed since")
    assert [directory.get(x).manager_id for x in (LIC, LIC2, LIC4)] == [a.id, b.id, a.id]
    assert _last(BULK) is None  # undone: no longer offered
    with unit_of_work(sup.id) as s:
        newest = record_history(s, actor=sup, spec=RETAILERS, record_id=directory.ids[LIC])[0]
    assert (newest.action, newest.field, newest.new) == ("undone", "manager_id", "刘洋 (KF2001)")
    with pytest.raises(UndoRefused):
        _undo(sup, last.id)


def test_only_who_made_a_bulk_change_or_a_supervisor_undoes_it(directory, make_user):
    admin = make_user("admin", login="adm", language="en")
    _bulk_manager(directory, directory.supervisor, [LIC], directory.manager_b)
    for someone in (admin, directory.agent):
        with pytest.raises(PermissionDenied):
            _undo(someone, _last(BULK).id)
    assert directory.get(LIC).manager_id == directory.manager_b.id
    _bulk_manager(directory, admin, [LIC2], directory.manager_b)
    assert _undo(admin, _last(BULK).id).reverted == 1  # everyone undoes their own
    _bulk_manager(directory, admin, [LIC4], directory.manager_b)
    assert _undo(directory.supervisor, _last(BULK).id).reverted == 1  # a supervisor undoes anyone's
    assert [directory.get(x).manager_id for x in (LIC, LIC2, LIC4)] == [directory.manager_b.id,
                                                                         directory.manager_a.id, directory.manager_a.id]


def _import(actor, rows):
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    sheet = read_table_file("retailers.csv", out.getvalue().encode("utf-8"))
    with unit_of_work(actor.id) as s:
        plan = check_import(s, actor=actor, spec=RETAILERS, sheet=sheet,
                            mapping=auto_mapping(RETAILERS, sheet.headers, actor))
    with unit_of_work(actor.id) as s:
        return apply_import(s, actor=actor, spec=RETAILERS, plan=plan)


def test_undoing_an_import_puts_changed_records_back_and_removes_new_ones(directory):
    sup = directory.supervisor
    header = ["Licence number", "Shop name", "Owner", "District", "Business type", "Star rating"]
    result = _import(sup, [header, [LIC, "好又多便利店", "王伟", "城东区", "convenience", "2"],
                           [LIC2, "金叶烟酒行", "李芳", "城东区", "tobacco_liquor", "1"],
                           ["330102000099", "新开便利店", "孙丽", "城东区", "convenience", "3"]])
    assert (result.inserted, result.updated) == (1, 2)
    _edit(directory, sup, LIC2, star_rating="4")  # changed after the import
    last = _last(IMPORT)
    assert last.records == 3
    undone = _undo(sup, last.id)
    assert (undone.reverted, undone.removed, undone.kept_count) == (1, 1, 1)
    assert undone.kept[0].title == "金叶烟酒行" and undone.kept[0].changed_by == "张华"
    assert (directory.get(LIC).star_rating, directory.get(LIC2).star_rating) == (5, 4)
    with unit_of_work() as s:
        assert s.scalar(select(Retailer.id).where(Retailer.license_no == "330102000099")) is None


def test_bulk_edit_of_all_matching_records_says_how_many_and_can_be_undone(directory):
    sup = directory.supervisor
    east = ViewState(filters=(Filter("district", IS, "城东区"),))
    with unit_of_work(sup.id) as s:
        assert matching_count(s, actor=sup, spec=RETAILERS, view=east) == 2
        assert matching_count(s, actor=sup, spec=RETAILERS, view=ViewState()) == 5
    _edit(directory, sup, LIC2, route="城东-09")
    with unit_of_work(sup.id) as s:
        outcome = bulk_update_matching(s, actor=sup, spec=RETAILERS, view=east, field="route", value="城东-09",
                                       batch=1)  # one record per statement: the batches add up
    assert outcome.changed == 1  # the other had that route already
    assert [directory.get(x).route for x in (LIC, LIC2, LIC4)] == ["城东-09", "城东-09", None]
    assert directory.get(LIC).version == 2
    with unit_of_work(sup.id) as s:
        outcome = bulk_update_matching(s, actor=sup, spec=RETAILERS, view=east, field="is_key_customer",
                                       value=True)
        history = record_history(s, actor=sup, spec=RETAILERS, record_id=directory.ids[LIC2])
    assert outcome.changed == 1
    assert (history[0].action, history[0].old, history[0].new) == ("changed in a bulk change", "No", "Yes")
    assert _undo(sup, outcome.change_set_id).reverted == 1
    assert directory.get(LIC2).is_key_customer is False


def test_bulk_edit_of_all_matching_is_refused_for_what_the_user_may_not_change(directory):
    with unit_of_work(directory.viewer.id) as s, pytest.raises(PermissionDenied):
        bulk_update_matching(s, actor=directory.viewer, spec=RETAILERS, view=ViewState(), field="route", value="x")
    with unit_of_work(directory.supervisor.id) as s, pytest.raises(BulkRefused):
        bulk_update_matching(s, actor=directory.supervisor, spec=RETAILERS,
                             view=ViewState(filters=(Filter("no_such_field", IS, "x"),)), field="route", value="x")
    assert directory.get(LIC).route == "城东-01"


def test_a_large_bulk_edit_runs_in_the_job_queue_batch_by_batch_and_is_undone_once_done(directory):
    sup = directory.supervisor
    with unit_of_work(sup.id) as s:
        outcome = bulk_update_matching(s, actor=sup, spec=RETAILERS, view=ViewState(), field="route",
                                       value="总线-01", sync_up_to=4)  # five match: more than "synchronous"
    assert (outcome.queued, outcome.changed) == (True, 0)
    with unit_of_work() as s:
        job = s.execute(text("select queue_name, args from procrastinate_jobs where task_name = :t "
                             "order by id desc limit 1"), {"t": BULK_TASK}).one()
    assert (job.queue_name, job.args) == (BULK_QUEUE, {"change_set_id": outcome.change_set_id})
    assert directory.get(LIC).route == "城东-01"  # nothing yet
    running = _last(BULK)
    assert (running.done, running.detail["matched"]) == (False, 5)
    with pytest.raises(UndoRefused):
        _undo(sup, running.id)
    assert run_bulk_change(outcome.change_set_id, batch=2) == 5  # the job: three transactions of two
    assert {directory.get(x).route for x in directory.ids} == {"总线-01"}
    done = _last(BULK)
    assert (done.done, done.records) == (True, 5)
    assert run_bulk_change(outcome.change_set_id) == 0  # a repeated job finds it done
    assert _undo(sup, done.id).reverted == 5
    assert directory.get(LIC).route == "城东-01"
