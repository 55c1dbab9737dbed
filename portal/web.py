"""HTTP response headers for every page and file the portal serves (OWASP ASVS 14.4).

Streamlit 1.67 serves scripts through Starlette; `st.App` (see serve.py) takes ASGI middleware, so the portal sets
these headers itself and needs no proxy for them."""
from __future__ import annotations

import json

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


# Streamlit's page (its index.html) does not know where its server is: opened at /complaints it first asks
# /complaints/_stcore/health (404), waits 100 ms, then asks /_stcore/health; so every page opened by its address (a
# link, a bookmark, a reload, a QR code) waited ~120 ms before its websocket. Streamlit takes the server's address
# from `window.__streamlit.BACKEND_BASE_URL` when the page sets it before Streamlit's bundle runs: the portal's
# pages set it to their own address less the page's path as the server received it (so a proxy that serves the
# portal under a prefix of its own keeps working); where the two do not match, Streamlit looks as before.
ASSET_PREFIXES = ("/_stcore/", "/static/", "/component/", "/media/", "/app/static/")
BACKEND_SCRIPT = """<script>(() => {
  const page = %s, here = location.pathname.replace(/\\/+$/, "");
  if (here.endsWith(page)) window.__streamlit = Object.assign({}, window.__streamlit,
    {BACKEND_BASE_URL: location.origin + here.slice(0, here.length - page.length) + "/"});
})();</script>"""


def backend_script(page_path: str) -> bytes:
    """The `<script>` that tells Streamlit's page where its server is, for a page the server received at
    `page_path` (the part after the app's own base path, e.g. "/complaints", "/" for the front page)."""
    page = json.dumps(page_path.rstrip("/"))
    for raw, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):  # (a path is the client's text)
        page = page.replace(raw, escaped)
    return (BACKEND_SCRIPT % page).encode()


class KnownBackend:
    """ASGI middleware: put `backend_script` first in the `<head>` of the page Streamlit serves for any page's
    address (its index.html); files, the websocket and Streamlit's own endpoints pass untouched."""

    def __init__(self, app, base_path: str) -> None:
        self.app = app
        self.base = "/" + base_path.strip("/") if base_path.strip("/") else ""

    async def __call__(self, scope, receive, send) -> None:
        path = scope.get("path", "/")  # (the part after the base path)
        if self.base and (path == self.base or path.startswith(self.base + "/")):
            path = path[len(self.base):] or "/"
        if scope["type"] != "http" or scope.get("method") not in ("GET", "HEAD") or path.startswith(ASSET_PREFIXES):
            await self.app(scope, receive, send)
            return
        # (Streamlit compresses what it sends when asked; the page is 8 KB: ask for it as it is, to add the script)
        scope = {**scope, "headers": [(k, v) for k, v in scope.get("headers", []) if k.lower() != b"accept-encoding"]}
        held: dict = {}
        script = backend_script(path)

        async def send_page(message) -> None:
            if message["type"] == "http.response.start":
                headers = {k.lower(): v for k, v in message.get("headers", [])}
                if message.get("status") == 200 and headers.get(b"content-type", b"").startswith(b"text/html"):
                    held["start"], held["body"], held["length"] = message, [], headers.get(b"content-length")
                    return
            elif "start" in held and message["type"] == "http.response.body":
                held["body"].append(message.get("body", b""))
                if message.get("more_body"):
                    return
                body = b"".join(held["body"])
                if scope["method"] == "GET":
                    body = body.replace(b"<head>", b"<head>" + script, 1)
                    length = len(body)
                else:  # (HEAD: no body; the length a GET's would have)
                    length = int(held["length"] or 0) + len(script)
                kept = [(k, v) for k, v in held["start"].get("headers", [])  # (the file's validators are not
                        if k.lower() not in (b"content-length", b"etag", b"last-modified")]  # this page's)
                await send({**held["start"], "headers": kept + [(b"content-length", str(length).encode())]})
                message = {"type": "http.response.body", "body": body, "more_body": False}
            await send(message)

        await self.app(scope, receive, send_page)
