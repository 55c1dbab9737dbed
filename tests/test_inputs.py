"""URL parameters and typed values parse one strict way (portal.inputs): ASCII digits within the column's range,
days within DAY_RANGE, text without NUL; what does not parse is None, never an exception."""
from datetime import date

import pytest

from portal.errors import InputError, checked_text
from portal.i18n import _, set_language
from portal.inputs import INT4_MAX, clean_text, int_param, parse_day, parse_int, parse_month
from portal.records.fields import Field, FieldType
from portal.records.values import parse_integer, parse_reference, parse_text


@pytest.mark.parametrize("text", ["²", "١٢٣", "2147483648", "99999999999999999999", "-1", "0", "1e3", "", " ", "\x00",
                                  "1\x00", "+5", "1_000", None])
def test_ids_that_are_not_ids_are_none(text):
    assert parse_int(text) is None


def test_ids_within_int4_parse():
    assert parse_int(" 42 ") == 42 and parse_int(str(INT4_MAX)) == INT4_MAX
    assert int_param({"id": "7"}, "id") == 7 and int_param({}, "id") is None


@pytest.mark.parametrize("text", ["9999-12-31", "0001-01-01", "2026-02-30", "2026-3-1x", "²026-01-01", ""])
def test_days_out_of_range_or_malformed_are_none(text):
    assert parse_day(text) is None


def test_days_and_months_in_range_parse():
    assert parse_day("2026-03-31") == date(2026, 3, 31)
    assert parse_month("2026-03") == date(2026, 3, 1)
    assert parse_month("9999-12") is None and parse_month("2026-13") is None and parse_month("²026-01") is None


def test_text_loses_control_characters():
    assert clean_text("\x00金叶\x01 便利\x7f店 ") == "金叶 便利店"
    assert clean_text("x" * 900, limit=10) == "x" * 10


@pytest.mark.parametrize("raw", ["²", "2147483648", "-2147483649", 2**31, "١٢٣", float("inf")])
def test_a_whole_number_field_refuses_what_its_column_cannot_hold(raw):
    with pytest.raises(ValueError):
        parse_integer(Field("n", "N", FieldType.INTEGER), raw)


def test_a_whole_number_field_still_takes_whole_numbers():
    field = Field("n", "N", FieldType.INTEGER)
    assert parse_integer(field, "1,200") == 1200 and parse_integer(field, 3.0) == 3
    assert parse_integer(field, float("nan")) is None  # an empty spreadsheet cell


def test_typed_text_with_nul_is_refused_and_references_parse_strictly():
    with pytest.raises(ValueError, match="NUL"):
        parse_text(Field("t", "T", FieldType.TEXT), "a\x00b")
    link = Field("r", "R", FieldType.LINK)
    with pytest.raises(ValueError):
        parse_reference(link, "²", None)
    assert parse_reference(link, "12", None) == 12


def test_a_text_check_names_its_field_as_the_blank_message_does_in_either_language():
    blank = "Reason: say why the session is cancelled."
    assert checked_text(InputError, "cancel_reason", "  ok \n", blank=blank, limit=5) == "ok"
    with pytest.raises(InputError) as refused:
        checked_text(InputError, "cancel_reason", " ", blank=blank, limit=5)
    assert (refused.value.field, str(refused.value)) == ("cancel_reason", blank)
    with pytest.raises(InputError, match=r"^Reason: at most 5 characters, please; this text has 1,200\.$"):
        checked_text(InputError, "cancel_reason", "x" * 1200, blank=blank, limit=5)
    set_language("zh_CN")
    try:
        with pytest.raises(InputError, match="^原因：最多 5 个字符，当前文字有 6 个。$"):
            checked_text(InputError, "cancel_reason", "取消取消取消", blank=_(blank), limit=5)
        with pytest.raises(InputError, match="^备注：最多 2 个字符"):  # no blank message: the label given
            checked_text(InputError, "note", "备注备注", label=_("Note"), limit=2)
    finally:
        set_language("en")
    assert checked_text(InputError, "note", None, label="Note", limit=2) == ""  # optional: blank is fine
