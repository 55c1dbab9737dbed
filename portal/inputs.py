"""Untrusted text at the edges, parsed one way everywhere: URL parameters first of all.

Every page reads its query parameters through these functions, never with `.isdigit()` and `int()` ("²".isdigit()
is true, `int("²")` fails; "١٢٣" parses as 123; a 30-digit id passes both and fails in PostgreSQL). What does not
parse is None (the page then says there is no such record, or uses its default); nothing here raises.

- whole numbers: ASCII digits only, within a range (record ids: 1 … int4 max, the id columns' type);
- codes: one of the offered values;
- days and months: ISO, within DAY_RANGE (filters and links name days of a human lifetime; 9999-12-31 + 1 day
  does not exist in Python);
- text: without NUL and other control characters (PostgreSQL cannot hold NUL), at most `limit` characters.
"""
from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from datetime import date, datetime, time

from portal.i18n import N_

INT4_MAX = 2**31 - 1
INT8_MAX = 2**63 - 1
MAX_PAGE = 1_000_000  # a grid or list page number (page × 200 rows stays far inside int8 offsets)
DAY_RANGE = (date(1900, 1, 1), date(2999, 12, 31))
# A form's date and time boxes accept these days. A box refuses a value beyond its bounds in the browser (only a
# tooltip says so) and the form is then sent with the value it had before, without a word; Streamlit's
# own bounds are ten years around today, so a year typed 2062 for 2026 became "now". Within these, the domain says
# what is wrong with a time (in the future, before the complaint came in), naming the field.
DATE_BOUNDS = {"min_value": DAY_RANGE[0], "max_value": DAY_RANGE[1]}
MOMENT_BOUNDS = {"min_value": datetime.combine(DAY_RANGE[0], time.min),
                 "max_value": datetime.combine(DAY_RANGE[1], time(23, 59))}
_DIGITS = re.compile(r"-?[0-9]{1,19}", re.ASCII)
_DAY = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})", re.ASCII)
_MONTH = re.compile(r"([0-9]{4})-([0-9]{1,2})", re.ASCII)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
NUL_REFUSED = N_("The text contains a NUL character (an invisible control character), which cannot be saved: "
                  "remove it.")
NUMBER_RANGE = N_("Enter a whole number from {low} to {high}.")
TOO_LONG = N_("At most {n} characters, please (this has {length}).")
Params = Mapping[str, str]  # st.query_params, or any mapping of one text per name


def parse_int(text: str | None, *, low: int = 1, high: int = INT4_MAX) -> int | None:
    """`text` as a whole number from `low` to `high` (ASCII digits, an optional minus), else None."""
    text = (text or "").strip()
    if not _DIGITS.fullmatch(text):
        return None
    value = int(text)
    return value if low <= value <= high else None


def parse_choice(text: str | None, choices: Collection[str]) -> str | None:
    """`text` when it is one of `choices`, else None."""
    return text if isinstance(text, str) and text in choices else None


def day_in_range(day: date) -> bool:
    """Whether `day` lies in DAY_RANGE (the days filters and links may name)."""
    return DAY_RANGE[0] <= day <= DAY_RANGE[1]


def parse_day(text: str | None) -> date | None:
    """An ISO day (2026-03-31) within DAY_RANGE, else None."""
    match = _DAY.fullmatch((text or "").strip())
    if not match:
        return None
    try:
        day = date(*(int(g) for g in match.groups()))
    except ValueError:
        return None
    return day if day_in_range(day) else None


def parse_month(text: str | None) -> date | None:
    """A month (2026-03) as its first day, within DAY_RANGE, else None."""
    match = _MONTH.fullmatch((text or "").strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        return None
    day = date(int(match.group(1)), int(match.group(2)), 1)
    return day if day_in_range(day) else None


def clean_text(text: str | None, *, limit: int = 500) -> str:
    """`text` without control characters (NUL above all), trimmed, at most `limit` characters."""
    return _CONTROL.sub("", text or "").strip()[:limit]


def int_param(params: Params, name: str, *, low: int = 1, high: int = INT4_MAX) -> int | None:
    """URL parameter `name` as a whole number (a record id by default), or None."""
    return parse_int(params.get(name), low=low, high=high)


def choice_param(params: Params, name: str, choices: Collection[str]) -> str | None:
    """URL parameter `name` when it is one of `choices`, or None."""
    return parse_choice(params.get(name), choices)


def day_param(params: Params, name: str) -> date | None:
    """URL parameter `name` as a day within DAY_RANGE, or None."""
    return parse_day(params.get(name))


def month_param(params: Params, name: str) -> date | None:
    """URL parameter `name` as a month (its first day), or None."""
    return parse_month(params.get(name))


def text_param(params: Params, name: str, *, limit: int = 500) -> str:
    """URL parameter `name` as clean text ("" when absent)."""
    return clean_text(params.get(name), limit=limit)
