"""What people type becomes typed values the same way everywhere (forms, grid, import, filters)."""
from datetime import date, datetime
from decimal import Decimal

import pytest

from portal.records.fields import Choice, Field, FieldType
from portal.records.validation import check_rules, clean_value, validate_record
from portal.retailers.table import RETAILERS
from tests.retailers.support import english_fixture  # noqa: F401  (autouse: English messages)

TEXT = Field("t", "Text", FieldType.TEXT, max_length=5, required=True)
LONG = Field("l", "Long", FieldType.LONG_TEXT)
INT = Field("i", "Int", FieldType.INTEGER, min_value=1, max_value=5)
DEC = Field("d", "Dec", FieldType.DECIMAL)
DAY = Field("day", "Day", FieldType.DATE)
WHEN = Field("when", "When", FieldType.DATETIME)
PICK = Field("p", "Pick", FieldType.SINGLE_SELECT, choices=(Choice("a", "Apple", ("苹果",)), Choice("b", "Banana")))
TAGS = Field("tags", "Tags", FieldType.MULTI_SELECT, choices=PICK.choices)
FLAG = Field("f", "Flag", FieldType.CHECKBOX)
PHONE = Field("ph", "Phone", FieldType.PHONE)
MAIL = Field("m", "Mail", FieldType.EMAIL)


@pytest.mark.parametrize(("field", "raw", "value"), [
    (TEXT, "  a  b ", "a b"),
    (LONG, "", None),
    (TEXT, 330102123456.0, None),  # too long, but parses: checked below
    (LONG, "line 1\r\nline 2", "line 1\nline 2"),
    (Field("n", "N", FieldType.INTEGER), "1,234", 1234),
    (INT, 3.0, 3),
    (DEC, "12.50", Decimal("12.50")),
    (DAY, "2026/3/31", date(2026, 3, 31)),
    (DAY, "2026年3月31日", date(2026, 3, 31)),
    (DAY, datetime(2026, 3, 31, 8), date(2026, 3, 31)),
    (PICK, "apple", "a"),
    (PICK, "苹果", "a"),
    (PICK, "b", "b"),
    (TAGS, "Apple、Banana, apple", ["a", "b"]),
    (FLAG, "是", True),
    (FLAG, "no", False),
    (FLAG, None, False),
    (PHONE, "138 1234 5678", "13812345678"),
    (PHONE, "0571-88886666", "0571-88886666"),
    (MAIL, "Li@Example.COM", "Li@example.com"),
])
def test_values_parse_like_people_write_them(field, raw, value):
    if field is TEXT and isinstance(raw, float):
        with pytest.raises(ValueError, match="At most 5 characters"):
            clean_value(field, raw)
        return
    assert clean_value(field, raw) == value


def test_datetime_without_zone_is_server_local_time():
    value = clean_value(WHEN, "2026-03-31 14:30")
    assert value.tzinfo is not None and (value.hour, value.minute) == (14, 30)


@pytest.mark.parametrize(("field", "raw", "message"), [
    (INT, "three", "whole number"),
    (INT, "9", "at most 5"),
    (INT, "0", "at least 1"),
    (INT, True, "whole number"),
    (DEC, "abc", "Enter a number"),
    (DAY, "31/31/2026", "date like"),
    (PICK, "cherry", "“cherry” is not one of: Apple, Banana"),
    (FLAG, "maybe", "yes or no"),
    (PHONE, "call me", "Not a phone number"),
    (MAIL, "nobody", "Not an e-mail"),
    (TEXT, "", "Required"),
])
def test_bad_values_are_refused_with_a_reason(field, raw, message):
    with pytest.raises(ValueError, match=message):
        clean_value(field, raw)


def test_required_empty_and_long_text_are_named_per_field():
    clean, errors = validate_record(RETAILERS, {"shop_name": "", "owner_name": "x" * 51, "star_rating": "7"},
                                    creating=False)
    assert {e.field for e in errors} == {"shop_name", "owner_name", "star_rating"}
    assert "Required" in next(e.message for e in errors if e.field == "shop_name")
    assert "At most 50 characters (this has 51)" in next(e.message for e in errors if e.field == "owner_name")


def test_creating_needs_required_fields_the_database_cannot_fill():
    _clean, errors = validate_record(RETAILERS, {"license_no": "330102000001"}, creating=True)
    assert {e.field for e in errors} == {"shop_name", "owner_name", "district", "business_type"}


def test_licence_number_pattern_is_explained():
    with pytest.raises(ValueError, match="6–20 letters or digits"):
        check_rules(RETAILERS.field("license_no"), "33-01")


def test_unknown_fields_are_refused():
    _clean, errors = validate_record(RETAILERS, {"secret": 1}, creating=False)
    assert errors[0].field == "secret"
