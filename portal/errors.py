"""Errors a form can show: what was wrong with which field."""
from __future__ import annotations


class InputError(ValueError):
    """Bad input: `field` names the form field, the message (translated) says what is wrong and what to do.

    `field == "version"` means someone else saved the record since the form read it.
    """

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


STALE = "version"
