"""HTTP response headers for every page and file the portal serves (OWASP ASVS 14.4).

Streamlit 1.67 serves scripts through Starlette; `st.App` (see serve.py) takes ASGI middleware, so the portal sets
these headers itself and needs no proxy for them."""
from __future__ import annotations

SECURITY_HEADERS: dict[bytes, bytes] = {
    b"x-frame-options": b"SAMEORIGIN",  # no framing by other sites (Streamlit frames its own components)
    b"content-security-policy": b"frame-ancestors 'self'",
    b"x-content-type-options": b"nosniff",
    b"referrer-policy": b"same-origin",  # links to other sites do not carry a record's address
}


class SecurityHeaders:
    """ASGI middleware: add SECURITY_HEADERS to every HTTP response (replacing any the app set)."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message) -> None:
            if message["type"] == "http.response.start":
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() not in SECURITY_HEADERS]
                message = {**message, "headers": kept + list(SECURITY_HEADERS.items())}
            await send(message)

        await self.app(scope, receive, send_with_headers)
