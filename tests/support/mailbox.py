"""A real SMTP server on loopback (aiosmtpd) that keeps what arrives, or refuses it: the delivery tests' mail
server, and the browser tests' portal server's (its worker sends the notifications' e-mail there)."""
from __future__ import annotations

import email
import email.policy
import socket
import time
from contextlib import contextmanager

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Mailbox:
    """What the SMTP server received; `refuse` makes it answer RCPT with a 5xx (or 4xx) code."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.refuse: str | None = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 - aiosmtpd's name
        if self.refuse:
            return self.refuse
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.messages.append(email.message_from_bytes(envelope.original_content, policy=email.policy.default))
        return "250 Message accepted"


@contextmanager
def smtp_server(port: int):
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()


def wait_for_mail(box: Mailbox, to: str, *, timeout: float = 20.0) -> email.message.EmailMessage:
    """The first message that reached `to`, waiting up to `timeout` seconds for it."""
    deadline = time.monotonic() + timeout
    while True:
        for message in list(box.messages):
            if to in str(message["To"]):
                return message
        assert time.monotonic() < deadline, f"no e-mail reached {to}"
        time.sleep(0.1)
