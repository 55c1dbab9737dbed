"""Editing retailers: the same validation everywhere, version checks, permissions, bulk changes, history."""
import pytest
from sqlalchemy import func, select

from db.engine import unit_of_work
from db.models import AuditLog
from portal.access.auth import PermissionDenied
from portal.records.editing import GridSaveError, StaleRecordError, save_edits
from portal.records.history import record_history
from portal.records.validation import RecordInputError
from portal.retailers.table import (
    RETAILERS,
    change_customer_manager,
    manager_history,
    set_retailer_status,
    update_retailer,
)
from tests.retailers.support import directory_fixture, english_fixture  # noqa: F401  (fixtures)

LIC = "330102000001"


def _update(d, actor, version, **values):
    with unit_of_work(actor.id) as s:
        return update_retailer(s, actor=actor, retailer_id=d.ids[LIC], version=version, values=values)


def test_supervisor_edit_is_saved_and_audited_with_old_and_new(directory):
    before = directory.get(LIC)
    _update(directory, directory.supervisor, before.version, shop_name="好又多便利店(总店)", star_rating="4")
    after = directory.get(LIC)
    assert (after.shop_name, after.star_rating, after.version) == ("好又多便利店(总店)", 4, before.version + 1)
    with unit_of_work() as s:
        rows = s.scalars(select(AuditLog).where(AuditLog.record_id == str(after.id), AuditLog.action == "update"))
        changes = {(r.field, r.old_value, r.new_value, r.actor_id) for r in rows}
    assert changes == {("shop_name", "好又多便利店", "好又多便利店(总店)", directory.supervisor.id),
                       ("star_rating", "5", "4", directory.supervisor.id)}


def test_a_stale_save_is_refused_naming_who_saved_first(directory):
    seen = directory.get(LIC).version
    _update(directory, directory.supervisor, seen, owner_name="王伟伟")
    with pytest.raises(StaleRecordError) as refused:
        _update(directory, directory.supervisor, seen, owner_name="王小伟")
    assert "张华" in str(refused.value) and "Nothing was saved" in str(refused.value)
    assert directory.get(LIC).owner_name == "王伟伟"


@pytest.mark.parametrize("role", ["viewer", "agent"])
def test_only_supervisors_and_admins_edit_retailers(directory, role):
    with pytest.raises(PermissionDenied):
        _update(directory, getattr(directory, role), directory.get(LIC).version, shop_name="x")


def test_a_licence_number_already_taken_is_refused_on_that_field(directory):
    with pytest.raises(RecordInputError) as refused:
        _update(directory, directory.supervisor, directory.get(LIC).version, license_no="330102000002")
    assert refused.value.errors[0].field == "license_no" and "金叶烟酒行" in refused.value.errors[0].message


def test_grid_save_is_all_or_nothing_and_names_rows_and_fields(directory):
    first, second = directory.get(LIC), directory.get("330102000002")
    edits = {first.id: (first.version, {"shop_name": "新名字"}), second.id: (second.version, {"star_rating": "9"})}
    with pytest.raises(GridSaveError) as refused, unit_of_work(directory.supervisor.id) as s:
        save_edits(s, actor=directory.supervisor, spec=RETAILERS, edits=edits)
    [problem] = refused.value.problems
    assert problem.record_id == second.id and problem.errors[0].field == "star_rating"
    assert directory.get(LIC).shop_name == "好又多便利店"


def test_bulk_manager_change_is_recorded_per_retailer_and_kept_as_history(directory):
    ids = list(directory.ids.values())
    with unit_of_work(directory.supervisor.id) as s:
        changed = change_customer_manager(s, actor=directory.supervisor, retailer_ids=ids, manager="KF2003")
    assert changed == 5
    with unit_of_work() as s:
        audited = s.scalar(select(func.count()).select_from(AuditLog).where(
            AuditLog.field == "manager_id", AuditLog.action == "update"))
        history = manager_history(s, directory.viewer, directory.ids[LIC])
    assert audited == 5
    assert history[0]["From"] == "刘洋 (KF2001)" and history[0]["To"] == "周杰 (KF2003)"
    assert history[0]["By"] == "张华" and history[1]["To"] == "刘洋 (KF2001)"  # the first assignment stays


def test_bulk_status_change_by_a_viewer_is_refused(directory):
    with pytest.raises(PermissionDenied), unit_of_work(directory.viewer.id) as s:
        set_retailer_status(s, actor=directory.viewer, retailer_ids=list(directory.ids.values()), status="closed")


def test_history_speaks_the_readers_language_and_masks_phones_for_viewers(directory):
    _update(directory, directory.supervisor, directory.get(LIC).version, status="Suspended", phone="13700009999")
    with unit_of_work() as s:
        for_sup = record_history(s, actor=directory.supervisor, spec=RETAILERS, record_id=directory.ids[LIC])
        for_viewer = record_history(s, actor=directory.viewer, spec=RETAILERS, record_id=directory.ids[LIC])
    status = next(c for c in for_sup if c.field == "status" and c.action == "changed")
    assert (status.label, status.old, status.new, status.actor) == ("Status", "Active", "Suspended", "张华")
    phone = next(c for c in for_viewer if c.field == "phone" and c.action == "changed")
    assert (phone.old, phone.new) == ("138****5678", "137****9999")
    assert any(c.action == "created" for c in for_sup)
