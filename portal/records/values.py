"""Turning what people type (forms, grid cells, file cells, URL text) into typed values, per field type.

One parser per type; forms, inline edits, imports and filters all go through `parse_value`, so a value is
accepted or refused the same way everywhere. Problems raise `ValueError` with a message for people.
"""
from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any

from portal.center_time import local
from portal.i18n import LANGUAGES, _, catalog, source_text
from portal.inputs import INT4_MAX, INT8_MAX, NUL_REFUSED, NUMBER_RANGE, parse_int
from portal.records.fields import Field, FieldType

PHONE_RE = re.compile(r"^\+?[0-9][0-9-]{4,19}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
TRUE_WORDS = frozenset({"true", "yes", "y", "1", "是", "✓", "√", "t", "on"})
FALSE_WORDS = frozenset({"false", "no", "n", "0", "否", "×", "f", "off", ""})
LIST_SEPARATORS = re.compile(r"[,;，；、|\n]")
DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


def _text(raw: Any) -> str | None:
    if raw is None:
        return None
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)  # an identifier Excel stored as a number
    text = str(raw).strip()
    if "\x00" in text:  # PostgreSQL cannot store it (db.input_guard refuses it too, for paths that skip this)
        raise ValueError(_(NUL_REFUSED))
    return text or None


def parse_text(field: Field, raw: Any) -> str | None:
    text = _text(raw)
    if text is None:
        return None
    if field.type is FieldType.LONG_TEXT:
        return text.replace("\r\n", "\n")
    return " ".join(text.split())  # one line: newlines and runs of spaces become one space


def parse_phone(field: Field, raw: Any) -> str | None:
    text = _text(raw)
    if text is None:
        return None
    text = re.sub(r"[\s()]", "", text)
    if not PHONE_RE.match(text):
        raise ValueError(_("Not a phone number: use digits, optionally a leading + and dashes "
                           "(e.g. 13812345678 or 0571-88886666)."))
    return text


def parse_email(field: Field, raw: Any) -> str | None:
    text = _text(raw)
    if text is None:
        return None
    if not EMAIL_RE.match(text):
        raise ValueError(_("Not an e-mail address (e.g. name@example.com)."))
    local, domain = text.rsplit("@", 1)
    return f"{local}@{domain.lower()}"


def parse_integer(field: Field, raw: Any) -> int | None:
    if isinstance(raw, bool):
        raise ValueError(_("Enter a whole number."))
    if isinstance(raw, float | Decimal):
        if raw != raw:  # NaN: an empty spreadsheet cell
            return None
        if not math.isfinite(raw) or raw != int(raw):
            raise ValueError(_("Enter a whole number."))
        raw = int(raw)
    if isinstance(raw, int):
        if not -INT4_MAX - 1 <= raw <= INT4_MAX:
            raise ValueError(_(NUMBER_RANGE).format(low=-INT4_MAX - 1, high=INT4_MAX))
        return raw
    text = _text(raw)
    if text is None:
        return None
    value = parse_int(text.replace(",", ""), low=-INT4_MAX - 1, high=INT4_MAX)  # ASCII digits, the column's range
    if value is None:
        raise ValueError(_(NUMBER_RANGE).format(low=-INT4_MAX - 1, high=INT4_MAX))
    return value


def parse_decimal(field: Field, raw: Any) -> Decimal | None:
    if isinstance(raw, bool):
        raise ValueError(_("Enter a number."))
    text = _text(raw)
    if text is None:
        return None
    try:
        value = Decimal(text.replace(",", ""))
    except InvalidOperation:
        raise ValueError(_("Enter a number.")) from None
    if not value.is_finite():
        raise ValueError(_("Enter a number."))
    return value


def parse_date(field: Field, raw: Any) -> date | None:
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    text = _text(raw)
    if text is None:
        return None
    match = DATE_RE.match(text.split("T")[0].split(" ")[0])
    try:
        if match:
            return date(*(int(g) for g in match.groups()))
    except ValueError:
        pass
    raise ValueError(_("Enter a date like 2026-03-31."))


def parse_datetime(field: Field, raw: Any) -> datetime | None:
    if isinstance(raw, datetime):
        value = raw
    elif isinstance(raw, date):
        value = datetime.combine(raw, time())
    else:
        text = _text(raw)
        if text is None:
            return None
        try:
            value = datetime.fromisoformat(text.replace("/", "-"))
        except ValueError:
            raise ValueError(_("Enter a date and time like 2026-03-31 14:30.")) from None
    return local(value)  # a time without a zone is the center's time, never the server's


def parse_checkbox(field: Field, raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    if raw is None or (isinstance(raw, float) and raw != raw):  # NaN from an empty spreadsheet cell
        return False
    text = str(raw).strip().lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise ValueError(_("Enter yes or no."))


_CHOICE_INDEXES: dict[int, tuple[Field, dict[str, str]]] = {}


def _choice_index(field: Field) -> dict[str, str]:
    """Every accepted spelling of every choice (value, English label, translations, aliases) -> value."""
    known = _CHOICE_INDEXES.get(id(field))  # by identity: hashing a field costs more than parsing a cell
    if known is not None and known[0] is field:
        return known[1]
    index: dict[str, str] = {}
    for choice in field.choices:
        spellings = [choice.value, source_text(choice.label), *choice.aliases]
        spellings += [catalog(lang).get(choice.label, "") for lang in LANGUAGES]
        for spelling in spellings:
            if spelling:
                index.setdefault(spelling.strip().casefold(), choice.value)
    _CHOICE_INDEXES[id(field)] = (field, index)
    return index


def parse_choice(field: Field, raw: Any) -> str | None:
    text = _text(raw)
    if text is None:
        return None
    value = _choice_index(field).get(text.casefold())
    if value is None:
        allowed = ", ".join(_(c.label) for c in field.choices)
        raise ValueError(_("“{value}” is not one of: {allowed}.").format(value=text, allowed=allowed))
    return value


def parse_choices(field: Field, raw: Any) -> list[str] | None:
    items = list(raw) if isinstance(raw, list | tuple | set) else LIST_SEPARATORS.split(_text(raw) or "")
    values: list[str] = []
    for item in items:
        value = parse_choice(field, item)
        if value is not None and value not in values:
            values.append(value)
    return values or None


def parse_reference(field: Field, raw: Any, resolve: Callable[[Field, Any], int | None] | None) -> int | None:
    if isinstance(raw, bool):
        raise ValueError(_("Choose a record."))
    if isinstance(raw, int):
        return raw
    if resolve is None:
        text = _text(raw)
        if text is None:
            return None
        if (record_id := parse_int(text, high=INT8_MAX)) is None:
            raise ValueError(_("Choose a record."))
        return record_id
    return resolve(field, raw)


PARSERS: dict[FieldType, Callable[[Field, Any], Any]] = {
    FieldType.TEXT: parse_text,
    FieldType.LONG_TEXT: parse_text,
    FieldType.PHONE: parse_phone,
    FieldType.EMAIL: parse_email,
    FieldType.INTEGER: parse_integer,
    FieldType.DECIMAL: parse_decimal,
    FieldType.DATE: parse_date,
    FieldType.DATETIME: parse_datetime,
    FieldType.SINGLE_SELECT: parse_choice,
    FieldType.MULTI_SELECT: parse_choices,
    FieldType.CHECKBOX: parse_checkbox,
}


def parse_value(field: Field, raw: Any, resolve: Callable[[Field, Any], int | None] | None = None) -> Any:
    """The typed value of `raw` for `field` (None when empty); `resolve` names users and linked records."""
    if field.type in (FieldType.USER, FieldType.LINK):
        return parse_reference(field, raw, resolve)
    return PARSERS[field.type](field, raw)
