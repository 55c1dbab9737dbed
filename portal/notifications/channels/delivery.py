"""Deliveries: what goes out by e-mail and through the gateway, queued in the transaction that made it, and the job
that sends one.

Once, at least: a delivery's `key` is unique (a notification's: "n<id>:<channel>"), so a notification is queued at
most once per channel, whoever records it, however often. The job locks the row, stops if it is already sent, failed
or skipped, counts the attempt and commits; then sends; then marks it sent. A worker killed between sending and
marking leaves it unsent in the table, and its job runs again (the worker's clock puts it back:
scans.requeue_stalled): the message may go out a second time, so every send carries the key (the gateway's
`Idempotency-Key`, the mail's Message-ID) for the receiver to recognise it. The other order (mark sent, then send)
could lose a message instead; a notice that matters is better twice than never. Two workers never send one delivery at
once: a job is fetched by one worker, and jobs of one delivery share a procrastinate `lock`.
"""
from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

import procrastinate
from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from db.engine import unit_of_work
from db.models import Retailer, User
from db.notification_models import Delivery, Notification
from portal.center_time import utcnow
from portal.config import Settings, get_settings
from portal.i18n import N_, catalog, source_text
from portal.notifications.channels import gateway, mail
from portal.notifications.channels.failure import DeliveryFailed
from portal.notifications.channels.preferences import preferences_of

DELIVERY_QUEUE = "deliveries"
DELIVERY_TASK = "portal.notifications.deliver"
MAX_ATTEMPTS = 6  # then "failed": 3, 9, 27, 81, 243 seconds between them (about 6 minutes in all)
RETRY_WAIT = 3  # exponential_wait: the n-th retry waits RETRY_WAIT ** n seconds
DONE = ("sent", "failed", "skipped")
DIGEST = N_("Your notifications of the day ({count})")
SUBJECT = N_("Service center: {message}")
OPEN = N_("Open it in the portal: {url}")
WHY = N_("You receive this because of your notification settings in the portal (My account).")
NO_EMAIL = N_("skipped: no e-mail address")
NO_MOBILE = N_("skipped: no mobile number")
_DEFER = text("select procrastinate_defer_jobs_v1(ARRAY[ROW(:queue, :task, 0, :lock, NULL, CAST(:args AS jsonb), "
              "CAST(:at AS timestamptz))::procrastinate_job_to_defer_v1])")
log = logging.getLogger(__name__)


class RetryLater(Exception):
    """A failed attempt that procrastinate runs again (after RETRY_WAIT ** n seconds)."""


def translated(language: str, msgid: str, params: dict | None = None) -> str:
    """`msgid` in `language` (not the current one: the recipient's), its values put in."""
    found = catalog(language).get(msgid)
    return (source_text(msgid) if found is None else found).format(**{k: str(v) for k, v in (params or {}).items()})


def record_url(settings: Settings, link: str | None) -> str | None:
    """A notification's link ("pages/complaint.py?id=12") as an address ("https://portal/complaint?id=12"): a record
    page is served at its file's name."""
    if not link:
        return None
    page, sep, query = link.partition("?")
    return f"{settings.base_url}/{page.rpartition('/')[2].removesuffix('.py')}{sep}{query}"


def _defer(session: Session, delivery_id: int, key: str, at: datetime | None) -> None:
    session.connection().execute(_DEFER, {"queue": DELIVERY_QUEUE, "task": DELIVERY_TASK, "lock": f"delivery:{key}",
                                          "args": json.dumps({"delivery_id": delivery_id}),
                                          "at": at.isoformat() if at else None})


def queue_delivery(session: Session, *, skipped: str | None = None, **values) -> Delivery | None:
    """Insert a delivery (`values`: its columns, `key` among them) unless its key exists, and defer its job in this
    transaction (none for one `skipped`, which is logged with that reason). Returns the new row, or None."""
    if skipped:
        values.update(status="skipped", last_error=skipped, reason={"msgid": skipped, "params": {}})
    new_id = session.scalar(insert(Delivery).values(**values).on_conflict_do_nothing(index_elements=["key"])
                            .returning(Delivery.id))
    if new_id is None:
        return None
    if not skipped:
        _defer(session, new_id, values["key"], values.get("not_before"))
    return session.get(Delivery, new_id)


def deliver_notifications(session: Session, notification_ids: Sequence[int], now: datetime | None = None) -> int:
    """Queue the new notifications' e-mails and text messages by their users' preferences (quiet hours hold back
    all but urgent ones; a digest user's e-mail waits for the day's digest); returns how many were queued."""
    settings = get_settings()
    if not notification_ids or not (settings.smtp_host or settings.gateway_url):
        return 0
    now = now or utcnow()
    rows = session.execute(select(Notification, User.email, User.mobile, User.language)
                           .join(User, User.id == Notification.user_id)
                           .where(Notification.id.in_(list(notification_ids))).order_by(Notification.id)).all()
    chosen = preferences_of(session, [row.Notification.user_id for row in rows])
    made = 0
    for note, email, mobile, language in rows:
        prefs = chosen[note.user_id]
        common = {"kind": "notification", "recipient_kind": "user", "recipient_id": note.user_id,
                  "language": language, "notification_id": note.id, "about_table": note.record_table,
                  "about_id": note.record_id, "msgid": note.msgid, "params": note.params or {}, "link": note.link,
                  "not_before": None if note.urgent else prefs.quiet_end(now)}
        if settings.smtp_host and prefs.email and prefs.digest and not note.urgent:
            at = prefs.digest_at(now)
            made += queue_delivery(session, key=f"digest:{note.user_id}:{at.isoformat()}", channel="email",
                                   kind="digest", recipient_kind="user", recipient_id=note.user_id, address=email,
                                   language=language, msgid=DIGEST, not_before=at,
                                   skipped=None if email else NO_EMAIL) is not None
        elif settings.smtp_host and prefs.email:
            made += queue_delivery(session, key=f"n{note.id}:email", channel="email", address=email,
                                   skipped=None if email else NO_EMAIL, **common) is not None
        if settings.gateway_url and prefs.gateway:
            made += queue_delivery(session, key=f"n{note.id}:gateway", channel="gateway", address=mobile,
                                   skipped=None if mobile else NO_MOBILE, **common) is not None
    return made


def queue_retailer_message(session: Session, *, retailer_id: int, key: str, msgid: str, params: dict | None = None,
                           about_table: str | None = None, about_id: str | int | None = None,
                           link: str | None = None) -> Delivery | None:
    """A text message to a retailer through the gateway (a session reminder, a promotion from the waiting list, an
    incident notice), in the installation's language, queued in this transaction; `key` names the occasion
    ("session:12:reminder"), so asking twice sends once. None when no gateway is set up or the retailer has no
    phone; else the delivery (the one queued before, for a key asked again). Read back with `retailer_messages`."""
    settings = get_settings()
    retailer = session.get(Retailer, retailer_id)
    if not settings.gateway_url or retailer is None or not (retailer.phone or "").strip():
        return None
    full_key = f"retailer:{retailer_id}:{key}"
    return queue_delivery(session, key=full_key, channel="gateway", kind="retailer", recipient_kind="retailer",
                          recipient_id=retailer_id, address=retailer.phone.strip(),
                          language=settings.default_language, msgid=msgid, params=params or {},
                          about_table=about_table, about_id=None if about_id is None else str(about_id), link=link) \
        or session.scalar(select(Delivery).where(Delivery.key == full_key))


def retailer_messages(session: Session, *, about_table: str, about_id: str | int) -> dict[int, Delivery]:
    """The messages to retailers about one record (a session's reminders), newest per retailer: status "sent" when
    delivered (the call lists' "sent" mark), "queued"/"retrying" on the way, "failed" with `last_error`."""
    rows = session.scalars(select(Delivery).where(Delivery.about_table == about_table,
                                                  Delivery.about_id == str(about_id), Delivery.kind == "retailer")
                           .order_by(Delivery.id))
    return {row.recipient_id: row for row in rows}


def _digest_text(session: Session, settings: Settings, delivery: Delivery) -> tuple[str, str]:
    until = delivery.not_before or utcnow()
    notes = list(session.scalars(select(Notification).where(
        Notification.user_id == delivery.recipient_id, Notification.created_at > until - timedelta(days=1),
        Notification.created_at <= until, Notification.urgent.is_(False),
        ~select(Delivery.id).where(Delivery.notification_id == Notification.id, Delivery.channel == "email")
        .exists()).order_by(Notification.created_at)))  # not those mailed singly (before digest was chosen)
    lines = []
    for note in notes:
        lines.append(f"- {translated(delivery.language, note.msgid, note.params)}")
        if url := record_url(settings, note.link):
            lines.append(f"  {url}")
    return translated(delivery.language, DIGEST, {"count": len(notes)}), "\n".join(lines)


def _compose(session: Session, settings: Settings, delivery: Delivery) -> Callable[[], object]:
    """`delivery` composed in its recipient's language, as the call that sends it on its channel (which raises
    DeliveryFailed); composing reads the database, sending does not."""
    url = record_url(settings, delivery.link)
    if delivery.kind == "digest":
        subject, body = _digest_text(session, settings, delivery)
        message = subject
    else:
        message = translated(delivery.language, delivery.msgid, delivery.params)
        subject, body = translated(delivery.language, SUBJECT, {"message": message}), message
        if url:
            body += "\n\n" + translated(delivery.language, OPEN, {"url": url})
    if delivery.channel == "email":
        if not settings.smtp_host:
            raise DeliveryFailed(N_("No SMTP server is set up (PORTAL_SMTP_HOST)"), retry=False)
        footer = "\n\n-- \n" + translated(delivery.language, WHY) if delivery.recipient_kind == "user" else ""
        composed = mail.compose(settings, to=delivery.address, subject=subject, body=body + footer, key=delivery.key)
        return lambda: mail.send(settings, composed)
    if not settings.gateway_url:
        raise DeliveryFailed(N_("No gateway is set up (PORTAL_GATEWAY_URL)"), retry=False)
    name = None
    if delivery.recipient_kind == "user":
        name = session.scalar(select(User.name).where(User.id == delivery.recipient_id))
    elif delivery.recipient_kind == "retailer":
        name = session.scalar(select(Retailer.shop_name).where(Retailer.id == delivery.recipient_id))
    about = {"table": delivery.about_table, "id": delivery.about_id} if delivery.about_table else None
    body = gateway.payload(key=delivery.key, kind=delivery.kind, language=delivery.language, link=url, about=about,
                           text=message if not url or delivery.kind == "digest" else f"{message} {url}",
                           recipient={"kind": delivery.recipient_kind, "id": delivery.recipient_id, "name": name,
                                      "mobile": delivery.address})
    key = delivery.key
    return lambda: gateway.post(settings, body, key)


def deliver(delivery_id: int) -> str:
    """The delivery job: send one delivery once (see the module's text); returns its status. A failure worth
    retrying raises RetryLater (procrastinate runs the job again) until MAX_ATTEMPTS, then it is "failed"."""
    settings = get_settings()
    send, failure = None, None
    with unit_of_work() as session:  # 1. claim: count the attempt (committed before anything leaves), compose
        delivery = session.get(Delivery, delivery_id, with_for_update=True)
        if delivery is None or delivery.status in DONE:
            return delivery.status if delivery else "gone"
        delivery.attempts += 1
        delivery.last_attempt_at = utcnow()
        attempts, channel = delivery.attempts, delivery.channel
        try:
            send = _compose(session, settings, delivery)
        except DeliveryFailed as failed:
            failure = failed
        except Exception as bug:  # noqa: BLE001 - a message that cannot be composed fails, with the reason
            log.exception("Delivery %s could not be composed.", delivery_id)
            failure = DeliveryFailed(N_("The message could not be composed: {error}"), retry=False,
                                     error=f"{type(bug).__name__}: {bug}")
    if send is not None:  # 2. send, outside any transaction
        try:
            send()
        except DeliveryFailed as failed:
            failure = failed
        except Exception as bug:  # noqa: BLE001 - kept as the reason; retried, it may pass
            failure = DeliveryFailed(N_("Sending failed: {error}"), retry=True, error=f"{type(bug).__name__}: {bug}")
    with unit_of_work() as session:  # 3. the outcome
        delivery = session.get(Delivery, delivery_id, with_for_update=True)
        if failure is None:
            delivery.status, delivery.sent_at = "sent", utcnow()
            return "sent"
        give_up = not failure.retry or attempts >= MAX_ATTEMPTS
        delivery.status, delivery.last_error = ("failed" if give_up else "retrying"), str(failure)[:2000]
        delivery.reason = failure.reason
    log.warning("Delivery %s (%s) attempt %d failed: %s", delivery_id, channel, attempts, failure)
    if give_up:
        return "failed"
    raise RetryLater(str(failure))


def register(app: procrastinate.App) -> None:
    """Register the delivery task on `app` (portal/notifications/queue.py). A delivery job whose worker died is put
    back by the worker's clock, like every job (portal/notifications/scans.py `requeue_stalled`)."""
    retry = procrastinate.RetryStrategy(max_attempts=MAX_ATTEMPTS + 2, exponential_wait=RETRY_WAIT,
                                        retry_exceptions={RetryLater})
    app.task(name=DELIVERY_TASK, queue=DELIVERY_QUEUE, retry=retry)(deliver)
