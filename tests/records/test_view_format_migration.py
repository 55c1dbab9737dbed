"""Migration 0031 on real saved views: AND-lists become {"match", "items"} and open the same rows; a downgrade writes
the former list back where it says the same, never shows more rows where it cannot, and the next upgrade restores
the groups. Names sort by pinyin, through an index keyset paging can walk."""
import importlib.util
from pathlib import Path

from sqlalchemy import select, text

from db.engine import unit_of_work
from db.models import SavedView
from portal.records import query
from portal.records.filter_groups import ANY, FilterGroup
from portal.records.filters import Filter
from portal.records.query import fetch_page
from portal.records.view import ViewState
from portal.retailers.table import RETAILERS
from tests.retailers.support import directory_fixture, english_fixture  # noqa: F401  (fixtures)

_FILE = next(Path(__file__).parents[2].glob("migrations/versions/*_filter_groups_pinyin.py"))
_SPEC = importlib.util.spec_from_file_location("filter_groups_migration", _FILE)
MIGRATION = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(MIGRATION)

OLD_EAST = {"search": "", "filters": [["district", "is", "城东区"], ["star_rating", "between", ["3", "5"]]],
            "sort": [["star_rating", True]], "columns": [], "page_size": 50}
OLD_NONE = {"search": "便利", "sort": [], "columns": ["shop_name"], "page_size": 100}  # no filters key at all
OR_VIEW = ViewState(filters=(Filter("is_key_customer", "is", "true"), Filter("star_rating", "before", "3")),
                    match=ANY)
AND_GROUPS = ViewState(filters=(FilterGroup("all", (Filter("district", "is", "城东区"),)),
                                FilterGroup(ANY, (Filter("status", "is", "active"),))))


def _licences(actor, view):
    with unit_of_work() as s:
        return [r["license_no"][-1] for r in fetch_page(s, actor=actor, spec=RETAILERS, view=view).rows]


def _store(owner_id, states):
    with unit_of_work() as s:
        ids = []
        for n, state in enumerate(states):
            view = SavedView(table_name="retailers", owner_id=owner_id, name=f"v{n}", state=state)
            s.add(view)
            s.flush()
            ids.append(view.id)
        return ids


def _states(ids):
    with unit_of_work() as s:
        return [s.scalar(select(SavedView.state).where(SavedView.id == i)) for i in ids]


def _migrate(step):
    with unit_of_work() as s:
        step(s.connection())


def test_old_saved_views_are_rewritten_and_open_the_same_rows(directory):
    sup = directory.supervisor
    before = [ViewState.from_json(RETAILERS, s) for s in (OLD_EAST, OLD_NONE)]
    ids = _store(sup.id, [OLD_EAST, OLD_NONE])
    _migrate(MIGRATION.views_up)
    east, none = _states(ids)
    assert east["filters"] == {"match": "all", "items": OLD_EAST["filters"]}
    assert none["filters"] == {"match": "all", "items": []} and none["search"] == "便利"
    after = [ViewState.from_json(RETAILERS, s) for s in (east, none)]
    assert after == before
    assert _licences(sup, after[0]) == _licences(sup, before[0]) == ["1", "2"]
    _migrate(MIGRATION.views_up)  # a second run changes nothing
    assert _states(ids) == [east, none]


def test_a_downgrade_keeps_what_it_can_and_the_next_upgrade_restores_groups(directory):
    sup = directory.supervisor
    ids = _store(sup.id, [OR_VIEW.to_json(), AND_GROUPS.to_json()])
    or_rows = _licences(sup, OR_VIEW)
    assert or_rows == ["1", "4", "5"]
    _migrate(MIGRATION.views_down)
    either, both = _states(ids)
    assert both["filters"] == [["district", "is", "城东区"], ["status", "is", "active"]] and "filters_v2" not in both
    assert either["filters"] == [["is_key_customer", "is", "true"], ["star_rating", "before", "3"]]
    flattened = ViewState.from_json(RETAILERS, either)  # what the former code shows: fewer rows, never more
    assert set(_licences(sup, flattened)) <= set(or_rows) and _licences(sup, flattened) == ["4"]
    _migrate(MIGRATION.views_up)
    either, both = _states(ids)
    assert ViewState.from_json(RETAILERS, either) == OR_VIEW and "filters_v2" not in either
    assert _licences(sup, ViewState.from_json(RETAILERS, both)) == _licences(sup, AND_GROUPS) == ["1", "2"]


def test_names_sort_by_pinyin_and_codes_by_code(directory):
    sup = directory.supervisor
    # owners 王伟 李芳 张敏 刘洋 陈静: chen, li, liu, wang, zhang (by character code: 刘 张 李 王 陈)
    assert _licences(sup, ViewState(sort=(("owner_name", False),))) == list("52413")
    assert _licences(sup, ViewState(sort=(("owner_name", True),))) == list("31425")
    assert _licences(sup, ViewState(sort=(("license_no", True),))) == list("54321")
    assert RETAILERS.field("manager_id").sorts_by_pinyin and not RETAILERS.field("license_no").sorts_by_pinyin
    joins = query._Joins(RETAILERS)
    keys = query.sort_keys(RETAILERS, ViewState(sort=(("shop_name", False),)), sup, joins)
    assert query._keyset_ready(RETAILERS, keys)  # the pinyin key of a NOT NULL column, then the id
    with unit_of_work() as s:
        index = s.scalar(text("select indexdef from pg_indexes where indexname = 'ix_retailers_shop_name_pinyin'"))
    assert "portal_pinyin((shop_name)::text), id" in index
