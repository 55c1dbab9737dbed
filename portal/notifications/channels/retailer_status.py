"""What became of the text messages to retailers about one record, as the call lists show it beside each retailer
(the training roster and absentees, an incident's call list): sent ✓, on the way, or failed and why.

One query per list (`retailer_messages`: the record's messages, newest per retailer). With no gateway set up the
lists say nothing about messages: `message_statuses` is None and they show what they showed before.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from db.notification_models import Delivery
from portal.config import get_settings
from portal.i18n import _, fmt_datetime
from portal.notifications.channels.delivery import retailer_messages
from portal.notifications.channels.log import reason_text

SENT, ON_THE_WAY, FAILED = "sent", "on_the_way", "failed"


@dataclass(frozen=True)
class MessageStatus:
    """A retailer's newest text message about a record: `state` (sent, on_the_way, failed) and a line saying so in
    the reader's language."""

    state: str
    text: str


def gateway_ready() -> bool:
    """Whether text messages to retailers go out at all (a gateway is set up: PORTAL_GATEWAY_URL)."""
    return bool(get_settings().gateway_url)


def status_of(delivery: Delivery) -> MessageStatus:
    if delivery.status == "sent":
        return MessageStatus(SENT, _("✓ Text message sent {time}").format(time=fmt_datetime(delivery.sent_at)))
    if delivery.status in ("failed", "skipped"):
        return MessageStatus(FAILED, _("Text message failed: {reason}").format(reason=reason_text(delivery) or "—"))
    return MessageStatus(ON_THE_WAY, _("Text message on the way"))


def message_statuses(session: Session, *, about_table: str, about_id: str | int) -> dict[int, MessageStatus] | None:
    """The text messages to retailers about one record (a training session, an incident), by retailer id; None when
    no gateway is set up (the lists then say nothing about messages)."""
    if not gateway_ready():
        return None
    return {retailer: status_of(delivery)
            for retailer, delivery in retailer_messages(session, about_table=about_table, about_id=about_id).items()}
