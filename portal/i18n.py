"""One translation function for every user-facing text, plus locale-aware dates and numbers.

Source strings are English; catalogs are gettext .po files managed with Babel
(`pybabel extract -F babel.cfg -o portal/locale/messages.pot . && pybabel update ...`) and read at
start-up, so there is no compile step. The language is per user, set at the start of every script run.
"""
from __future__ import annotations

import contextvars
from collections.abc import Iterable
from datetime import date, datetime
from functools import cache
from pathlib import Path

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.lists import format_list
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
LANGUAGES = {"zh_CN": "中文", "en": "English"}
DEFAULT_LANGUAGE = "zh_CN"

CONTEXT = "\x04"  # gettext's separator between a message's context and its text (msgctxt)

_language: contextvars.ContextVar[str | None] = contextvars.ContextVar("language", default=None)


@cache
def catalog(language: str) -> dict[str, str]:
    """msgid (or "context\x04msgid") -> translation for `language` (empty for English, the source language)."""
    path = LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"
    if language == "en" or not path.exists():
        return {}
    with path.open("rb") as f:
        po = read_po(f, locale=language)
    return {f"{m.context}{CONTEXT}{m.id}" if m.context else m.id: m.string
            for m in po if m.id and m.string and not m.fuzzy and isinstance(m.id, str)}


def set_language(language: str) -> None:
    """Use `language` for every text produced in this thread/context from now on."""
    _language.set(language if language in LANGUAGES else DEFAULT_LANGUAGE)


def current_language() -> str:
    """The language set for this context, else the installation's default (PORTAL_DEFAULT_LANGUAGE)."""
    language = _language.get()
    if language is None:
        from portal.config import get_settings

        language = get_settings().default_language
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


def _(message: str) -> str:
    """Translate `message` into the current user's language (falls back to the English source)."""
    found = catalog(current_language()).get(message)
    return source_text(message) if found is None else found


def N_(message: str) -> str:
    """Mark `message` for extraction without translating it yet (labels defined at import time)."""
    return message


def pgettext(context: str, message: str) -> str:
    """Translate `message` in the sense named by `context` (msgctxt): one English word, two meanings
    ("Reason" for an absence vs. for a supply request) get two translations."""
    return _(f"{context}{CONTEXT}{message}")


def NP_(context: str, message: str) -> str:
    """Mark `message` with its `context` for later translation by `_` (labels defined at import time)."""
    return f"{context}{CONTEXT}{message}"


def source_text(message: str) -> str:
    """The English text of a message, without its context (see NP_)."""
    return message.rpartition(CONTEXT)[2]


def _locale() -> Locale:
    return Locale.parse(current_language())


def fmt_datetime(value: datetime | None) -> str:
    """A date and time as people of the current language write it, in the center's time zone."""
    from portal.center_time import local

    if value is None:
        return ""
    return format_datetime(local(value), "short", locale=_locale())


def fmt_date(value: date | None) -> str:
    return "" if value is None else format_date(value, "medium", locale=_locale())


def fmt_number(value: float | int | None, digits: int = 0) -> str:
    if value is None:
        return ""
    return format_decimal(value, format=f"#,##0{'.' + '0' * digits if digits else ''}", locale=_locale())


def fmt_percent(value: float | None) -> str:
    return "" if value is None else format_percent(value, format="#,##0.0%", locale=_locale())


def fmt_list(items: Iterable[str]) -> str:
    """Items as a list in the reader's language: 承办人、首问负责人和部门 / handler, first-contact owner, and team."""
    shown = list(items)
    return format_list(shown, locale=_locale()) if shown else ""


def fmt_labelled(label: str, value: str) -> str:
    """A value after its label, with the reader's colon: 等级：3 / Grade: 3."""
    return _("{label}: {value}").format(label=label, value=value)


def fmt_values(items: Iterable[str]) -> str:
    """Values one after another with the reader's separator and no "and" (a filter's choices: 已派单、处理中 /
    assigned, in progress)."""
    middle = _locale().list_patterns["standard"]["middle"]  # "{0}、{1}" / "{0}, {1}"
    shown = list(items)
    return shown[0] if len(shown) == 1 else middle.format(shown[0], fmt_values(shown[1:])) if shown else ""


def fmt_weekday(value: date | None) -> str:
    """The day of the week, spelled out in the current language (Monday, 星期一)."""
    return "" if value is None else format_date(value, "EEEE", locale=_locale())
