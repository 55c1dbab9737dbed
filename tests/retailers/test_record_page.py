"""The retailer record page: every field in a form, saves with a version check, history and linked records."""
from db.engine import unit_of_work
from portal.retailers.table import update_retailer
from portal.ui.text import plain, shown
from tests.retailers.support import directory_fixture  # noqa: F401  (the `directory` fixture)

LIC = "330106000003"


def _record(signed_in, directory, login="sup", record_id=None):
    at = signed_in(login)
    at.switch_page("pages/retailer.py")
    at.query_params["id"] = str(record_id or directory.ids[LIC])
    at.run()
    assert not at.exception, at.exception
    return at


def _field(at, record_id, name):
    return at.text_input(key=f"retailers.form.{record_id}.{name}")


def _table_with(at, column):
    return next(d.value for d in at.dataframe if column in d.value.columns)


def _history(at):
    frame = _table_with(at, "Before")
    return list(zip(frame["Field"], frame["Before"], frame["After"], strict=True))


def test_the_page_shows_markup_in_names_as_text_and_every_field(signed_in, directory):
    at = _record(signed_in, directory)
    assert at.title[0].value == plain("<b>惠民</b>超市 **特价**")
    assert _field(at, directory.ids[LIC], "shop_name").value == "<b>惠民</b>超市 **特价**"
    assert at.selectbox(key=f"retailers.form.{directory.ids[LIC]}.status").value == "suspended"
    manager = _table_with(at, "To")
    assert list(manager["To"]) == ["刘洋 (KF2001)"]


def test_an_edit_in_the_form_is_saved_and_appears_in_the_history(signed_in, directory):
    at = _record(signed_in, directory)
    rid = directory.ids[LIC]
    _field(at, rid, "owner_name").set_value("张敏敏")
    at.number_input(key=f"retailers.form.{rid}.star_rating").set_value(5)
    at.button(key=f"FormSubmitter:retailers.form.{rid}-Save").click().run()
    assert not at.exception, at.exception
    assert "Saved." in [shown(s.value) for s in at.success]
    assert ("Owner", "张敏", "张敏敏") in _history(at) and ("Star rating", "4", "5") in _history(at)


def test_a_stale_form_save_is_refused_keeping_the_input_until_the_user_overrides(signed_in, directory):
    at = _record(signed_in, directory)
    rid = directory.ids[LIC]
    _field(at, rid, "owner_name").set_value("我的输入")
    seen = directory.get(LIC)
    with unit_of_work(directory.supervisor.id) as s:
        update_retailer(s, actor=directory.supervisor, retailer_id=rid, version=seen.version,
                        values={"owner_name": "别人的输入"})
    at.button(key=f"FormSubmitter:retailers.form.{rid}-Save").click().run()
    assert "was changed by 张华" in shown(at.error[0].value)
    assert _field(at, rid, "owner_name").value == "我的输入" and directory.get(LIC).owner_name == "别人的输入"
    at.button(key=f"retailers.form.{rid}..rebase").click().run()
    at.button(key=f"FormSubmitter:retailers.form.{rid}-Save").click().run()
    assert directory.get(LIC).owner_name == "我的输入"


def test_an_invalid_value_is_named_and_nothing_saved(signed_in, directory):
    at = _record(signed_in, directory)
    rid = directory.ids[LIC]
    _field(at, rid, "license_no").set_value("330102000001")
    at.button(key=f"FormSubmitter:retailers.form.{rid}-Save").click().run()
    assert "Licence number: “330102000001” already belongs to “好又多便利店”." in shown(at.error[0].value)
    assert directory.get(LIC).license_no == LIC


def test_viewers_read_the_form_with_phones_masked_and_cannot_save(signed_in, directory):
    at = _record(signed_in, directory, "viewer1", record_id=directory.ids["330102000001"])
    phone = _field(at, directory.ids["330102000001"], "phone")
    assert phone.value == "138****5678" and phone.disabled
    assert at.button(key=f"FormSubmitter:retailers.form.{directory.ids['330102000001']}-Save").disabled


def test_a_new_retailer_is_created_from_the_form(signed_in, directory):
    at = _record(signed_in, directory, record_id="new")
    for name, value in {"license_no": "330110000099", "shop_name": "新开便利店", "owner_name": "孙浩",
                        "district": "南山区"}.items():
        at.text_input(key=f"retailers.form.new.{name}").set_value(value)
    at.selectbox(key="retailers.form.new.business_type").set_value("convenience")
    at.button(key="FormSubmitter:retailers.form.new-Create").click().run()
    assert not at.exception, at.exception
    assert at.title[0].value == plain("新开便利店") and at.query_params["id"].isdigit()
