"""The admin's delivery log (filter by status, channel, recipient, day; why each failed, attempts) and the test
message per channel. Admin only, checked here."""
from __future__ import annotations

import time as clock
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from db.engine import unit_of_work
from db.models import Retailer, User
from db.notification_models import DELIVERY_CHANNELS, DELIVERY_STATUSES, Delivery
from portal.access.auth import CurrentUser, require
from portal.access.users import EMAIL_RE, MOBILE_RE
from portal.center_time import CENTER_TZ
from portal.config import get_settings
from portal.errors import InputError
from portal.i18n import N_, _
from portal.notifications.channels.delivery import queue_delivery

STATUS_LABELS = {"queued": N_("Queued"), "retrying": N_("Retrying"), "sent": N_("Sent"), "failed": N_("Failed"),
                 "skipped": N_("Skipped")}
CHANNEL_LABELS = {"email": N_("E-mail"), "gateway": N_("Gateway (text message)")}
KIND_LABELS = {"notification": N_("Notification"), "digest": N_("Daily digest"), "test": N_("Test message"),
               "retailer": N_("To a retailer")}
TLS_LABELS = {"none": N_("no TLS"), "starttls": N_("STARTTLS"), "ssl": N_("SSL/TLS")}
TEST_MESSAGE = N_("This is a test message from the service center portal, sent by {name}.")
LIMIT = 500
TEST_WAIT_SECONDS = 8.0  # how long the test button waits for the worker to send (or fail) its message


@dataclass(frozen=True)
class LogRow:
    id: int
    created_at: datetime
    channel: str
    kind: str
    recipient: str  # a user's or a retailer's name, or the address typed for a test
    address: str | None
    status: str
    attempts: int
    reason: str | None  # why it failed (or was skipped), in the reader's language
    last_attempt_at: datetime | None
    sent_at: datetime | None
    not_before: datetime | None


def channel_setup() -> dict[str, str | None]:
    """Each channel's destination as set up ("mail.example.cn:587, starttls"), None when it is not."""
    s = get_settings()
    return {"email": _("{server} ({tls}), from {sender}").format(
                server=f"{s.smtp_host}:{s.smtp_port}", tls=_(TLS_LABELS[s.smtp_tls]), sender=s.smtp_sender)
            if s.smtp_host else None,
            "gateway": s.gateway_url}


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def list_deliveries(session: Session, *, actor: CurrentUser, status: str | None = None, channel: str | None = None,
                    recipient: str | None = None, since: date | None = None, until: date | None = None,
                    limit: int = LIMIT) -> list[LogRow]:
    """The newest deliveries (at most `limit`) matching the filters; `recipient` matches a name, login, shop name or
    address; `since`/`until` are center days, both included."""
    require(actor, "admin.manage")
    name = func.coalesce(User.name, Retailer.shop_name, Delivery.address, "")
    query = (select(Delivery, name.label("name"))
             .outerjoin(User, (Delivery.recipient_kind == "user") & (User.id == Delivery.recipient_id))
             .outerjoin(Retailer, (Delivery.recipient_kind == "retailer") & (Retailer.id == Delivery.recipient_id)))
    if status in DELIVERY_STATUSES:
        query = query.where(Delivery.status == status)
    if channel in DELIVERY_CHANNELS:
        query = query.where(Delivery.channel == channel)
    if recipient and recipient.strip():
        pattern = _like(recipient.strip()[:100])
        query = query.where(or_(*(column.ilike(pattern) for column in
                                  (User.name, User.login, Retailer.shop_name, Delivery.address))))
    if since is not None:
        query = query.where(Delivery.created_at >= datetime.combine(since, time(), CENTER_TZ))
    if until is not None:
        query = query.where(Delivery.created_at < datetime.combine(until + timedelta(days=1), time(), CENTER_TZ))
    rows = session.execute(query.order_by(Delivery.created_at.desc(), Delivery.id.desc()).limit(limit))
    return [LogRow(d.id, d.created_at, d.channel, d.kind, name, d.address, d.status, d.attempts, reason_text(d),
                   d.last_attempt_at, d.sent_at, d.not_before) for d, name in rows]


def reason_text(delivery: Delivery) -> str | None:
    """Why `delivery` failed or was skipped (its last failed attempt's reason, also when a retry then sent it), in
    the current language."""
    if delivery.reason:
        text = delivery.reason["msgid"]
        return _(text).format(**delivery.reason.get("params", {}))
    return delivery.last_error


def send_test_message(session: Session, *, actor: CurrentUser, channel: str, address: str | None = None) -> int:
    """Queue a test message on `channel` to `address` (empty: the admin's own e-mail address or mobile number);
    returns the delivery's id (`message_outcome` reads what became of it)."""
    require(actor, "admin.manage")
    if channel not in DELIVERY_CHANNELS:
        raise InputError("channel", _("Choose e-mail or the gateway."))
    if channel_setup()[channel] is None:
        raise InputError("channel", _("E-mail is not set up: set PORTAL_SMTP_HOST (see .env.example).")
                         if channel == "email" else
                         _("The gateway is not set up: set PORTAL_GATEWAY_URL (see .env.example)."))
    me = session.get(User, actor.id)
    typed = "".join((address or "").split())
    if channel == "email":
        target = typed.lower() or (me.email if me else None)
        if not target:
            raise InputError("address", _("You have no e-mail address in the portal: type the address to send to."))
        if not EMAIL_RE.match(target) or len(target) > 254:
            raise InputError("address", _("Enter a full e-mail address."))
    else:
        target = typed.replace("-", "") or (me.mobile if me else None)
        if not target:
            raise InputError("address", _("You have no mobile number in the portal: type the number to send to."))
        if not MOBILE_RE.match(target):
            raise InputError("address", _("Enter a mobile number: digits only (5–20, a leading + allowed)."))
    delivery = queue_delivery(session, key=f"test:{uuid.uuid4().hex}", channel=channel, kind="test",
                              recipient_kind="address" if typed else "user", recipient_id=None if typed else actor.id,
                              address=target, language=me.language if me else get_settings().default_language,
                              msgid=TEST_MESSAGE, params={"name": actor.name}, created_by=actor.id)
    return delivery.id


def message_outcome(session: Session, *, actor: CurrentUser, delivery_id: int) -> Delivery | None:
    """The test message's delivery as it is now (status, attempts, reason)."""
    require(actor, "admin.manage")
    return session.get(Delivery, delivery_id, populate_existing=True)


def await_outcome(actor: CurrentUser, delivery_id: int, seconds: float | None = None) -> Delivery | None:
    """Wait up to `seconds` (TEST_WAIT_SECONDS) for the worker to send the test message or to fail an attempt;
    returns the delivery as it then is."""
    deadline = clock.monotonic() + (TEST_WAIT_SECONDS if seconds is None else seconds)
    while True:
        with unit_of_work(actor.id) as session:
            delivery = message_outcome(session, actor=actor, delivery_id=delivery_id)
        if delivery is None or delivery.attempts > 0 and delivery.status != "queued" or clock.monotonic() > deadline:
            return delivery
        clock.sleep(0.25)


def outcome_text(delivery: Delivery) -> tuple[str, str]:
    """(kind, text) for the test button: kind is "success", "error", "warning" or "info"."""
    if delivery.status == "sent":
        return "success", _("Sent to {address}.").format(address=delivery.address)
    if delivery.status == "failed":
        return "error", _("Failed: {reason}").format(reason=reason_text(delivery))
    if delivery.status == "retrying":
        return "warning", _("The first attempt failed ({reason}). The worker tries again; the log below shows how "
                            "it ends.").format(reason=reason_text(delivery))
    return "info", _("Queued for {address}, but no worker has sent it yet. Is the worker running (python -m portal "
                     "worker)?").format(address=delivery.address)
