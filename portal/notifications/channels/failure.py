"""Why a delivery attempt failed, and whether trying again may help."""
from __future__ import annotations


class DeliveryFailed(Exception):
    """An attempt that did not deliver: `retry` True for what may pass (server down, timeout, 4xx SMTP or 5xx HTTP
    answers), False for what will not (refused address, 5xx SMTP, 4xx HTTP). The message is the delivery log's
    reason."""

    def __init__(self, reason: str, *, retry: bool):
        super().__init__(reason)
        self.retry = retry
