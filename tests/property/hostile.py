"""Hostile inputs for the property suite: what a person, a pasted file or an edited URL can send.

Every strategy mixes the values that broke pages before (NUL, 20,000 characters, Markdown, "²", integers past
int4/int8, 9999-12-31, negative numbers) with the portal's own vocabulary (state codes, roles, languages), so a
call gets past its first check often enough to reach the database.
"""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import strategies as st

from db.models import BUSINESS_TYPES, RETAILER_STATUSES, ROLES
from portal.complaints import labels as complaint_labels
from portal.i18n import LANGUAGES
from portal.incidents import labels as incident_labels
from portal.training import labels as training_labels

HOSTILE_TEXT = (
    "", " ", "\x00", "a\x00b", "x" * 20_000, "中" * 5_001,
    "**bold** _i_ [link](https://evil.example) ![img](https://evil.example/i.png)\n# Heading",
    "²", "١٢٣", "²³", "9999-12-31", "0000-00-00", "9999-12-31 23:59", "-1", "-0", "99999999999999999999",
    "2147483648", "9223372036854775808", "1e309", "NaN", "inf", "'; DROP TABLE users; --", "%_\\", "\t\n\r",
    "=HYPERLINK(\"https://evil.example\")", "\u202e\u200b", "null", "[]", "{}", '["\\u0000"]',
)
HOSTILE_INTS = (0, -1, 1, 2, 2**31 - 1, 2**31, -(2**31) - 1, 2**63 - 1, 2**63, -(2**63) - 1, 10**30)
HOSTILE_DATES = (date(9999, 12, 31), date(1, 1, 1), date(1900, 1, 1), date(2999, 12, 31))
HOSTILE_DATETIMES = (datetime(9999, 12, 31, 23, 59, tzinfo=UTC), datetime(1, 1, 1, tzinfo=UTC),
                     datetime(9999, 12, 31, 23, 59), datetime(1, 1, 1), datetime(1970, 1, 1, tzinfo=UTC))


def _codes(module) -> list[str]:
    return [k for name, v in vars(module).items() if name.endswith("_LABELS") and isinstance(v, dict)
            for k in v if isinstance(k, str)]


VOCABULARY = tuple(sorted(set(
    _codes(complaint_labels) + _codes(incident_labels) + _codes(training_labels)
    + list(ROLES) + list(LANGUAGES) + list(BUSINESS_TYPES) + list(RETAILER_STATUSES)
    + ["phone", "update", "local", "resolved", "closed", "open", "satisfied", "城东区", "supervisor"])))

texts = st.one_of(st.sampled_from(HOSTILE_TEXT), st.sampled_from(VOCABULARY), st.text(max_size=40))
ints = st.one_of(st.sampled_from(HOSTILE_INTS), st.integers(min_value=-(2**70), max_value=2**70))


def dates() -> st.SearchStrategy[date]:
    today = date.today()
    return st.one_of(st.sampled_from(HOSTILE_DATES + (today, today + timedelta(days=40), today.replace(day=1))),
                     st.dates())


def datetimes(*, aware: bool = False) -> st.SearchStrategy[datetime]:
    """Moments, hostile ones first; `aware`: with a time zone only (forms that combine a day and a time in the
    center's zone never hand over a naive one)."""
    now = datetime.now(UTC)
    known = HOSTILE_DATETIMES + (now, now - timedelta(hours=2), now + timedelta(days=3))
    if aware:
        return st.one_of(st.sampled_from([m for m in known if m.tzinfo]), st.datetimes(timezones=st.just(UTC)))
    return st.one_of(st.sampled_from(known), st.datetimes(timezones=st.sampled_from([UTC])), st.datetimes())


def url_values() -> st.SearchStrategy[str]:
    """A URL parameter's value as Streamlit hands it over (text; NUL arrives as %00 decoded)."""
    url_hostile = HOSTILE_TEXT[:4] + HOSTILE_TEXT[6:]
    return st.one_of(st.sampled_from(url_hostile), st.sampled_from(url_hostile), st.sampled_from(VOCABULARY),
                     st.integers(min_value=-(2**70), max_value=2**70).map(str), st.text(max_size=30),
                     st.sampled_from(["1", "2", "3", "10", "new", "2026-03", "2026", "9999-12"]))
