"""Importing on the grid page: upload, automatic column mapping, the check report, then import."""
from sqlalchemy import func, select

from db.engine import unit_of_work
from db.models import Retailer
from portal.ui.text import shown
from tests.retailers.support import directory_fixture  # noqa: F401  (the `directory` fixture)

CSV = ("专卖许可证号,店铺名称,负责人,区域,业态,星级\n"
       "330110000021,南山便民店,赵敏,南山区,便利店,4\n"
       "330110000022,坏店,钱多,南山区,网吧,5\n").encode("gbk")


def _count() -> int:
    with unit_of_work() as s:
        return s.scalar(select(func.count()).select_from(Retailer))


def _upload(signed_in, name, data):
    at = signed_in("sup")
    at.switch_page("pages/retailers.py").run()
    at.toggle(key="retailers.import.on").set_value(True).run()
    at.file_uploader(key="retailers.import.file0").set_value((name, data, "text/csv")).run()
    assert not at.exception, at.exception
    return at


def test_a_file_with_a_bad_row_imports_nothing_until_the_user_keeps_only_valid_rows(signed_in, directory):
    at = _upload(signed_in, "客户.csv", CSV)
    mapping = at.data_editor(key="retailers.import.mapping").value
    assert list(mapping["field"]) == ["license_no", "shop_name", "owner_name", "district", "business_type",
                                      "star_rating"]
    at.button(key="retailers.import.check").click().run()
    assert [m.value for m in at.metric] == ["2", "1", "0", "1"]
    problems = next(d.value for d in at.dataframe if "Problem" in d.value.columns)
    assert list(problems["Row"]) == [3] and list(problems["Field"]) == ["Business type"]
    assert at.button(key="retailers.import.run").disabled and _count() == 5
    at.checkbox(key="retailers.import.valid_only").check().run()
    at.button(key="retailers.import.run").click().run()
    assert not at.exception, at.exception
    assert "Imported: 1 new, 0 changed, 0 unchanged, 1 rows left out." in [shown(s.value) for s in at.success]
    assert _count() == 6


def test_a_file_that_is_not_a_table_is_refused_with_a_message(signed_in, directory):
    at = _upload(signed_in, "notes.csv", b"\x00\x01binary")
    assert "“notes.csv” is not a CSV file" in shown(at.error[0].value)


def test_the_check_shows_what_will_change_in_each_record_before_importing(signed_in, directory):
    data = ("Licence number,Shop name,Star rating,Record version\n"
            "330102000001,好又多超市,5,1\n"  # a new shop name; the star rating is as stored
            "330102000002,金叶烟酒行,2,1\n").encode()
    at = _upload(signed_in, "retailers.csv", data)
    at.button(key="retailers.import.check").click().run()
    assert not at.exception, at.exception
    changes = next(d.value for d in at.dataframe if "After the import" in d.value.columns)
    assert changes.values.tolist() == [[2, "330102000001", "Shop name", "好又多便利店", "好又多超市"],
                                       [3, "330102000002", "Star rating", "3", "2"]]
    assert "The import will change 2 fields of existing records:" in [c.value for c in at.caption]
    at.button(key="retailers.import.run").click().run()
    assert "Imported: 0 new, 2 changed, 0 unchanged, 0 rows left out." in [shown(s.value) for s in at.success]
    assert directory.get("330102000001").shop_name == "好又多超市"
