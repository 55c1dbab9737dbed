"""Errors a form can show: what was wrong with which field."""
from __future__ import annotations

import re

from portal.i18n import N_, _, fmt_number


class InputError(ValueError):
    """Bad input: `field` names the form field, the message (translated) says what is wrong and what to do.

    `field == "version"` means someone else saved the record since the form read it.
    """

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


STALE = "version"

# A text longer than its field holds. Every form's length check says it this way, naming the field (a form with
# several boxes must not leave the user guessing which one), with how long the text is now.
TOO_LONG = N_("{field}: at most {n} characters, please; this text has {m}.")


def checked_text(error: type[InputError], field: str, value: str | None, *, limit: int, label: str | None = None,
                 blank: str | None = None, too_long: str = TOO_LONG) -> str:
    """`value` trimmed; refused as `error(field, message)` when it is blank and `blank` is given (the message: the
    field's name, a colon, what to write), or when it is longer than `limit` characters (`too_long`, placeholders
    {field}, {n}, {m}), naming the field by `label` or, without one, as `blank` names it."""
    value = (value or "").strip()
    if not value and blank is not None:
        raise error(field, blank)
    if len(value) > limit:
        name = label if label is not None else re.split("[:：]", blank or "", maxsplit=1)[0]
        raise error(field, _(too_long).format(field=name, n=fmt_number(limit), m=fmt_number(len(value))))
    return value
