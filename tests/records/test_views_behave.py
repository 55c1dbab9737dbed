"""Saved views that behave (issue 16): update in place, version-checked; shared views locked to their owner and
supervisors; personal views stay personal; widths, pinned columns and row height travel with the view; which shown
rows others changed since a grid drew them."""
import pytest

from db.engine import unit_of_work
from portal.complaints import workflow as cx
from portal.complaints.table import COMPLAINTS
from portal.records.changes import changed_since
from portal.records.filters import Filter
from portal.records.validation import RecordInputError
from portal.records.view import ViewState
from portal.records.views import lock_view, rename_view, save_view, update_view, visible_views
from tests.complaints.support import FRIDAY_3PM, center_fixture  # noqa: F401  (the `center` fixture)
from tests.retailers.support import english_fixture  # noqa: F401  (autouse: English messages)

OVERDUE = ViewState(filters=(Filter("sla", "is", "overdue"),))
BY_GRADE = ViewState(filters=(Filter("sla", "is", "overdue"),), sort=(("grade", False),))


def _shared(center, *, locked: bool):
    return center.run(center.supervisor, save_view, spec=COMPLAINTS, name="Overdue", state=OVERDUE, shared=True,
                      locked=locked)


def _update(center, actor, view, state=BY_GRADE, version=None):
    return center.run(actor, update_view, spec=COMPLAINTS, view_id=view.id,
                      version=view.version if version is None else version, state=state)


def _state(center, view_id):
    with unit_of_work() as s:
        [view] = [v for v in visible_views(s, actor=center.supervisor, spec=COMPLAINTS) if v.id == view_id]
        return ViewState.from_json(COMPLAINTS, view.state), view.version


def test_update_in_place_keeps_the_view_and_refuses_a_stale_version_naming_who(center):
    view = _shared(center, locked=False)
    updated = _update(center, center.supervisor2, view)
    assert updated.id == view.id and _state(center, view.id) == (BY_GRADE, view.version + 1)
    with pytest.raises(RecordInputError, match="was changed by 郑强 .* after you opened it"):
        _update(center, center.supervisor, view, state=OVERDUE, version=view.version)  # read before 郑强's update
    assert _state(center, view.id)[0] == BY_GRADE


def test_a_handler_cannot_update_or_rename_a_locked_shared_view_but_may_an_unlocked_one(center):
    locked = _shared(center, locked=True)
    for change in (lambda: _update(center, center.handler, locked),
                   lambda: center.run(center.handler, rename_view, view_id=locked.id, version=locked.version,
                                      name="Mine now")):
        with pytest.raises(RecordInputError, match="is locked: only its owner or a supervisor changes it"):
            change()
    assert _state(center, locked.id) == (OVERDUE, locked.version)
    _update(center, center.supervisor2, locked)  # another supervisor may
    center.run(center.supervisor, lock_view, view_id=locked.id, locked=False)
    _, version = _state(center, locked.id)
    center.run(center.handler, rename_view, view_id=locked.id, version=version, name="Overdue (logistics)")
    with unit_of_work() as s:
        assert [v.name for v in visible_views(s, actor=center.agent, spec=COMPLAINTS)] == ["Overdue (logistics)"]


def test_viewers_never_change_shared_views_and_only_owners_and_supervisors_lock_them(center):
    view = _shared(center, locked=False)
    with pytest.raises(RecordInputError, match="Only its owner may change this view"):
        _update(center, center.viewer, view)
    with pytest.raises(RecordInputError, match="Only its owner or a supervisor"):
        center.run(center.handler, lock_view, view_id=view.id, locked=True)
    assert center.run(center.supervisor2, lock_view, view_id=view.id, locked=True).locked


def test_personal_views_stay_personal_and_are_never_locked(center):
    mine = center.run(center.handler, save_view, spec=COMPLAINTS, name="Mine", state=OVERDUE, locked=True)
    assert not mine.locked  # only a shared view is locked
    for actor in (center.handler2, center.supervisor):
        with unit_of_work() as s:
            assert visible_views(s, actor=actor, spec=COMPLAINTS) == []
        with pytest.raises(RecordInputError, match="Only its owner may change this view"):
            _update(center, actor, mine)
    with pytest.raises(RecordInputError, match="Only shared views are locked"):
        center.run(center.handler, lock_view, view_id=mine.id, locked=True)
    _update(center, center.handler, mine)


def test_renaming_to_a_name_the_owner_already_uses_is_refused(center):
    first = center.run(center.agent, save_view, spec=COMPLAINTS, name="A", state=OVERDUE)
    center.run(center.agent, save_view, spec=COMPLAINTS, name="B", state=OVERDUE)
    with pytest.raises(RecordInputError, match="already a view called “B”"):
        center.run(center.agent, rename_view, view_id=first.id, version=first.version, name=" B ")


def test_widths_pinned_columns_and_row_height_round_trip_through_url_and_saved_view(center):
    view = ViewState(columns=("reference", "state", "grade"), widths=(("reference", 240), ("grade", 60)),
                     pinned=("reference",), row_height=56)
    params = view.to_params()
    assert (params["w"], params["pin"], params["rh"]) == ("reference:240,grade:60", "reference", "56")
    assert ViewState.from_params(COMPLAINTS, params) == (view, [])
    saved = center.run(center.agent, save_view, spec=COMPLAINTS, name="Wide", state=view)
    assert ViewState.from_json(COMPLAINTS, saved.state) == view
    odd, ignored = ViewState.from_params(COMPLAINTS, {"w": "reference:9,nothing:100", "rh": "30", "pin": "x,grade"})
    assert (odd.widths, odd.row_height, odd.pinned) == ((), 0, ("grade",))
    assert ignored == ["column width “reference:9”", "column width “nothing:100”", "row height “30”"]


def test_changed_since_names_rows_changed_or_gone_from_the_viewers_rows(center):
    ids = [center.register().complaint_id for _ in range(3)]
    seen = {cid: center.get(cid).version for cid in ids}
    assert center.run(center.agent, changed_since, spec=COMPLAINTS, seen=seen) == []
    center.run(center.supervisor, cx.assign_complaint, complaint_id=ids[1], version=seen[ids[1]],
               handler_id=center.handler.id, now=FRIDAY_3PM)
    assert center.run(center.agent, changed_since, spec=COMPLAINTS, seen=seen) == [ids[1]]
    # a handler of another department never saw them: to them none of these rows is theirs
    assert center.run(center.marketing_handler, changed_since, spec=COMPLAINTS, seen=seen) == ids
