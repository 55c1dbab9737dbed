"""E-mail through an SMTP server (settings PORTAL_SMTP_*): one message, in the recipient's language, with a
Message-ID made from the delivery's idempotency key (a resent mail carries the same one)."""
from __future__ import annotations

import hashlib
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate

from portal.config import Settings
from portal.i18n import N_
from portal.notifications.channels.failure import DeliveryFailed


def message_id(key: str) -> str:
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@portal.notifications>"


def compose(settings: Settings, *, to: str, subject: str, body: str, key: str) -> EmailMessage:
    """The mail: UTF-8 text, the subject encoded for headers (RFC 2047) by the standard library."""
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = settings.smtp_sender, to, subject
    mail["Date"], mail["Message-ID"] = formatdate(localtime=False), message_id(key)
    mail["X-Portal-Delivery"] = key
    mail.set_content(body, charset="utf-8")
    return mail


def _connect(settings: Settings) -> smtplib.SMTP:
    if settings.smtp_tls == "ssl":
        return smtplib.SMTP_SSL(settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout,
                                context=ssl.create_default_context())
    smtp = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout)
    if settings.smtp_tls == "starttls":
        smtp.starttls(context=ssl.create_default_context())
    return smtp


def send(settings: Settings, mail: EmailMessage) -> None:
    """Hand `mail` to the SMTP server; raises DeliveryFailed (retry for a server down, a timeout, a 4xx answer)."""
    server = f"{settings.smtp_host}:{settings.smtp_port}"
    try:
        with _connect(settings) as smtp:
            if settings.smtp_user:
                smtp.login(settings.smtp_user, settings.smtp_password or "")
            smtp.send_message(mail)
    except smtplib.SMTPRecipientsRefused as refused:
        code, text = next(iter(refused.recipients.values()))
        raise DeliveryFailed(N_("SMTP server {server} refused the address: {answer}"), retry=400 <= code < 500,
                             server=server, answer=f"{code} {_text(text)}") from refused
    except smtplib.SMTPResponseException as answer:
        raise DeliveryFailed(N_("SMTP server {server} answered: {answer}"), retry=400 <= answer.smtp_code < 500,
                             server=server, answer=f"{answer.smtp_code} {_text(answer.smtp_error)}") from answer
    except TimeoutError as slow:
        raise DeliveryFailed(N_("SMTP server {server} did not answer within {seconds} s"), retry=True,
                             server=server, seconds=f"{settings.smtp_timeout:g}") from slow
    except (OSError, smtplib.SMTPException) as down:  # refused connection, unknown host, dropped connection
        raise DeliveryFailed(N_("SMTP server {server} could not be reached: {error}"), retry=True, server=server,
                             error=type(down).__name__) from down


def _text(value) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
