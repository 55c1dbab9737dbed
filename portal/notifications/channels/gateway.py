"""The gateway: one outgoing HTTP webhook (settings PORTAL_GATEWAY_URL, _SECRET, _TIMEOUT) that an SMS gateway or a
WeCom / DingTalk robot bridge sits behind.

For whoever writes the bridge — each message is one POST to the URL:
- body, JSON in UTF-8: {"idempotency_key": "...", "kind": "notification" | "digest" | "test" | "retailer",
  "recipient": {"kind": "user" | "retailer" | "address", "id": 12 or null, "name": "..." or null,
  "mobile": "13800000000"}, "language": "zh_CN" | "en", "text": "the message, in the recipient's language",
  "link": "https://portal.example.cn/complaint?id=12" or null, "about": {"table": "complaints", "id": "12"} or null};
- headers: `Content-Type: application/json; charset=utf-8`, `Idempotency-Key` (as in the body),
  `X-Portal-Timestamp` (Unix seconds), `X-Portal-Signature: sha256=<hex>`, the HMAC-SHA256 under the shared secret
  of the bytes `<timestamp>.<body>` (`verify` below checks one; refuse timestamps older than five minutes);
- answer 2xx when the message is taken. 5xx, 408, 429 and timeouts are tried again later (with the same
  idempotency key: a bridge that already sent that key should answer 2xx and not send it twice); any other 4xx
  fails the message for good (its reason is shown in the delivery log).
"""
from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request

from portal.config import Settings
from portal.i18n import N_
from portal.notifications.channels.failure import DeliveryFailed

RETRIED_4XX = frozenset({408, 425, 429})
MAX_AGE_SECONDS = 300


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """`sha256=<hex>`: HMAC-SHA256 under `secret` of `<timestamp>.<body>`."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify(secret: str, timestamp: str, body: bytes, signed: str, *, now: float | None = None) -> bool:
    """What a bridge does with a request: the signature matches and the timestamp is at most 5 minutes old."""
    try:
        fresh = abs((now if now is not None else time.time()) - int(timestamp)) <= MAX_AGE_SECONDS
    except ValueError:
        return False
    return fresh and hmac.compare_digest(signature(secret, timestamp, body), signed)


def payload(*, key: str, kind: str, recipient: dict, language: str, text: str, link: str | None,
            about: dict | None) -> bytes:
    return json.dumps({"idempotency_key": key, "kind": kind, "recipient": recipient, "language": language,
                       "text": text, "link": link, "about": about}, ensure_ascii=False).encode()


def post(settings: Settings, body: bytes, key: str, *, timestamp: str | None = None) -> int:
    """POST `body` to the gateway, signed; returns the HTTP status, or raises DeliveryFailed."""
    timestamp = timestamp or str(int(time.time()))
    request = urllib.request.Request(settings.gateway_url, data=body, method="POST", headers={
        "Content-Type": "application/json; charset=utf-8", "Idempotency-Key": key, "X-Portal-Timestamp": timestamp,
        "X-Portal-Signature": signature(settings.gateway_secret or "", timestamp, body),
        "User-Agent": "service-center-portal"})
    try:
        with urllib.request.urlopen(request, timeout=settings.gateway_timeout) as answer:  # noqa: S310 - admin's URL
            return answer.status
    except urllib.error.HTTPError as answer:
        said = answer.read(300).decode("utf-8", "replace").strip()
        raise DeliveryFailed(N_("The gateway answered HTTP {code}: {answer}"), code=answer.code, answer=said or "-",
                             retry=answer.code >= 500 or answer.code in RETRIED_4XX) from answer
    except TimeoutError as slow:
        raise DeliveryFailed(N_("The gateway did not answer within {seconds} s"), retry=True,
                             seconds=f"{settings.gateway_timeout:g}") from slow
    except urllib.error.URLError as down:
        if isinstance(down.reason, TimeoutError):
            raise DeliveryFailed(N_("The gateway did not answer within {seconds} s"), retry=True,
                                 seconds=f"{settings.gateway_timeout:g}") from down
        raise DeliveryFailed(N_("The gateway could not be reached: {error}"), retry=True,
                             error=type(down.reason).__name__ if isinstance(down.reason, Exception)
                             else str(down.reason)) from down
    except OSError as down:
        raise DeliveryFailed(N_("The gateway could not be reached: {error}"), retry=True,
                             error=type(down).__name__) from down
