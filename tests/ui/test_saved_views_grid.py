"""Saved views on a grid page (issue 16), as the roles that reach them: modified — update this view / revert, a
locked shared view saved as one's own copy, widths / pinned columns / row height kept in the link and the saved view,
and the notice of rows someone else changed since the grid drew them."""
import functools
import json

import streamlit.testing.v1.local_script_runner as local_runner
from sqlalchemy import select

from db.engine import unit_of_work
from db.models import SavedView
from portal.records.filters import Filter
from portal.records.view import ViewState
from portal.records.views import save_view, update_view
from portal.retailers.table import RETAILERS, update_retailer
from portal.ui.live import CHANGED_MARK
from portal.ui.text import shown
from tests.retailers.support import directory_fixture  # noqa: F401  (the `directory` fixture)
from tests.support.app import open_page

GRID = "pages/retailers.py"
EAST = ViewState(filters=(Filter("district", "is", "城东区"),))


def _grid(signed_in, login="sup", params=None):
    return open_page(signed_in, login, GRID, params)


def _shared_east(directory, *, locked):
    with unit_of_work(directory.supervisor.id) as s:
        return save_view(s, actor=directory.supervisor, spec=RETAILERS, name="East", state=EAST, shared=True,
                         locked=locked).id


def _open(at, view_id):
    at.selectbox(key="retailers.views.pick").set_value(view_id).run()
    at.button(key="retailers.views.open").click().run()
    assert not at.exception, at.exception
    return at


def _buttons(at):
    return {b.key for b in at.button}


def _saved(view_id):
    with unit_of_work() as s:
        view = s.get(SavedView, view_id)
        return ViewState.from_json(RETAILERS, view.state), view.version


def test_a_changed_view_says_modified_and_reverts_or_updates_in_place(signed_in, directory):
    view_id = _shared_east(directory, locked=True)
    at = _open(_grid(signed_in), view_id)
    assert at.query_params["f"] == "district:is:城东区" and "Modified" not in [c.value for c in at.caption]
    at.text_input(key="retailers.q").set_value("好又多").run()
    assert "Modified" in [c.value for c in at.caption]
    assert {"retailers.views.update", "retailers.views.revert"} <= _buttons(at)
    at.button(key="retailers.views.revert").click().run()
    assert "q" not in at.query_params and at.query_params["f"] == "district:is:城东区"
    assert "retailers.views.revert" not in _buttons(at)
    at.text_input(key="retailers.q").set_value("好又多").run()
    at.button(key="retailers.views.update").click().run()  # the owner updates the locked view in place
    assert "View “East” updated." in [shown(s.value) for s in at.success]
    assert _saved(view_id) == (EAST.with_(search="好又多"), 2)
    assert "retailers.views.revert" not in _buttons(at)  # no longer modified


def test_an_agent_reverts_a_locked_shared_view_or_saves_a_copy_but_never_updates_it(signed_in, directory):
    view_id = _shared_east(directory, locked=True)
    at = _open(_grid(signed_in, "agent1"), view_id)
    at.text_input(key="retailers.q").set_value("金叶").run()
    assert "Modified" in [c.value for c in at.caption]
    assert "retailers.views.revert" in _buttons(at) and "retailers.views.update" not in _buttons(at)
    assert "retailers.views.rename" not in _buttons(at)
    at.text_input(key="retailers.views.name").set_value("East, mine").run()
    at.button(key="retailers.views.save").click().run()
    assert "View “East, mine” saved." in [shown(s.value) for s in at.success]
    assert _saved(view_id) == (EAST, 1)  # the shared view is untouched
    with unit_of_work() as s:
        mine = s.scalar(select(SavedView).where(SavedView.name == "East, mine"))
        assert (mine.owner_id, mine.shared, mine.state["search"]) == (directory.agent.id, False, "金叶")


def test_widths_pinned_columns_and_row_height_go_into_the_link_the_grid_and_the_saved_view(signed_in, directory):
    at = _grid(signed_in, params={"cols": "license_no,shop_name,district"})
    at.segmented_control(key="retailers.layout.height").set_value(56).run()
    at.multiselect(key="retailers.layout.pinned").set_value(["shop_name"]).run()
    at.selectbox(key="retailers.layout.column").set_value("shop_name").run()
    at.number_input(key="retailers.layout.width.shop_name").set_value(240).run()
    assert (at.query_params["w"], at.query_params["pin"], at.query_params["rh"]) == ("shop_name:240", "shop_name", "56")
    editor = at.data_editor[0].proto
    columns = json.loads(editor.columns)
    assert (columns["shop_name"]["width"], columns["shop_name"]["pinned"], editor.row_height) == (240, True, 56)
    at.text_input(key="retailers.views.name").set_value("Wide names").run()
    at.button(key="retailers.views.save").click().run()
    at.query_params.clear()
    at.run()
    assert "w" not in at.query_params
    _open(at, _saved_id("Wide names"))
    assert (at.query_params["w"], at.query_params["pin"], at.query_params["rh"]) == ("shop_name:240", "shop_name", "56")


def _saved_id(name):
    with unit_of_work() as s:
        return s.scalar(select(SavedView.id).where(SavedView.name == name))


def _run_live_part_alone(at):
    """What the browser does every few seconds: rerun the grid's changed-rows part alone (the innermost: the page
    part nests the rows part, which nests it), not the page, so the grid keeps the rows it drew. (AppTest has no
    timer: the run is asked for the fragment.)"""
    storage = at._fragment_storage
    parents = set(storage._parent_by_id.values())
    nested = [fid for fid, parent in storage._parent_by_id.items() if parent is not None and fid not in parents]
    real = local_runner.RerunData
    local_runner.RerunData = functools.partial(real, fragment_id_queue=nested, is_fragment_scoped_rerun=True)
    try:
        at.run()
    finally:
        local_runner.RerunData = real
    assert not at.exception, at.exception
    return at


def test_rows_another_user_changed_since_the_grid_drew_them_are_named(signed_in, directory):
    for login in ("viewer1", "sup"):  # a read-only table and an editor's grid
        at = _grid(signed_in, login)
        assert not at.info
        seen = directory.get("330102000002")
        with unit_of_work(directory.supervisor.id) as s:  # another session saves a row this grid shows
            update_retailer(s, actor=directory.supervisor, retailer_id=seen.id, version=seen.version,
                            values={"owner_name": f"李芳{login}"})
        _run_live_part_alone(at)
        assert [shown(i.value) for i in at.info] == ["Changed since you opened this page (1): 金叶烟酒行."]
        at.button(key="retailers.live.refresh").click().run()  # the page is read again: nothing to tell
        assert not at.info and not at.exception
        table = (at.data_editor or at.dataframe)[0].value
        assert "李芳" + login in list(table["owner_name"])
        assert [mark == CHANGED_MARK for mark in table["_open"]] == [False, True, False, False, False]


def test_updating_a_view_someone_changed_since_it_was_opened_is_refused_and_says_who(signed_in, directory, make_user):
    view_id = _shared_east(directory, locked=False)
    at = _open(_grid(signed_in, "agent1"), view_id)  # an unlocked shared view: the agent may update it
    other = make_user("supervisor", name="郑强")
    with unit_of_work(other.id) as s:
        update_view(s, actor=other, spec=RETAILERS, view_id=view_id, version=1, state=EAST.with_(search="便利"))
    at.text_input(key="retailers.q").set_value("金叶").run()
    at.button(key="retailers.views.update").click().run()
    assert "“East” was changed by 郑强" in shown(at.toast[0].value)
    assert _saved(view_id) == (EAST.with_(search="便利"), 2)
