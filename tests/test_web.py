"""The portal's ASGI middleware (portal/web.py), driven as Starlette drives it: the script that tells Streamlit's
page where its server is goes into pages only, whole, whether or not the browser asked for compression."""
import asyncio
from concurrent.futures import ThreadPoolExecutor

from portal.web import KnownBackend, backend_script

PAGE = b"<!DOCTYPE html><html><head><title>Streamlit</title></head><body></body></html>"


def _inner(content_type: bytes = b"text/html; charset=utf-8", body: bytes = PAGE, status: int = 200):
    seen = {}

    async def app(scope, receive, send):
        seen["headers"] = dict(scope["headers"])
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", content_type), (b"content-length", str(len(body)).encode()),
                                (b"etag", b'"file"'), (b"cache-control", b"no-cache")]})
        if scope["method"] == "HEAD":
            await send({"type": "http.response.body", "body": b"", "more_body": False})
            return
        half = len(body) // 2  # (in two parts, as a file may come)
        await send({"type": "http.response.body", "body": body[:half], "more_body": True})
        await send({"type": "http.response.body", "body": body[half:], "more_body": False})
    return app, seen


def _call(app, path: str, method: str = "GET", headers=()):
    sent = []

    async def send(message):
        sent.append(message)

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    scope = {"type": "http", "method": method, "path": path, "headers": list(headers)}
    with ThreadPoolExecutor(1) as pool:  # (its own event loop: a browser test's may be running in this thread)
        pool.submit(asyncio.run, app(scope, receive, send)).result()
    start = sent[0]
    return start["status"], dict(start["headers"]), b"".join(m.get("body", b"") for m in sent[1:])


def test_a_page_says_where_its_server_is_before_streamlit_looks():
    inner, seen = _inner()
    status, headers, body = _call(KnownBackend(inner, base_path=""), "/complaints",
                                  headers=[(b"accept-encoding", b"gzip, br"), (b"cookie", b"a=1")])
    script = backend_script("/complaints")
    assert status == 200 and body == PAGE.replace(b"<head>", b"<head>" + script)
    assert b'const page = "/complaints",' in script  # (the page's address less this is the server's)
    assert headers[b"content-length"] == str(len(body)).encode()
    assert b"etag" not in headers and headers[b"cache-control"] == b"no-cache"  # (the file's, not the page's)
    assert b"accept-encoding" not in seen["headers"] and seen["headers"][b"cookie"] == b"a=1"


def test_the_page_path_is_the_part_after_the_base_path_and_stays_text():
    inner, _seen = _inner()
    for base, path, page in (("portal", "/portal/complaints", b'"/complaints"'), ("/portal/", "/portal", b'""'),
                             ("", "/", b'""'), ("", "/retailer", b'"/retailer"')):
        _status, _headers, body = _call(KnownBackend(inner, base_path=base), path)
        assert b"const page = " + page + b"," in body, (base, path)
    hostile = backend_script("/</script><script>alert(1)</script>&")
    assert b"</script><script>alert" not in hostile and hostile.count(b"</script>") == 1
    assert b'"/\\u003c/script\\u003e' in hostile


def test_a_head_request_gives_the_length_a_get_would():
    inner, _seen = _inner()
    status, headers, body = _call(KnownBackend(inner, base_path=""), "/retailers", method="HEAD")
    assert status == 200 and body == b""
    assert int(headers[b"content-length"]) == len(PAGE) + len(backend_script("/retailers"))


def test_files_endpoints_and_other_answers_pass_untouched():
    for path, content_type, status in [("/static/js/index.js", b"application/javascript", 200),
                                       ("/_stcore/health", b"text/html", 200),  # (Streamlit's own endpoint)
                                       ("/component/x/index.html", b"text/html", 200),
                                       ("/complaints", b"text/plain", 200),
                                       ("/complaints", b"text/html", 404)]:
        inner, seen = _inner(content_type=content_type, status=status)
        got_status, headers, body = _call(KnownBackend(inner, base_path=""), path,
                                          headers=[(b"accept-encoding", b"gzip")])
        assert (got_status, body, headers[b"etag"]) == (status, PAGE, b'"file"'), path
    inner, seen = _inner(content_type=b"application/javascript")  # a file under a base path: asked for as it was
    _call(KnownBackend(inner, base_path="portal"), "/portal/static/js/index.js",
          headers=[(b"accept-encoding", b"gzip")])
    assert seen["headers"][b"accept-encoding"] == b"gzip"
    inner, _seen = _inner()
    status, headers, body = _call(KnownBackend(inner, base_path=""), "/complaints", method="POST")
    assert body == PAGE
