"""The screens of undo and restore (issue 16): the record page's “Restore an earlier version” (also when someone saved
meanwhile), the grid's bulk change of every matching record with its confirmation, and the undo panel."""
from sqlalchemy import select

from db.engine import unit_of_work
from db.models import Retailer
from portal.retailers.table import update_retailer
from portal.ui.text import shown
from tests.retailers.support import directory_fixture  # noqa: F401  (the `directory` fixture)
from tests.support.app import open_page

LIC = "330106000003"


def _edit(directory, license_no=LIC, **values):
    with unit_of_work(directory.supervisor.id) as s:
        update_retailer(s, actor=directory.supervisor, retailer_id=directory.ids[license_no],
                        version=directory.get(license_no).version, values=values)


def _open(signed_in, page, params, login="sup"):
    return open_page(signed_in, login, page, params)


def _history_actions(at):
    frame = next(d.value for d in at.dataframe if "Before" in d.value.columns)
    return list(frame["What"])


def test_the_history_panel_restores_a_version_and_refuses_when_someone_saved_meanwhile(signed_in, directory):
    _edit(directory, shop_name="惠民超市", star_rating="2")
    rid = directory.ids[LIC]
    at = _open(signed_in, "pages/retailer.py", {"id": str(rid)})
    k = f"retailers.restore.{rid}"
    assert at.selectbox(key=k + ".number").options == ["Version 1 · " + at.selectbox(key=k + ".number")
                                                       .options[0].split(" · ", 1)[1]]
    said = shown(next(m.value for m in at.markdown if "go back to version 1" in m.value))
    assert "Shop name: <b>惠民</b>超市 **特价**" in said and "Star rating: 4" in said
    _edit(directory, owner_name="张敏敏")  # someone saves after the page was drawn
    at.button(key=k + ".apply").click().run()
    assert "was changed by 张华" in shown(at.error[0].value) and "Nothing was saved" in shown(at.error[0].value)
    assert directory.get(LIC).shop_name == "惠民超市"
    at.run()  # the page now shows the newer version: restoring works
    at.button(key=k + ".apply").click().run()
    assert not at.exception, at.exception
    assert "Restored version 1." in shown(at.success[0].value)
    record = directory.get(LIC)
    assert (record.shop_name, record.star_rating, record.owner_name) == ("<b>惠民</b>超市 **特价**", 4, "张敏")
    assert _history_actions(at)[0] == "restored version 1"
    assert at.text_input(key=f"retailers.form.{rid}.shop_name").value == "<b>惠民</b>超市 **特价**"  # the form too


def test_a_viewer_gets_no_restore(signed_in, directory):
    _edit(directory, shop_name="惠民超市")
    at = _open(signed_in, "pages/retailer.py", {"id": str(directory.ids[LIC])}, login="viewer1")
    assert not [s for s in at.selectbox if s.key and ".restore." in s.key]


def test_bulk_change_of_every_matching_record_asks_with_the_count_then_undo_takes_it_back(signed_in, directory):
    at = _open(signed_in, "pages/retailers.py", {"f": "district:is:城东区"})
    at.toggle(key="retailers.bulk.all").set_value(True).run()
    at.selectbox(key="retailers.bulk.field").set_value("manager_id").run()
    at.selectbox(key="retailers.bulk.value.manager_id").set_value(directory.manager_b.id).run()
    at.button(key="retailers.bulk.apply_all").click().run()
    assert shown(at.warning[0].value) == "Set Customer manager to “周杰 (KF2003)” on 2 retailers?"
    with unit_of_work() as s:
        assert set(s.scalars(select(Retailer.manager_id))) == {directory.manager_a.id}  # nothing before “Yes”
    at.button(key="retailers.bulk.confirmed").click().run()
    assert not at.exception, at.exception
    assert "Customer manager changed on 2 of 2 matching records" in shown(at.success[0].value)
    with unit_of_work() as s:
        managers = dict(s.execute(select(Retailer.license_no, Retailer.manager_id)).all())
    assert sorted(managers.values()) == sorted([directory.manager_b.id] * 2 + [directory.manager_a.id] * 3)
    caption = next(c.value for c in at.caption if "Last bulk change" in shown(c.value))
    assert "Customer manager set to “周杰 (KF2003)” on 2 retailers, by 张华" in shown(caption)
    _edit(directory, "330102000002", owner_name="李芳芳")  # one of them changes meanwhile
    at.button(key="retailers.undo.bulk").click().run()
    said = shown(at.success[0].value)
    assert "Undone: 1 records went back." in said and "金叶烟酒行 — changed since: 张华" in said
    assert directory.get("330102000001").manager_id == directory.manager_a.id
    assert directory.get("330102000002").manager_id == directory.manager_b.id
    assert not [b for b in at.button if b.key == "retailers.undo.bulk"]  # undone: no longer offered


def test_a_grouped_view_still_offers_the_undo_of_the_last_bulk_change(signed_in, directory):
    at = _open(signed_in, "pages/retailers.py", {})
    at.checkbox(key="retailers.select_all").check().run()
    at.selectbox(key="retailers.bulk.field").set_value("manager_id").run()
    at.selectbox(key="retailers.bulk.value.manager_id").set_value(directory.manager_b.id).run()
    at.button(key="retailers.bulk.apply").click().run()
    at = _open(signed_in, "pages/retailers.py", {"group": "district"})
    assert not at.data_editor  # grouped: no editable grid, no bulk bar
    at.button(key="retailers.undo.bulk").click().run()
    assert not at.exception, at.exception
    assert "Undone: 5 records went back." in shown(at.success[0].value)
    assert {directory.get(lic).manager_id for lic in directory.ids} == {directory.manager_a.id}
