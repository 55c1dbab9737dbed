"""A Chinese-language user of each role sees no English: page texts, Streamlit's own placeholders, hints, upload
limits, dialogs and the page-not-found notice (portal.ui.builtin_text).

With PORTAL_E2E_SHOTS set, a screenshot of every page lands in test-artifacts/zh-screens/ (to look at them; the
suite leaves them out: a hundred and fifty screenshots are half a minute of a CI worker)."""
from __future__ import annotations

import os
import re

import pytest
from sqlalchemy import select

from db.engine import unit_of_work
from db.models import ComplaintCategory
from tests.conftest import TEST_PASSWORD
from tests.support.browser import ARTIFACTS, sign_in, wait_for_app

SHOTS = ARTIFACTS / "zh-screens"
# Latin words a Chinese screen may show: file formats, units, key names, product names, the language's own name
ALLOWED = {"CSV", "XLSX", "HTML", "PDF", "Office", "Excel", "Word", "PowerPoint", "JPEG", "PNG", "MB", "KB", "Ctrl",
           "English", "SLA", "QR", "ID"}
CODE = re.compile(r"^(?:[A-Z]{1,3}\d+|[A-Z]{2}-\d{4}-\d+)$")  # staff IDs (KF1000, S0001), references (TS-2026-000192)
VISIBLE_LATIN = """() => {
  const found = [];
  const shown = (el) => el.checkVisibility() && !el.closest("svg, [data-testid=stIconMaterial]") &&
                        !getComputedStyle(el).fontFamily.includes("Material");
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (el && !["SCRIPT", "STYLE"].includes(el.tagName) && shown(el) && /[A-Za-z]{2}/.test(n.nodeValue)) {
      found.push(n.nodeValue.trim());
    }
  }
  for (const el of document.querySelectorAll("[placeholder]")) {
    if (shown(el)) found.push(el.getAttribute("placeholder"));
  }
  for (const el of document.querySelectorAll("[aria-label^='Help']")) found.push(el.getAttribute("aria-label"));
  return found;
}"""
TRANSLATED = "window.portalBuiltinText && window.portalBuiltinText.exact.size > 0"
ROLES = ["agent", "supervisor", "handler", "training_coordinator", "emergency_coordinator", "viewer", "admin"]


def english_on(page, *user_data: str) -> list[str]:
    """Visible texts (and placeholders, help labels) holding a Latin word that is neither allowed nor user data."""
    wrong = []
    for text in page.evaluate(VISIBLE_LATIN):
        words = [w for w in re.findall(r"[A-Za-z][A-Za-z0-9-]+", text) if w not in ALLOWED and not CODE.match(w)
                 and not any(w in datum for datum in user_data)]
        if words:
            wrong.append(text)
    return wrong


@pytest.fixture
def zh_page(browser):
    """A page in a browser set to Chinese, as a Chinese reader's is (date fields spell 年/月/日 by the browser's
    locale); the e2e `page` fixture's browser is English."""
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="zh-CN")
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def data_words(portal_mailbox) -> list[str]:
    """Codes the center gave its complaint categories (shown on the admin page), the mail server's address and
    sender and the settings file's name (on the delivery log): data, not interface."""
    with unit_of_work() as s:
        codes = list(s.scalars(select(ComplaintCategory.code)))
    return [*codes, f"127.0.0.1:{portal_mailbox.port}", "portal@localhost", ".env.example"]


def settled(page) -> None:
    """The script run is over and every widget has drawn (lazy widgets show a skeleton first)."""
    wait_for_app(page)
    page.wait_for_function("!document.querySelector('[data-testid^=stSkeleton]')")
    page.wait_for_timeout(200)


def shoot(page, name: str) -> None:
    if not os.environ.get("PORTAL_E2E_SHOTS"):
        return
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


@pytest.mark.e2e
@pytest.mark.parametrize("role", ROLES)
def test_every_page_a_chinese_user_reaches_is_chinese(zh_page, base_url, make_user, role, portal_mailbox):
    page = zh_page
    user = make_user(role, language="zh_CN", name="李明")
    sign_in(page, base_url, user.login, TEST_PASSWORD)
    page.wait_for_selector("[data-testid=stSidebarNav] a")
    data = [user.login, user.staff_id, *data_words(portal_mailbox)]
    links = page.eval_on_selector_all("[data-testid=stSidebarNav] a", "links => links.map(a => a.href)")
    assert links, "no pages in the navigation"
    problems = {}
    for href in links:  # as people go: by the menu, without reloading (the address bar is tested below)
        page.locator(f"[data-testid=stSidebarNav] a[href='{href}']").click()
        page.wait_for_url(href)
        settled(page)
        name = href.rstrip("/").rsplit("/", 1)[-1] if href.rstrip("/") != base_url.rstrip("/") else "home"
        shoot(page, f"{role}-{name}")
        wrong = english_on(page, *data)
        if wrong:
            problems[name] = wrong
    page.goto(base_url + "/no_such_page")  # a bad link: the notice and the page it lands on are Chinese
    settled(page)
    dialog = page.get_by_role("dialog")
    assert "找不到页面" in dialog.inner_text() and "已为您打开首页" in dialog.inner_text()
    shoot(page, f"{role}-page-not-found")
    if wrong := english_on(page, *data):
        problems["page not found"] = wrong
    assert not problems, problems


@pytest.mark.e2e
def test_streamlit_widgets_speak_chinese(zh_page, base_url, make_user):
    """The sign-in form's hint, a multiselect's list, an upload box and a number out of range."""
    page = zh_page
    page.goto(base_url)
    wait_for_app(page)
    page.get_by_text("中文", exact=True).click()
    page.wait_for_function(TRANSLATED)
    wait_for_app(page)
    page.get_by_test_id("stForm").locator("input").first.fill("someone")
    page.wait_for_timeout(300)
    assert "按回车键提交" in page.get_by_test_id("InputInstructions").first.inner_text()
    assert not english_on(page)

    user = make_user("agent", "training_coordinator", language="zh_CN", name="李明")
    page.context.clear_cookies()
    sign_in(page, base_url, user.login, TEST_PASSWORD)
    data = [user.login, user.staff_id]
    page.goto(base_url + "/complaint_new")
    wait_for_app(page)
    uploader = page.get_by_test_id("stFileUploaderDropzone")
    assert "上传" in uploader.inner_text() and "每个文件不超过 10MB" in uploader.inner_text()
    shoot(page, "widgets-upload")

    page.goto(base_url + "/training_catalog")
    settled(page)
    multiselect = page.get_by_test_id("stMultiSelect").first
    multiselect.click()
    page.wait_for_timeout(300)
    shoot(page, "widgets-multiselect-open")
    listbox = page.get_by_role("listbox")
    assert "Select all" not in listbox.inner_text() and "全选" in listbox.inner_text()
    assert not english_on(page, *data)
    page.keyboard.press("Escape")

    number = page.get_by_test_id("stNumberInput").first.locator("input")  # (the range of a form's box is the
    number.fill("99999999999999999999")  # domain's; a box still refuses a number beyond what it can hold)
    number.press("Tab")
    page.wait_for_function("/数值超出允许范围|数值超过上限/.test(document.body.innerText)")
    shoot(page, "widgets-number-range")
    assert not english_on(page, *data)
    hidden_message = page.evaluate("""() => {
      const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
      let count = 0;
      for (let n = walker.nextNode(); n; n = walker.nextNode())
        if (n.parentElement.tagName !== "SCRIPT" && n.nodeValue.includes("allowed range")) count++;
      return count;
    }""")
    assert hidden_message == 0, "the range message is still English somewhere (e.g. for screen readers)"

    page.goto(base_url + "/training_plan")  # a day beyond a date box's bounds (portal.inputs.DAY_RANGE)
    settled(page)
    day = page.locator(".st-key-session_new_day input")
    day.fill("9999-12-31")
    day.press("Tab")
    page.wait_for_function("document.body.innerText.includes('日期超出允许范围，请选择不晚于 2999/12/31 的日期。')")
    shoot(page, "widgets-date-range")
    assert not english_on(page, *data)
