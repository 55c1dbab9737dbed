"""The printed check-in codes work: each QR code of the sign-in sheet, drawn at the size the sheet prints it
(22 mm), decodes with a real QR decoder (zxing-cpp) to the check-in link built from PORTAL_BASE_URL — not from the
address of the page that printed it — and that link opens the check-in page at the retailer."""
from __future__ import annotations

import io
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from db.engine import unit_of_work
from portal import training as tr
from portal.config import get_settings
from portal.training.check_in_codes import check_in_base
from tests.training.test_check_in_codes import session_today  # noqa: F401 (fixture)

# A long public address (behind a proxy) makes a denser code: the one most likely to be cut off on paper.
BASE = "https://training-portal.service-center.example.cn"
PRINTED_MM = 22  # td.qr svg { width: 22mm; height: 22mm } in portal.training.sheets.STYLE


def _as_printed(svg: str) -> str:
    """The SVG in the box the sheet's style gives it: 22 mm square (what the browser does with the CSS size)."""
    head, rest = svg.split(">", 1)
    head = re.sub(r'\s(width|height|xmlns)="[^"]*"', "", head)  # inline in HTML; a file of its own needs xmlns
    return f'{head} xmlns="http://www.w3.org/2000/svg" width="{PRINTED_MM}mm" height="{PRINTED_MM}mm">{rest}'


def _decode(svg: str) -> list[str]:
    import vl_convert
    import zxingcpp
    from PIL import Image

    png = vl_convert.svg_to_png(_as_printed(svg), scale=4)  # 22 mm at 96 dpi, ×4: about 330 px, a phone's view
    picture = Image.open(io.BytesIO(png)).convert("RGBA")
    paper = Image.new("RGBA", picture.size, "white")
    paper.alpha_composite(picture)
    return [code.text for code in zxingcpp.read_barcodes(paper.convert("L"))]


@pytest.fixture
def public_address(monkeypatch):
    monkeypatch.setenv("PORTAL_BASE_URL", BASE + "/")
    get_settings.cache_clear()
    yield BASE
    get_settings.cache_clear()


def test_the_base_address_comes_from_the_setting(public_address, monkeypatch):
    assert check_in_base() == BASE  # the trailing slash is dropped
    monkeypatch.delenv("PORTAL_BASE_URL")
    get_settings.cache_clear()
    assert check_in_base() == "http://localhost:8501"


def test_every_printed_code_decodes_to_a_check_in_link_that_opens_the_check_in_page(
        public_address, session_today, signed_in):  # noqa: F811
    coordinator, session_id = session_today
    with unit_of_work(coordinator.id) as s:
        sheet = tr.sign_in_sheet_html(s, actor=coordinator, session_id=session_id, check_in_base=check_in_base())
        seated = [r for r in tr.roster(s, actor=coordinator, session_id=session_id) if r["state"] == "signed_up"]
    svgs = re.findall(r"<svg.*?</svg>", sheet, flags=re.S)
    assert len(svgs) == 3
    for svg in svgs:
        assert "viewBox" in svg.split(">", 1)[0]  # scales to the printed box instead of being cut off
    links = [_decode(svg) for svg in svgs]
    assert all(len(found) == 1 for found in links), links
    links = [found[0] for found in links]
    for link in links:
        parts = urlsplit(link)
        assert f"{parts.scheme}://{parts.netloc}" == BASE and parts.path == "/training_check_in", link
    by_sign_up = {parse_qs(urlsplit(link).query)["signup"][0]: link for link in links}
    assert sorted(by_sign_up) == sorted(str(r["id"]) for r in seated)

    row = seated[0]
    params = {k: v[0] for k, v in parse_qs(urlsplit(by_sign_up[str(row["id"])]).query).items()}
    at = signed_in("coord")
    at.query_params.update(params)
    at.switch_page("pages/training_check_in.py").run()  # the decoded link's page and parameters
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert any(row["shop_name"] in m.value for m in at.markdown)
    assert [b for b in at.button if b.key == "checkin_scanned_button"]
