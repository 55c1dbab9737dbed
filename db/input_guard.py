"""Values PostgreSQL cannot hold are refused before they reach it, on every path (one check per statement).

A NUL character in text (PostgreSQL's text cannot store it; jsonb refuses its `\\u0000` escape), a whole number
beyond its column's type (int2/int4/int8, or int8 when the type is unknown) and, when writing, text longer than
its varchar(n) column would end in a database error
and an error page. Every statement's parameters are checked just before they are sent, so no form, grid, import,
saved view or domain function can get one through: the statement raises `InputError` instead, naming the field
(the column the parameter is bound to) with a message in the reader's language, which forms show next to it.

Registered on every Engine when `db.engine` is imported (like `db.audit` on every Session). Paths that use the
driver's cursor call `check_parameters` themselves (the planner's estimate). COPY (imports, scale seeding) does
not pass here: imports parse every cell first (portal.records.values refuses NUL and out-of-range numbers), and
seeding writes generated values.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from psycopg.types.json import Json, Jsonb
from sqlalchemy import BigInteger, Engine, Integer, SmallInteger, String, event
from sqlalchemy.types import ARRAY, JSON, TypeDecorator, TypeEngine

from portal.errors import InputError
from portal.i18n import _
from portal.inputs import NUL_REFUSED, NUMBER_RANGE, TOO_LONG

INT_LIMITS = ((BigInteger, 2**63), (SmallInteger, 2**15), (Integer, 2**31))  # subclasses first
# a JSON text's \u0000 escape (a literal backslash before "u0000" is written \\, an even run of backslashes)
JSON_NUL = re.compile(r"(?<!\\)(?:\\\\)*\\u0000")
_SUFFIX = re.compile(r"(?:__\d+|_\d+)$")


def _field(key: str) -> str:
    """The field a bound parameter stands for: `shop_name__3` (a row of a multi-row insert), `id_1` → `id`.

    Best effort: a column written or compared is named by its column (`session.get` by `pk` → `id`); a value
    compared inside a SQL function is named by the function (`lower`)."""
    while (shorter := _SUFFIX.sub("", key)) != key and shorter:
        key = shorter
    return "id" if key == "pk" else key


def _type_of(binds: Mapping[str, Any], key: str) -> TypeEngine | None:
    while True:
        bind = binds.get(key)
        if bind is not None:
            return bind.type
        shorter = _SUFFIX.sub("", key)
        if shorter == key or not shorter:
            return None
        key = shorter


def _int_limit(type_: TypeEngine | None) -> int:
    if isinstance(type_, TypeDecorator):
        type_ = type_.impl_instance
    for cls, limit in INT_LIMITS:
        if isinstance(type_, cls):
            return limit
    return 2**63


def check_value(field: str, value: Any, type_: TypeEngine | None = None, *, writing: bool = False) -> None:
    """Raise InputError(field) when PostgreSQL could not take `value` as a parameter of `type_` (`writing`: into
    a column of that type, where varchar(n) limits the length)."""
    if isinstance(value, str):
        if "\x00" in value or (isinstance(type_, JSON) and "\\u0000" in value and JSON_NUL.search(value)):
            raise InputError(field, _(NUL_REFUSED))
        if writing and isinstance(type_, String) and type_.length and len(value) > type_.length:
            raise InputError(field, _(TOO_LONG).format(n=type_.length, length=len(value)))
    elif isinstance(value, int) and not isinstance(value, bool):
        limit = _int_limit(type_)
        if not -limit <= value < limit:
            raise InputError(field, _(NUMBER_RANGE).format(low=-limit, high=limit - 1))
    elif isinstance(value, list | tuple):
        item_type = type_.item_type if isinstance(type_, ARRAY) else None
        for item in value:
            check_value(field, item, item_type)
    elif isinstance(value, dict):
        for key, item in value.items():
            check_value(field, key)
            check_value(field, item)
    elif isinstance(value, Json | Jsonb):  # how the psycopg dialect hands over JSON columns' values
        check_value(field, value.obj)


def check_parameters(binds: Mapping[str, Any], parameters: Any, *, writing: bool = False) -> None:
    """Check every value of a statement's parameters (one row, or the rows of an executemany)."""
    rows = parameters if isinstance(parameters, list) else [parameters]
    for row in rows:
        if isinstance(row, Mapping):
            for key, value in row.items():
                if value is not None:
                    check_value(_field(str(key)), value, _type_of(binds, str(key)), writing=writing)
        elif isinstance(row, tuple):
            for value in row:
                if value is not None:
                    check_value("value", value)


@event.listens_for(Engine, "before_cursor_execute")
def _refuse_what_postgresql_cannot_hold(conn, cursor, statement, parameters, context, executemany) -> None:
    binds = getattr(getattr(context, "compiled", None), "binds", None) or {}  # DDL and driver SQL have none
    writing = bool(getattr(context, "isinsert", False) or getattr(context, "isupdate", False))
    check_parameters(binds, parameters, writing=writing)
