"""Complaints as a kanban board (portal/complaints/kanban.py over portal/records/kanban.py): counts per column
against hand counts, the rows each user may see, moves through the workflow with its rules and version check."""
import pytest

from db.engine import unit_of_work
from portal import complaints as cx
from portal.access.auth import PermissionDenied
from portal.complaints import table
from portal.complaints.kanban import BOARD
from portal.complaints.rules import ComplaintInputError
from portal.complaints.table import COMPLAINTS
from portal.errors import STALE, InputError
from portal.i18n import set_language
from portal.records import kanban
from portal.records.filters import Filter
from portal.records.kanban import board_of, move_card, read_board
from portal.records.view import ViewState
from tests.complaints.support import FRIDAY_3PM, center_fixture  # noqa: F401  (the `center` fixture)


@pytest.fixture(autouse=True)
def english():
    set_language("en")
    table.forget_calendar()
    yield


def _board(center, actor, view=None, per_column=20):
    view = view or ViewState()
    with unit_of_work(actor.id, engine=center.engine) as s:
        return {c.value: c for c in read_board(s, actor=actor, spec=COMPLAINTS, board=BOARD, view=view,
                                                per_column=per_column)}


def _move(center, actor, complaint_id, move, version, **inputs):
    with unit_of_work(actor.id, engine=center.engine) as s:
        move_card(s, actor=actor, board=BOARD, move=move, record_id=complaint_id, version=version, inputs=inputs)


def _ids(column):
    return [card["id"] for card in column.cards]


def test_columns_count_every_match_and_show_the_first_cards_in_the_views_order(center):
    made = [center.register().complaint_id for _ in range(7)]
    for cid in made[:3]:
        center.advance(cid, "assigned")
    center.advance(made[3], "in_progress")
    center.run(center.supervisor, cx.mark_invalid, complaint_id=made[4], reason="测试", version=None)
    board = _board(center, center.supervisor, ViewState(sort=(("reference", False),)), per_column=2)
    assert board_of(COMPLAINTS) is BOARD
    by_hand = {"registered": 2, "assigned": 3, "in_progress": 1, "invalid": 1}
    assert {state: column.count for state, column in board.items() if column.count} == by_hand
    assert list(board) == list(table.STATE_LABELS)  # every state a column, in the workflow's order
    assert _ids(board["assigned"]) == made[:2] and board["assigned"].more == 1  # "and 1 more"
    assert _ids(board["registered"]) == made[5:7] and board["registered"].more == 0
    assert board["closed"].count == 0 and board["closed"].cards == []
    card = board["in_progress"].cards[0]
    assert card["reference"] and card["state"] == "in_progress" and card["version"] >= 1
    filtered = _board(center, center.supervisor, ViewState(filters=(Filter("state", "is", "assigned"),)))
    assert {s: c.count for s, c in filtered.items() if c.count} == {"assigned": 3}


def test_a_handler_sees_only_the_cards_of_their_department_and_phones_masked_for_a_viewer(center):
    mine = center.register().complaint_id  # delivery: logistics
    other = center.register(category_id=center.categories["pricing"]).complaint_id  # marketing's
    center.advance(mine, "assigned")
    center.run(center.supervisor, cx.assign_complaint, complaint_id=other, version=None)
    seen = _board(center, center.handler, ViewState(columns=("reference", "complainant_phone")))
    assert [card["id"] for col in seen.values() for card in col.cards] == [mine]
    assert sum(col.count for col in seen.values()) == 1
    everyone = _board(center, center.viewer, ViewState(columns=("reference", "complainant_phone")))
    assert sum(col.count for col in everyone.values()) == 2
    assert {card["complainant_phone"] for col in everyone.values() for card in col.cards} == {"138****5678"}


def test_a_move_goes_through_the_workflow_and_the_card_lands_in_its_column(center):
    cid = center.register().complaint_id
    card = _board(center, center.supervisor)["registered"].cards[0]
    _move(center, center.supervisor, cid, "assign", card["version"], note="请物流部处理")
    board = _board(center, center.supervisor)
    assert _ids(board["assigned"]) == [cid] and board["registered"].count == 0
    assert center.moves(cid)[-1] == ("registered", "assigned")  # the timeline has the workflow's event
    card = board["assigned"].cards[0]
    _move(center, center.handler, cid, "start_progress", card["version"])
    card = _board(center, center.handler)["in_progress"].cards[0]
    _move(center, center.handler, cid, "reply", card["version"], verification_result="属实", text="已补送。",
          method="phone")
    assert center.get(cid).state == "replied" and center.get(cid).reply_text == "已补送。"


def test_a_move_the_rules_refuse_says_why_and_the_card_stays(center):
    cid = center.register().complaint_id
    center.advance(cid, "in_progress")
    card = _board(center, center.handler)["in_progress"].cards[0]
    with pytest.raises(ComplaintInputError) as refused:  # a reply needs the investigation's verification result
        _move(center, center.handler, cid, "reply", card["version"], text="已处理。", method="phone")
    assert "verification result" in str(refused.value)
    with pytest.raises(PermissionDenied):  # not this handler's department's complaint... nor a supervisor's move
        _move(center, center.marketing_handler, cid, "reply", card["version"], text="x", method="phone")
    board = _board(center, center.handler)
    assert _ids(board["in_progress"]) == [cid] and board["replied"].count == 0
    assert center.get(cid).version == card["version"]  # nothing was written


def test_a_move_on_a_card_someone_changed_since_is_refused_as_stale(center):
    cid = center.register().complaint_id
    card = _board(center, center.supervisor)["registered"].cards[0]  # the supervisor's board shows it registered
    center.run(center.supervisor2, cx.assign_complaint, complaint_id=cid, version=card["version"])  # meanwhile
    with pytest.raises(InputError) as refused:
        _move(center, center.supervisor, cid, "mark_invalid", card["version"], reason="重复来电")
    assert refused.value.field == STALE and "郑强" in str(refused.value)
    assert center.get(cid).state == "assigned"


def test_a_large_table_seen_whole_is_counted_from_the_statistics_and_never_below_its_cards(center, engine,
                                                                                          monkeypatch):
    made = [center.register().complaint_id for _ in range(6)]
    for cid in made[:2]:
        center.advance(cid, "assigned")
    with engine.begin() as conn:
        conn.exec_driver_sql("analyze complaints")
    monkeypatch.setattr(kanban, "ESTIMATE_FROM", 1)  # as for a province's million complaints
    board = _board(center, center.supervisor, per_column=1)
    assert (board["registered"].count, board["registered"].exact, board["registered"].more) == (4, False, 3)
    assert (board["assigned"].count, board["assigned"].exact) == (2, False)
    assert (board["closed"].count, board["closed"].exact) == (0, True)  # no card at all: none, exactly
    handler = _board(center, center.handler, per_column=1)  # a row scope is a condition: counted exactly
    assert (handler["assigned"].count, handler["assigned"].exact) == (2, True)


def test_a_filtered_column_is_counted_up_to_a_limit_and_says_more_than(center, monkeypatch):
    for _ in range(4):
        center.register()
    monkeypatch.setattr(kanban, "COUNT_UP_TO", 3)  # as for a department's 200,000 closed complaints
    board = _board(center, center.supervisor,
                   ViewState(filters=(Filter("grade", "is", "3"),)), per_column=2)
    registered = board["registered"]
    assert (registered.count, registered.at_least, registered.exact, registered.more) == (3, True, False, 1)
    assert len(registered.cards) == 2 and board["assigned"].count == 0
