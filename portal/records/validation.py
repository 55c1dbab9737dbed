"""Validation of a record's values: the one code path behind forms, inline grid edits and imports."""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from db.models import User
from portal.i18n import _, current_language
from portal.inputs import INT8_MAX, parse_int
from portal.records.fields import Field, FieldType, TableSpec, get_spec
from portal.records.values import PARSERS, parse_value

STAFF_IN_BRACKETS = re.compile(r"^(?P<name>.*?)\s*[(（](?P<staff_id>[^()（）]+)[)）]\s*$")


@dataclass(frozen=True)
class FieldError:
    """What is wrong with one field (the message is in the user's language)."""

    field: str
    message: str


class RecordInputError(ValueError):
    """A record's values were refused; `errors` says which fields and why."""

    def __init__(self, errors: list[FieldError]):
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))
        self.errors = errors


@dataclass(frozen=True)
class _Snapshot:
    """What `Lookups` reads of staff and small linked tables; shared between sessions, never changed."""

    users: dict[int, Any]
    by_login: dict[str, int]
    by_staff_id: dict[str, int]
    by_name: dict[str, list[int]]
    link_titles: dict[str, dict[int, str]]


# (spec name, language) -> (the tables' fingerprint when read, what was read): a process reads staff and linked
# titles again only when a row of them was added, changed or removed, or it talks to another database
_SHARED: dict[tuple[str | None, str], tuple[tuple, _Snapshot]] = {}


def _fingerprint(session: Session, tables: Iterable[str]) -> tuple:
    """This database's identity, then each table's row count and the sum of its rows' hashes: any insert, update or
    delete, by any process or path, changes it. One short query, all in the database."""
    parts = ["(SELECT oid FROM pg_database WHERE datname = current_database())"]
    parts += [f"(SELECT row(count(*), coalesce(sum(hashtext(t::text)::bigint), 0))::text FROM {name} t)"
              for name in tables]  # (the names are the specs' own tables, never input)
    return tuple(session.execute(text("SELECT " + ", ".join(parts))).one())


def _read(session: Session, linked: list[str]) -> _Snapshot:
    users = session.execute(select(User.id, User.login, User.staff_id, User.name, User.active)).all()
    by_name: dict[str, list[int]] = {}
    for u in users:
        by_name.setdefault(u.name.strip().casefold(), []).append(u.id)
    titles = {}
    for name in linked:
        spec = get_spec(name)
        table = spec.model.__table__
        rows = session.execute(select(table.c.id, spec.title_of(table)).order_by(table.c.id)).all()
        titles[spec.name] = {i: str(t) for i, t in rows}
    return _Snapshot({u.id: u for u in users}, {u.login.casefold(): u.id for u in users},
                     {u.staff_id.casefold(): u.id for u in users}, by_name, titles)


class Lookups:
    """Staff and linked records by id and by the names people type. What they are read from is cached per
    process and read again when those tables change (`_fingerprint`), so a page draw costs one short query."""

    def __init__(self, session: Session, spec: TableSpec | None = None):
        self.session = session
        self._links: dict[str, dict[str, int]] = {}
        linked = sorted({fld.link_table or "" for fld in spec.fields if fld.type is FieldType.LINK and fld.suggest}
                        if spec else ())
        tables = ["users", *(get_spec(name).model.__tablename__ for name in linked)]
        stamp = _fingerprint(session, tables)
        cache_key = (spec.name if spec else None, current_language())
        cached = _SHARED.get(cache_key)
        if cached is not None and cached[0] == stamp:
            snapshot = cached[1]
        else:
            snapshot = _read(session, linked)
            _SHARED[cache_key] = (stamp, snapshot)
        self.users = snapshot.users
        self._by_login, self._by_staff_id, self._by_name = snapshot.by_login, snapshot.by_staff_id, snapshot.by_name
        # titles of small linked tables (LINK fields with `suggest`): offered as choices by filters
        self.link_titles = snapshot.link_titles

    def link_title(self, table: str, record_id: int) -> str:
        """The title of a record of a small linked table (loaded for the spec given), else "#id"."""
        return self.link_titles.get(table, {}).get(record_id, f"#{record_id}")

    def user_label(self, user_id: int | None) -> str:
        """How a staff member is shown: name (staff ID)."""
        user = self.users.get(user_id) if user_id is not None else None
        return f"{user.name} ({user.staff_id})" if user else ("" if user_id is None else f"#{user_id}")

    def user_id(self, text: str) -> int:
        """The staff member a login, staff ID, name or "name (staff ID)" means; ValueError when none or several."""
        key = text.strip().casefold()
        match = STAFF_IN_BRACKETS.match(text)
        found = self._by_login.get(key) or self._by_staff_id.get(key)
        if found is None and match:
            found = self._by_staff_id.get(match["staff_id"].strip().casefold())
        if found is None:
            named = self._by_name.get(key, [])
            if len(named) > 1:
                raise ValueError(_("Several staff members are called “{name}”: use the staff ID.").format(name=text))
            found = named[0] if named else None
        if found is None and parse_int(key) in self.users:
            found = parse_int(key)
        if found is None:
            raise ValueError(_("No staff member has the login, staff ID or name “{text}”.").format(text=text))
        return found

    def prefetch_links(self, table: str, keys: Iterable[str]) -> None:
        """Load the ids of linked records named by `keys` (their natural key) in one query."""
        spec = get_spec(table)
        wanted = {k for k in keys if k} - self._links.setdefault(table, {}).keys()
        if wanted and spec.key_field:
            col = spec.column(spec.key_field)
            rows = self.session.execute(select(col, spec.id_column).where(col.in_(wanted))).all()
            self._links[table].update({str(k): i for k, i in rows})

    def link_id(self, table: str, text: str) -> int:
        """The id of the linked record whose natural key (or id) is `text`."""
        self.prefetch_links(table, [text])
        found = self._links[table].get(text)
        if found is None and (record_id := parse_int(text, high=INT8_MAX)) is not None:
            spec = get_spec(table)
            found = self.session.scalar(select(spec.id_column).where(spec.id_column == record_id))
        if found is None:
            raise ValueError(_("No {record} “{text}”.").format(record=_(get_spec(table).record_label).lower(),
                                                               text=text))
        return found

    def resolve(self, field: Field, raw: Any) -> int | None:
        """A user or link field's id for `raw` (already an id, or a name people use)."""
        text = "" if raw is None else str(raw).strip()
        if not text:
            return None
        if field.type is FieldType.USER:
            user_id = self.user_id(text)
            if not self.users[user_id].active:
                raise ValueError(_("{name} is deactivated.").format(name=self.users[user_id].name))
            return user_id
        return self.link_id(field.link_table or "", text)


def check_rules(field: Field, value: Any) -> None:
    """Raise ValueError when a parsed value breaks the field's rules (required, length, range, pattern)."""
    if value is None or value == []:
        if field.required:
            raise ValueError(_("Required."))
        return
    if field.max_length is not None and isinstance(value, str) and len(value) > field.max_length:
        raise ValueError(_("At most {limit} characters (this has {length}).").format(
            limit=field.max_length, length=len(value)))
    if field.min_value is not None and value < field.min_value:
        raise ValueError(_("Must be at least {minimum}.").format(minimum=field.min_value))
    if field.max_value is not None and value > field.max_value:
        raise ValueError(_("Must be at most {maximum}.").format(maximum=field.max_value))
    if field.pattern and isinstance(value, str) and not re.fullmatch(field.pattern, value):
        raise ValueError(_(field.pattern_hint) if field.pattern_hint else _("Not in the expected form."))


def clean_value(field: Field, raw: Any, lookups: Lookups | None = None) -> Any:
    """Parse and check one value; ValueError (with a message for people) when it is refused."""
    value = parse_value(field, raw, lookups.resolve if lookups else None)
    if field.type is FieldType.USER and lookups and value is not None and value not in lookups.users:
        raise ValueError(_("No staff member #{id}.").format(id=value))
    check_rules(field, value)
    return value


def value_cleaner(field: Field, lookups: Lookups | None = None) -> Callable[[Any], Any]:
    """`clean_value` for one field, with its parser looked up once (imports call it for every cell)."""
    parse = PARSERS.get(field.type)
    if parse is None:  # users and links: resolved through the lookups
        return lambda raw: clean_value(field, raw, lookups)

    def clean(raw: Any) -> Any:
        value = parse(field, raw)
        check_rules(field, value)
        return value

    return clean


def validate_record(spec: TableSpec, raw: Mapping[str, Any], *, creating: bool, lookups: Lookups | None = None,
                    cleaners: Mapping[str, Callable[[Any], Any]] | None = None,
                    ) -> tuple[dict[str, Any], list[FieldError]]:
    """Clean every value in `raw`; when `creating`, also require the required fields the database cannot fill.

    `cleaners` (from `value_cleaner`, per field name) spare a batch the per-cell lookups; same rules.
    """
    clean: dict[str, Any] = {}
    errors: list[FieldError] = []
    for name, value in raw.items():
        cleaner = cleaners.get(name) if cleaners else None
        if cleaner is None and not spec.has_field(name):
            errors.append(FieldError(name, _("Unknown field.")))
            continue
        try:
            clean[name] = cleaner(value) if cleaner else clean_value(spec.field(name), value, lookups)
        except ValueError as exc:
            errors.append(FieldError(name, str(exc)))
    if creating:
        for field in spec.fields:
            if field.required and field.name not in raw and not spec.has_default(field.name):
                errors.append(FieldError(field.name, _("Required.")))
    return clean, errors


def error_text(spec: TableSpec, error: FieldError) -> str:
    """“Label: message” in the user's language."""
    label = _(spec.field(error.field).label) if spec.has_field(error.field) else error.field
    return f"{label}: {error.message}"

