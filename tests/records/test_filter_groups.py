"""AND/OR filter groups as SQL on real PostgreSQL rows (every operator of every type inside a group), a page's own
filter added to an OR view, and the URL and JSON spellings (a link from before groups opens the same filters)."""
# ruff: noqa: F811  (the tests take the imported `samples` fixture as an argument)
import pytest
from sqlalchemy import select, true

from db.engine import unit_of_work
from portal.records.filter_groups import ALL, ANY, FilterGroup, items_clause
from portal.records.filters import Filter
from portal.records.view import MAX_SORT_LEVELS, ViewState
from portal.retailers.table import RETAILERS
from tests.records.test_filters import CASES, SAMPLES, Sample, samples  # noqa: F401  (the sample rows' fixture)
from tests.retailers.support import directory_fixture, english_fixture  # noqa: F401  (fixtures)

A, B, C = "Alpha shop", "Beta 商店", "Gamma"
NOTHING = Filter("title", "is", "no such title")
EVERYTHING = Filter("title", "not_empty")


def _titles(items, match=ALL) -> set[str]:
    clause, problems = items_clause(SAMPLES, items, match, None)
    assert problems == []
    with unit_of_work() as s:
        return set(s.scalars(select(Sample.title).where(true() if clause is None else clause)))


@pytest.mark.parametrize(("name", "op", "value", "expected"), CASES)
def test_every_operator_of_every_type_works_inside_groups(samples, name, op, value, expected):
    flt = Filter(name, op, value)
    assert _titles((FilterGroup(ANY, (flt, NOTHING)),)) == expected  # OR with nothing: the condition's rows
    assert _titles((FilterGroup(ALL, (flt, EVERYTHING)),), ANY) == expected  # AND with everything: the same
    assert _titles((flt, Filter("title", "is", C)), ANY) == expected | {C}  # OR at the top level
    assert _titles((flt, FilterGroup(ANY, (Filter("title", "is", C), NOTHING)))) == expected - {A, B}  # AND


def test_groups_say_what_supervisors_mean(samples):
    # (quantity above 3 OR kind is Apple) AND done
    assert _titles((FilterGroup(ANY, (Filter("qty", "after", "3"), Filter("kind", "is", "a"))),
                    Filter("done", "is", "true"))) == {A}
    # done OR quantity up to 2 ("key customer OR grade ≤ 2")
    assert _titles((Filter("done", "is", "true"), Filter("qty", "before", "6")), ANY) == {A, B}
    # (Apple AND done) OR no kind
    assert _titles((FilterGroup(ALL, (Filter("kind", "is", "a"), Filter("done", "is", "true"))),
                    Filter("kind", "empty")), ANY) == {A, C}
    assert _titles(()) == {A, B, C}


def test_a_condition_that_cannot_be_applied_is_left_out_and_said(samples):
    clause, problems = items_clause(SAMPLES, (FilterGroup(ANY, (Filter("qty", "is", "many"),
                                                                Filter("kind", "is", "a"))),), ALL, None)
    assert len(problems) == 1 and "Quantity" in problems[0]
    with unit_of_work() as s:
        assert set(s.scalars(select(Sample.title).where(clause))) == {A}


@pytest.mark.parametrize("items", [
    (Filter("kind", "is", "a"), Filter("qty", "after", "3")),
    (FilterGroup(ALL, (Filter("kind", "is", "a"), Filter("done", "is", "true"))), Filter("kind", "empty")),
    (FilterGroup(ANY, (Filter("kind", "is", "b"), Filter("qty", "empty"))), Filter("done", "is", "true")),
])
@pytest.mark.parametrize("extra", [(Filter("title", "contains", "a"),), (Filter("qty", "not_empty"),
                                                                         Filter("done", "is", "false"))])
def test_a_pages_own_filter_narrows_an_or_view_one_level_deep(samples, items, extra):
    view = ViewState(filters=items, match=ANY)
    narrowed = view.narrowed(*extra)
    assert all(not isinstance(c, FilterGroup) or all(isinstance(f, Filter) for f in c.conditions)
               for c in narrowed.filters)
    assert _titles(narrowed.filters, narrowed.match) == _titles(items, ANY) & _titles(extra)
    assert ViewState(filters=items).narrowed(*extra).filters == (*items, *extra)


OR_VIEW = ViewState(filters=(FilterGroup(ANY, (Filter("district", "any_of", ("城东区", "城西区")),
                                               Filter("shop_name", "contains", "a:b]\""))),
                             Filter("star_rating", "between", ("1", "2")), Filter("phone", "empty")),
                    match=ANY, sort=(("shop_name", True), ("star_rating", False), ("district", False),
                                     ("route", True), ("status", False)))


def test_groups_survive_the_url_and_json_round_trips():
    params = OR_VIEW.to_params()
    assert params["m"] == "any" and params["f"][0].startswith("@any:[")
    assert ViewState.from_params(RETAILERS, params) == (OR_VIEW, [])
    assert ViewState.from_json(RETAILERS, OR_VIEW.to_json()) == OR_VIEW.with_(page=1)
    assert OR_VIEW.to_json()["filters"]["match"] == "any"


def test_an_old_link_and_an_old_saved_view_mean_what_they_meant():
    old_url = {"f": ["district:is:城东区", "star_rating:between:[\"3\",\"5\"]"], "sort": "-shop_name"}
    view, ignored = ViewState.from_params(RETAILERS, old_url)
    assert ignored == [] and view.match == ALL
    assert view.filters == (Filter("district", "is", "城东区"), Filter("star_rating", "between", ("3", "5")))
    assert view.to_params()["f"] == old_url["f"]  # an AND-only view keeps the old spelling
    old_json = {"search": "", "filters": [["district", "is", "城东区"], ["star_rating", "between", ["3", "5"]]],
                "sort": [["shop_name", True]], "columns": [], "page_size": 50}
    assert ViewState.from_json(RETAILERS, old_json) == view


def test_five_sort_levels_are_kept_and_a_sixth_is_ignored():
    assert MAX_SORT_LEVELS == 5
    levels = "shop_name,-star_rating,district,route,status,owner_name"
    view, ignored = ViewState.from_params(RETAILERS, {"sort": levels})
    assert len(view.sort) == 5 and len(ignored) == 1


def test_a_malformed_group_or_combination_is_ignored_and_said():
    view, ignored = ViewState.from_params(RETAILERS, {"f": ["@any:[[\"nope\",\"is\",\"x\"]]", "@some:[]", "@all:{",
                                                            "district:is:城东区"], "m": "most"})
    assert view.filters == (Filter("district", "is", "城东区"),) and view.match == ALL and len(ignored) == 4


def test_an_or_view_is_collected_and_counted_in_one_pass(directory, monkeypatch):
    from portal.records import query

    counted = []
    monkeypatch.setattr(query, "count_view", lambda *a, **k: counted.append(1) or (0, True))
    view = ViewState(filters=(Filter("is_key_customer", "is", "true"), Filter("star_rating", "before", "3")),
                     match=ANY, sort=(("owner_name", False),))
    with unit_of_work() as s:
        page = query.fetch_page(s, actor=directory.viewer, spec=RETAILERS, view=view)
    assert [r["owner_name"] for r in page.rows] == ["陈静", "刘洋", "王伟"]  # by pinyin
    assert (page.total, page.exact, counted) == (3, True, [])  # the total came with the rows


def test_an_operator_the_field_does_not_offer_is_ignored_and_said():
    """A link (or a stored view) may name any operator; one the filter bar does not offer for the field's type is
    left out and said, not shown (its label was looked up and the page failed) nor applied."""
    view, ignored = ViewState.from_params(RETAILERS, {"f": ["star_rating:on:9999-12-31", "district:contains:城",
                                                            "@any:[[\"shop_name\",\"between\",\"x\"]]"]})
    assert view.filters == (Filter("district", "contains", "城"),) and len(ignored) == 2
