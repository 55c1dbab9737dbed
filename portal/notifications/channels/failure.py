"""Why a delivery attempt failed, and whether trying again may help."""
from __future__ import annotations

from portal.i18n import source_text


class DeliveryFailed(Exception):
    """An attempt that did not deliver: `retry` True for what may pass (server down, timeout, 4xx SMTP or 5xx HTTP
    answers), False for what will not (refused address, 5xx SMTP, 4xx HTTP). The reason is an N_() text and its
    values (`reason`), shown in the reader's language in the delivery log; str() is its English form."""

    def __init__(self, msgid: str, *, retry: bool, **params):
        self.msgid, self.params, self.retry = msgid, {k: str(v) for k, v in params.items()}, retry
        super().__init__(source_text(msgid).format(**self.params))

    @property
    def reason(self) -> dict:
        return {"msgid": self.msgid, "params": self.params}
