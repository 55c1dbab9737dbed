"""The retailers grid page: search, filters, sort, paging and the URL, inline edits (also stale), bulk changes."""
from sqlalchemy import select

from db.engine import get_engine, unit_of_work
from db.models import Retailer
from portal.records.filters import Filter
from portal.records.view import ViewState
from portal.records.views import save_view
from portal.retailers.scale import seed_retailers
from portal.retailers.table import RETAILERS, update_retailer
from portal.ui.text import shown
from tests.retailers.support import directory_fixture  # noqa: F401  (the `directory` fixture)
from tests.support.app import open_page

GRID = "pages/retailers.py"


def _grid(signed_in, login="sup", params=None):
    return open_page(signed_in, login, GRID, params)


def _table(at):
    return (at.data_editor or at.dataframe)[0].value


def _licences(at):
    return [lic[-1] for lic in _table(at)["license_no"]]


def _caption(at, start):
    return next(c.value for c in at.caption if c.value.startswith(start))


def _editor(at, rows):
    """Seed pending cell edits (what a person types into the grid) and rerun."""
    at.session_state[at.data_editor[0].key] = {"edited_rows": rows, "added_rows": [], "deleted_rows": []}
    return at.run()


def test_viewers_see_a_read_only_grid_with_masked_phones(signed_in, directory):
    at = _grid(signed_in, "viewer1")
    assert not at.data_editor and _licences(at) == list("12345")
    assert list(_table(at)["phone"])[:2] == ["138****5678", "139****1111"]
    assert _caption(at, "Rows") == "Rows 1–5 of 5"


def test_quick_search_narrows_the_grid_and_goes_into_the_url(signed_in, directory):
    at = _grid(signed_in)
    at.text_input(key="retailers.q").set_value("惠民").run()
    assert _licences(at) == ["3"] and at.query_params["q"] == "惠民"
    assert _table(at)["shop_name"][0] == "<b>惠民</b>超市 **特价**"  # shown as text, never rendered


def test_a_filter_added_in_the_filter_bar_can_be_removed_again(signed_in, directory):
    at = _grid(signed_in)
    at.selectbox(key="retailers.nf.field").set_value("district").run()
    at.selectbox(key="retailers.nf.op").set_value("is").run()
    at.selectbox(key="retailers.nf.value.district.is").set_value("城东区").run()
    at.button(key="retailers.nf.add").click().run()
    assert _licences(at) == ["1", "2"] and at.query_params["f"] == "district:is:城东区"
    at.button(key="retailers.chip0").click().run()
    assert _licences(at) == list("12345") and "f" not in at.query_params


def test_sorting_two_levels_and_paging_through_many_rows(signed_in, directory):
    seed_retailers(get_engine(), 120)
    at = _grid(signed_in)
    at.selectbox(key="retailers.sort0").set_value("star_rating").run()
    at.segmented_control(key="retailers.dir0").set_value("desc").run()
    at.selectbox(key="retailers.sort1").set_value("shop_name").run()
    stars = list(_table(at)["star_rating"])
    assert stars == sorted(stars, reverse=True) and at.query_params["sort"] == "-star_rating,shop_name"
    assert _caption(at, "Rows") == "Rows 1–50 of 125"
    at.pagination[0].set_value(3).run()
    assert _caption(at, "Rows") == "Rows 101–125 of 125" and at.query_params["page"] == "3"
    at.pagination[0].set_value(2).run()  # back, by keyset from the page seen before
    assert len(_table(at)) == 50 and _caption(at, "Rows") == "Rows 51–100 of 125"


def test_the_grid_stays_the_same_widget_across_pages_unless_edits_or_ticks_are_pending(signed_in, directory):
    """Issue 18: a new editor key makes the browser build the grid anew (slow); it changes only when it must drop
    edits or ticks made on other rows."""
    seed_retailers(get_engine(), 120)
    at = _grid(signed_in)
    first = at.data_editor[0].key
    at.pagination[0].set_value(2).run()
    assert at.data_editor[0].key == first and _caption(at, "Rows") == "Rows 51–100 of 125"
    _editor(at, {0: {"_selected": True}})  # a row ticked on page 2, then page 1: a new editor, nothing ticked
    at.pagination[0].set_value(1).run()
    assert at.data_editor[0].key != first and not at.session_state[at.data_editor[0].key]["edited_rows"]


def test_a_shared_url_reproduces_the_view(signed_in, directory):
    params = {"q": "店", "f": ["status:any_of:[\"active\",\"closed\"]"], "sort": "-owner_name",
              "cols": "license_no,owner_name,status", "size": "100"}
    at = _grid(signed_in, params=params)
    assert list(_table(at)["owner_name"]) == ["王伟", "陈静"]  # by pinyin, descending: wang, chen
    assert [c for c in _table(at).columns if not c.startswith("_")] == ["license_no", "owner_name", "status"]
    assert at.text_input(key="retailers.q").value == "店" and at.selectbox(key="retailers.sort0").value == "owner_name"
    assert at.selectbox(key="retailers.size").value == 100
    at.text_input(key="retailers.q").set_value("便利").run()
    assert at.query_params["sort"] == "-owner_name" and at.query_params["cols"] == "license_no,owner_name,status"


def test_an_inline_edit_is_saved_in_one_step_and_recorded(signed_in, directory):
    """Issue 18: the run the changed cell starts saves it and shows the saved rows (no "Save changes" click)."""
    at = _grid(signed_in)
    _editor(at, {0: {"shop_name": "好又多便利店(总店)", "star_rating": 4}})
    assert "Saved changes to 1 records." in [shown(s.value) for s in at.success]
    assert not [b for b in at.button if b.key == "retailers.save"]  # nothing left to save
    assert _table(at)["shop_name"][0] == "好又多便利店(总店)"  # the same run draws the saved row
    retailer = directory.get("330102000001")
    assert (retailer.shop_name, retailer.star_rating, retailer.version) == ("好又多便利店(总店)", 4, 2)


def test_with_saving_at_once_off_edits_wait_for_save_changes_and_go_together(signed_in, directory):
    at = _grid(signed_in)
    at.toggle(key="retailers.save_at_once").set_value(False).run()
    _editor(at, {0: {"shop_name": "好又多便利店(总店)"}})
    _editor(at, {0: {"shop_name": "好又多便利店(总店)"}, 1: {"star_rating": 2}})
    assert directory.get("330102000001").shop_name == "好又多便利店" and not at.success
    assert "2 rows changed, not saved yet." in [c.value for c in at.caption]
    at.button(key="retailers.save").click().run()
    assert "Saved changes to 2 records." in [shown(s.value) for s in at.success]
    assert (directory.get("330102000001").shop_name, directory.get("330102000002").star_rating) == \
        ("好又多便利店(总店)", 2)


def test_an_invalid_inline_edit_names_row_and_field_and_saves_nothing(signed_in, directory):
    at = _grid(signed_in)
    key = at.data_editor[0].key
    _editor(at, {0: {"owner_name": "王"}, 1: {"star_rating": 9}})
    assert "金叶烟酒行 — Star rating: Must be at most 5." in shown(at.error[0].value)
    assert directory.get("330102000001").owner_name == "王伟"
    at.run()  # another run (e.g. the bell's refresh) neither saves nor drops the refused edits
    assert at.session_state[key]["edited_rows"] == {0: {"owner_name": "王"}, 1: {"star_rating": 9}}
    assert "金叶烟酒行 — Star rating: Must be at most 5." in shown(at.error[0].value)
    _editor(at, {0: {"owner_name": "王"}, 1: {"star_rating": 5}})  # the user corrects the cell: saved at once
    assert (directory.get("330102000001").owner_name, directory.get("330102000002").star_rating) == ("王", 5)


def test_a_stale_inline_edit_is_refused_and_the_input_kept(signed_in, directory):
    at = _grid(signed_in)
    key = at.data_editor[0].key
    seen = directory.get("330102000001")
    with unit_of_work(directory.supervisor.id) as s:  # someone else saves after this grid was drawn
        update_retailer(s, actor=directory.supervisor, retailer_id=seen.id, version=seen.version,
                        values={"owner_name": "王大伟"})
    _editor(at, {0: {"owner_name": "王小伟"}})
    assert "was changed by 张华" in shown(at.error[0].value) and "your input is kept" in shown(at.error[0].value)
    assert directory.get("330102000001").owner_name == "王大伟"
    assert at.session_state[key]["edited_rows"] == {0: {"owner_name": "王小伟"}}
    at.button(key="retailers.rebase").click().run()  # the user decides to overwrite
    assert directory.get("330102000001").owner_name == "王小伟"


def test_bulk_change_of_customer_manager_for_all_rows_on_the_page(signed_in, directory):
    at = _grid(signed_in)
    at.checkbox(key="retailers.select_all").check().run()
    at.selectbox(key="retailers.bulk.field").set_value("manager_id").run()
    at.selectbox(key="retailers.bulk.value.manager_id").set_value(directory.manager_b.id).run()
    at.button(key="retailers.bulk.apply").click().run()
    assert "Customer manager changed for 5 of 5 selected records" in shown(at.success[0].value)
    with unit_of_work() as s:
        assert set(s.scalars(select(Retailer.manager_id))) == {directory.manager_b.id}


def test_a_saved_view_opens_again_with_its_filters(signed_in, directory):
    at = _grid(signed_in, params={"f": "district:is:城西区"})
    at.text_input(key="retailers.views.name").set_value("West").run()
    at.button(key="retailers.views.save").click().run()
    at.query_params.clear()
    at.run()
    assert _licences(at) == list("12345")
    at.button(key="retailers.views.open").click().run()
    assert _licences(at) == ["3", "4"] and at.query_params["f"] == "district:is:城西区"


def test_a_shared_default_view_opens_for_everyone_on_a_bare_url(signed_in, directory):
    with unit_of_work(directory.supervisor.id) as s:
        save_view(s, actor=directory.supervisor, spec=RETAILERS, name="West", shared=True, is_default=True,
                  state=ViewState(filters=(Filter("district", "is", "城西区"),)))
    at = _grid(signed_in, "agent1")
    assert _licences(at) == ["3", "4"] and at.query_params["f"] == "district:is:城西区"


def test_pasted_choice_labels_and_import_spellings_are_accepted_and_others_named(signed_in, directory):
    """Issue 13 §8: Streamlit's selectbox cell dropped pasted text that was not a stored value (Suspended, 暂停);
    the editable choice column takes text, and the save reads every spelling the import reads."""
    import json

    at = _grid(signed_in)
    status = json.loads(at.data_editor[0].proto.columns)["status"]
    assert status["type_config"]["type"] == "text" and "One of: Active, Suspended, Closed." in status["help"]
    assert list(_table(at)["status"])[:2] == ["Active", "Active"]  # the labels people copy
    _editor(at, {0: {"status": "Suspended"}, 1: {"status": "暂停"}, 2: {"status": "休息"}})
    assert "“休息” is not one of: Active, Suspended, Closed." in shown(at.error[0].value)
    _editor(at, {0: {"status": "Suspended"}, 1: {"status": "暂停"}})
    assert [directory.get(lic).status for lic in ("330102000001", "330102000002")] == ["suspended", "suspended"]


def test_a_search_that_matches_nothing_draws_no_empty_grid_only_the_caption(signed_in, directory):
    for login in ("sup", "viewer1"):  # an editor's grid and a read-only table
        at = _grid(signed_in, login, {"q": "没有这家店"})
        assert not at.data_editor and not at.dataframe  # Streamlit's empty grid would say "empty" in English
        assert _caption(at, "No retailers") == "No retailers match."
        assert not at.exception


def test_an_open_cell_opens_the_row_drawn_where_it_was_clicked_before_anything_is_read_again(signed_in, directory):
    """Issue 18: the run an "open" click starts goes to the record first (portal/ui/grid.py leave_if_opened), and
    the row is the one the person saw there, even when a new record now sorts before it."""
    from portal.retailers.table import create_retailer

    for login in ("sup", "viewer1"):  # (an editor, a read-only grid)
        at = _grid(signed_in, login)
        drawn = list(_table(at)["license_no"]).index("330102000002")
        with unit_of_work(directory.supervisor.id) as s:  # sorts first now (by licence number)
            create_retailer(s, actor=directory.supervisor, values={
                "license_no": f"33010000000{len(login)}", "shop_name": "新开便利店", "owner_name": "赵新",
                "district": "城东区", "route": "线路01", "business_type": "便利店", "status": "active",
                "manager_id": directory.manager_a.id, "address": "城东区人民路2号"})
        at.session_state["retailers.editor.0.open"] = {"row": drawn}  # (the "open" column's click)
        at.run()
        assert not at.exception, at.exception
        assert at.query_params["id"] == str(directory.ids["330102000002"]), login  # (not the row there now)
        assert "金叶烟酒行" in at.title[0].value
