"""The complaints page as a kanban board (AppTest): the layout switch writes `?as=kanban`, the columns show their
counts and cards, a move without input is made at once, one that needs input asks for it, and a refused move says
why while the card stays."""
from portal import complaints as cx
from portal.i18n import set_language
from portal.ui.text import shown
from tests.complaints.test_pages import GRID, _open, desk  # noqa: F401  (the `desk` fixture)


def _card_moves(at, complaint_id):
    return next(s for s in at.selectbox if s.key and s.key.startswith(f"complaints.kanban.move.{complaint_id}."))


def _captions(at):
    return [shown(c.value) for c in at.caption]


def test_the_switch_shows_the_board_and_a_move_with_its_form_lands_the_card(signed_in, desk):  # noqa: F811
    first = desk.register().complaint_id
    desk.register()
    at = _open(signed_in, "zhanghua", GRID)
    assert at.data_editor or at.dataframe  # the grid first
    at.segmented_control(key="complaints.layout").set_value("kanban").run()
    assert not at.exception, at.exception
    assert at.query_params["as"] in ("kanban", ["kanban"])
    assert not at.data_editor and not at.dataframe
    assert any("Registered" in m.value and "2" in m.value for m in at.markdown)
    _card_moves(at, first).set_value("assign").run()  # assign needs only an optional note: a form
    assert not at.exception, at.exception
    at.button(key=next(b.key for b in at.button if b.key and b.key.endswith(".submit"))).click().run()
    assert not at.exception, at.exception
    assert desk.get(first).state == "assigned"
    assert any("Assign, done" in shown(s.value) for s in at.success)
    assert any("Assigned" in m.value and "· 1" in m.value for m in at.markdown)


def test_a_refused_move_says_why_and_the_card_stays(signed_in, desk):  # noqa: F811
    cid = desk.register().complaint_id
    desk.advance(cid, "in_progress")
    at = _open(signed_in, "zhanghua", GRID, **{"as": "kanban"})
    _card_moves(at, cid).set_value("reply").run()
    area = at.text_area(key=next(t.key for t in at.text_area if t.key.endswith(".text")))
    area.input("已安排补送。")
    at.selectbox(key=next(t.key for t in at.selectbox if t.key and t.key.endswith(".method"))).set_value("phone")
    at.button(key=next(b.key for b in at.button if b.key and b.key.endswith(".submit"))).click().run()
    assert not at.exception, at.exception
    assert any("verification result" in e.value for e in at.error), [e.value for e in at.error]
    assert desk.get(cid).state == "in_progress"
    assert any("In progress" in m.value and "· 1" in m.value for m in at.markdown)
    assert at.text_area(key=area.key).value == "已安排补送。"  # what was typed is kept


def test_a_stale_card_is_refused_and_read_again(signed_in, desk):  # noqa: F811
    cid = desk.register().complaint_id
    at = _open(signed_in, "zhanghua", GRID, **{"as": "kanban"})
    desk.run(desk.supervisor2, cx.mark_invalid, complaint_id=cid, reason="重复来电", version=None)  # meanwhile
    _card_moves(at, cid).set_value("start_progress").run()
    assert not at.exception, at.exception
    assert any("郑强 changed complaint" in e.value for e in at.error), [e.value for e in at.error]
    assert desk.get(cid).state == "invalid"
    assert any("Invalid complaint" in m.value and "· 1" in m.value for m in at.markdown)


def test_a_viewer_sees_the_board_without_moves(signed_in, desk):  # noqa: F811
    desk.register()
    at = _open(signed_in, "xuming", GRID, **{"as": "kanban"})
    assert any("Registered" in m.value for m in at.markdown)
    assert not [s for s in at.selectbox if s.key and ".kanban.move." in s.key]


def test_a_full_column_says_how_many_more_and_opens_them_as_a_grid(signed_in, desk):  # noqa: F811
    for _ in range(12):
        desk.register()
    at = _open(signed_in, "zhanghua", GRID, **{"as": "kanban"})
    assert len([s for s in at.selectbox if s.key and ".kanban.move." in s.key]) == 10  # the cards that fit
    at.button(key="complaints.kanban.more.registered").click().run()
    assert not at.exception, at.exception
    assert "as" not in at.query_params and at.query_params["f"] in ("state:is:registered", ["state:is:registered"])
    assert len(at.dataframe[0].value if at.dataframe else at.data_editor[0].value) == 12


def test_a_card_reads_its_fields_with_the_readers_colon(signed_in, desk, make_user):  # noqa: F811
    desk.register()
    make_user("supervisor", login="zhuguan", department="customer_service", name="周管", language="zh_CN")
    set_language("zh_CN")  # AppTest formats option labels in this thread (the fixture sets English back)
    at = _open(signed_in, "zhuguan", GRID, **{"as": "kanban"})
    card = next(c for c in _captions(at) if "等级" in c)
    assert "等级：" in card and ": " not in card, card
