"""Quick search of a common word: the page is found by walking the sort order (plain ILIKE per row) and the total
is the planner's estimate; a rare word is collected and counted exactly. Both pages are the same rows."""
from db.engine import unit_of_work
from portal.access.auth import CurrentUser
from portal.records import query
from portal.records.query import fetch_page
from portal.records.view import ViewState
from portal.retailers.scale import seed_retailers
from portal.retailers.table import RETAILERS
from tests.retailers.support import english_fixture  # noqa: F401  (autouse: English messages)

SUPERVISOR = CurrentUser(1, "s", "S", "S1", frozenset({"supervisor"}), None, "en")


def _page(search: str):
    with unit_of_work() as s:
        return fetch_page(s, actor=SUPERVISOR, spec=RETAILERS, view=ViewState(search=search, page_size=20))


def test_a_common_word_is_paged_by_walking_the_sort_order_with_an_estimated_total(db, monkeypatch, owner_db):
    seed_retailers(owner_db, 400)
    collected = _page("便利")
    assert collected.exact and collected.total > 20
    monkeypatch.setattr(query, "COLLECT_UP_TO", 10)
    walked = _page("便利")
    assert not walked.exact and walked.total > 10
    assert [r["id"] for r in walked.rows] == [r["id"] for r in collected.rows]
    assert all("便利" in r["shop_name"] for r in walked.rows)
    rare = _page("不存在的店")
    assert rare.exact and rare.total == 0 and rare.rows == []
