"""Reading views: sort, quick search, counts, keyset = offset paging, joins not per row, URL round trip."""
from sqlalchemy import event, text

from db.engine import get_engine, get_owner_engine, unit_of_work
from portal.records import query
from portal.records.filters import Filter
from portal.records.query import fetch_page
from portal.records.view import ViewState
from portal.retailers.table import RETAILERS
from tests.retailers.support import directory_fixture, english_fixture  # noqa: F401  (fixtures)


def _page(actor, view):
    with unit_of_work() as s:
        return fetch_page(s, actor=actor, spec=RETAILERS, view=view)


def _licences(page):
    return [r["license_no"][-1] for r in page.rows]


def test_default_sort_is_by_licence_and_any_sortable_field_sorts_both_ways(directory):
    sup = directory.supervisor
    assert _licences(_page(sup, ViewState())) == list("12345")
    assert _licences(_page(sup, ViewState(sort=(("star_rating", True),)))) == list("13245")
    assert _licences(_page(sup, ViewState(sort=(("district", False), ("star_rating", False))))) == list("21435")


def test_quick_search_needs_every_word_somewhere_and_ignores_masked_phones(directory):
    assert _licences(_page(directory.viewer, ViewState(search="惠民"))) == ["3"]
    assert _licences(_page(directory.viewer, ViewState(search="人民路 城西"))) == ["3", "4"]
    assert _licences(_page(directory.viewer, ViewState(search="100%_"))) == []
    assert _licences(_page(directory.supervisor, ViewState(search="13812345678"))) == ["1"]
    assert _licences(_page(directory.viewer, ViewState(search="13812345678"))) == []


def test_short_chinese_words_are_found_through_the_grams_index(directory):
    assert _licences(_page(directory.viewer, ViewState(search="杂"))) == ["4", "5"]
    assert _licences(_page(directory.viewer, ViewState(search="利店"))) == ["1"]
    assert _licences(_page(directory.viewer, ViewState(search="便利店"))) == ["1"]
    assert _licences(_page(directory.viewer, ViewState(search="B>"))) == ["3"]  # case-insensitive, literal
    view = ViewState(filters=(Filter("shop_name", "contains", "烟酒"),))
    assert _licences(_page(directory.viewer, view)) == ["2"]


def test_filters_combine_with_and_and_count_exactly(directory):
    view = ViewState(filters=(Filter("district", "is", "城东区"), Filter("is_key_customer", "is", "true")))
    page = _page(directory.viewer, view)
    assert (_licences(page), page.total, page.exact) == (["1"], 1, True)


def test_viewers_get_masked_phones_and_everyone_gets_manager_names_from_one_query(directory):
    statements = []
    engine = get_engine()
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        page = _page(directory.viewer, ViewState(page_size=200))
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert page.rows[0]["phone"] == "138****5678" and page.rows[2]["phone"] is None
    assert {r["manager_id__label"] for r in page.rows} == {"刘洋 (KF2001)"}
    assert len(statements) == 3  # size estimate, count and the page, whatever the page size


def test_unfiltered_large_tables_are_counted_by_the_planner_estimate(directory, monkeypatch):
    with get_owner_engine().begin() as conn:  # ANALYZE is the tables owner's
        conn.execute(text("analyze retailers"))
    monkeypatch.setattr(query, "ESTIMATE_FROM", 1)
    page = _page(directory.viewer, ViewState())
    assert (page.total, page.exact) == (5, False)
    assert _page(directory.viewer, ViewState(search="城")).exact


def test_keyset_pages_equal_offset_pages_forward_and_back(directory):
    for sort in [(), (("shop_name", True),), (("district", False), ("star_rating", False))]:
        view = ViewState(sort=sort, page_size=2)
        with unit_of_work() as s:
            first = fetch_page(s, actor=directory.viewer, spec=RETAILERS, view=view)
            second = fetch_page(s, actor=directory.viewer, spec=RETAILERS, view=view.with_(page=2),
                                after=first.last_key)
            third = fetch_page(s, actor=directory.viewer, spec=RETAILERS, view=view.with_(page=3),
                               after=second.last_key)
            back = fetch_page(s, actor=directory.viewer, spec=RETAILERS, view=view.with_(page=2),
                              before=third.first_key)
        offset_pages = [_page(directory.viewer, view.with_(page=n)) for n in (1, 2, 3)]
        assert [_licences(p) for p in (first, second, third)] == [_licences(p) for p in offset_pages]
        assert _licences(back) == _licences(offset_pages[1])


def test_view_state_survives_the_url_round_trip():
    view = ViewState(search="便利 人民路", filters=(Filter("district", "any_of", ("城东区", "城西区")),
                                                 Filter("star_rating", "between", ("3", "5")),
                                                 Filter("phone", "empty"), Filter("shop_name", "contains", "a:b")),
                     sort=(("shop_name", True), ("star_rating", False)), columns=("shop_name", "district"),
                     page=400, page_size=100, layout="kanban")
    assert view.to_params()["as"] == "kanban" and ViewState.from_json(RETAILERS, view.to_json()).layout == "kanban"
    again, ignored = ViewState.from_params(RETAILERS, view.to_params())
    assert again == view and ignored == []
    assert ViewState().to_params() == {}


def test_a_url_with_nonsense_keeps_what_it_can_and_says_what_it_ignored():
    view, ignored = ViewState.from_params(RETAILERS, {"f": ["nope:is:x", "district:is:城东区"], "sort": "-secret",
                                                      "page": "x", "size": "7", "as": "gantt"})
    assert view.filters == (Filter("district", "is", "城东区"),) and view.page == 1 and view.page_size == 50
    assert view.layout == "grid" and len(ignored) == 3


def test_a_search_too_long_to_use_does_not_go_into_the_address():
    """A search box filled with 20,000 characters must not make an address the server refuses (Streamlit's HTTP server
    rejects a request line of ~60 KB): the view keeps what a search can use, and its link opens the same view."""
    from portal.records.filters import SEARCH_LIMIT

    params = ViewState(search="长\x00" * 20_000).to_params()
    assert params["q"] == "长" * SEARCH_LIMIT
    assert ViewState.from_params(RETAILERS, params)[0].to_params() == params
