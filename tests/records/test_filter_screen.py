"""The filter screen (AppTest on the retailers grid): a group built, added to, toggled between all and any, taken
apart again; periods and days relative to today; the sort's further levels and the column strip."""
from tests.retailers.support import directory_fixture  # noqa: F401  (the `directory` fixture)
from tests.support.app import open_page

GRID = "pages/retailers.py"


def _grid(signed_in, params=None):
    return open_page(signed_in, "sup", GRID, params)


def _licences(at):
    return sorted(lic[-1] for lic in (at.data_editor or at.dataframe)[0].value["license_no"]) \
        if (at.data_editor or at.dataframe) else []


def _condition(at, field, op, value=None, *, value_key=None):
    at.selectbox(key="retailers.nf.field").set_value(field).run()
    at.selectbox(key="retailers.nf.op").set_value(op).run()
    if value is not None:
        key = value_key or f"retailers.nf.value.{field}.{op}"
        (at.number_input(key=key) if op == "before" else at.selectbox(key=key)).set_value(value).run()


def test_a_supervisor_builds_an_or_group_and_takes_it_apart(signed_in, directory):
    at = _grid(signed_in)
    _condition(at, "district", "is", "城西区")
    at.button(key="retailers.nf.add_group").click().run()  # (城西区 …
    _condition(at, "star_rating", "before", 3)
    at.selectbox(key="retailers.nf.target").set_value(0).run()
    at.button(key="retailers.nf.add").click().run()  # … or fewer than 3 stars)
    _condition(at, "is_key_customer", "is")
    at.segmented_control(key="retailers.nf.value.is_key_customer.is").set_value(True).run()
    at.selectbox(key="retailers.nf.target").set_value(-1).run()
    at.button(key="retailers.nf.add").click().run()  # AND key customer
    assert at.query_params["f"] == ['@any:[["district","is","城西区"],["star_rating","before","3"]]',
                                    "is_key_customer:is:true"]
    assert _licences(at) == ["4"]
    assert "(District is 城西区 or Star rating is less than 3)" in [b.label for b in at.button]
    at.segmented_control(key="retailers.nf.match").set_value("any").run()  # the group OR key customer
    assert at.query_params["m"] == "any" and _licences(at) == ["1", "3", "4", "5"]
    at.segmented_control(key="retailers.nf.match0").set_value("all").run()  # (城西区 and < 3 stars) or key
    assert _licences(at) == ["1", "4"]
    at.button(key="retailers.nf.rm0.1").click().run()  # the group keeps 城西区 alone
    assert at.query_params["f"][0] == '@all:[["district","is","城西区"]]' and _licences(at) == ["1", "3", "4"]
    at.button(key="retailers.chip0").click().run()  # the group goes
    assert at.query_params["f"] == "is_key_customer:is:true" and _licences(at) == ["1", "4"]


def test_dates_relative_to_today_on_the_filter_screen(signed_in, directory):
    at = _grid(signed_in)
    _condition(at, "updated_at", "within", "past", value_key="retailers.nf.value.updated_at.within")
    at.number_input(key="retailers.nf.value.updated_at.within.n").set_value(3).run()
    at.button(key="retailers.nf.add").click().run()
    assert at.query_params["f"] == "updated_at:within:past_3" and _licences(at) == list("12345")
    assert "Last changed is within the past 3 days" in [b.label for b in at.button]
    at.button(key="retailers.chip0").click().run()
    _condition(at, "updated_at", "before")
    at.segmented_control(key="retailers.nf.value.updated_at.before.kind").set_value("relative").run()
    at.selectbox(key="retailers.nf.value.updated_at.before.day").set_value("today-").run()
    at.number_input(key="retailers.nf.value.updated_at.before.n").set_value(2).run()
    at.button(key="retailers.nf.add").click().run()
    assert at.query_params["f"] == "updated_at:before:today-2" and _licences(at) == []
    assert "Last changed is before 2 days ago" in [b.label for b in at.button]


def test_sort_levels_appear_one_by_one_up_to_five_and_the_strip_sorts_the_view(signed_in, directory):
    at = _grid(signed_in)
    names = ["district", "star_rating", "status", "route", "owner_name"]
    for level, name in enumerate(names):
        at.selectbox(key=f"retailers.sort{level}").set_value(name).run()
    assert at.query_params["sort"] == ",".join(names)
    assert not [s for s in at.selectbox if s.key == "retailers.sort5"]  # five levels at most
    at.pills(key="retailers.sort_strip").set_value("shop_name").run()
    assert at.query_params["sort"] == "shop_name,district,star_rating,status,route"
    at.pills(key="retailers.sort_strip").set_value(None).run()  # the chosen column again: reversed
    assert at.query_params["sort"].startswith("-shop_name,")
