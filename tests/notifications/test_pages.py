"""AppTest: the sidebar's bell (the notifications page's entry in the navigation) counts a user's unread
notifications; the notifications page lists them (unread first, with a link to the record) and marks them read,
one or all."""
from __future__ import annotations

import pytest
import streamlit as st

from tests.notifications.test_inbox import notify

PAGE = "pages/notifications.py"


@pytest.fixture
def navigation(monkeypatch) -> dict[str, tuple[str, str]]:
    """What the entry point's navigation offers on its last run: url path -> (title, icon)."""
    listed: dict[str, tuple[str, str]] = {}
    real = st.navigation

    def spy(pages, **kwargs):
        listed.clear()
        sections = pages.values() if isinstance(pages, dict) else [pages]  # the sign-in page's is a list
        listed.update({p.url_path: (p.title, p.icon) for section in sections for p in section})
        return real(pages, **kwargs)

    monkeypatch.setattr(st, "navigation", spy)
    return listed


def _bell(navigation) -> tuple[str, str]:
    return navigation["notifications"]


def test_the_bell_and_the_page_as_a_handler(db, make_user, signed_in, navigation):
    handler = make_user("handler", login="sunhao", department="logistics", language="en")
    notify(db, handler, 3, record_id="7")
    at = signed_in("sunhao")
    assert _bell(navigation) == ("Notifications: 3 unread", ":material/notifications_active:")

    page = at.switch_page(PAGE).run()
    assert not page.exception, page.exception
    shown = [m.value for m in page.markdown]
    assert shown.index("**Complaint TS-2026-000002 was assigned to you**") < \
        shown.index("**Complaint TS-2026-000000 was assigned to you**")  # newest first, unread bold
    assert [c.value for c in page.caption if "unread of" in c.value] == ["3 unread of 3, unread first."]
    links = [link for link in page.get("page_link") if link.label == "Open"]
    assert len(links) == 3 and {link.proto.page for link in links} == {"complaint"}
    assert {link.proto.query_string for link in links} == {"id=7"}

    [first] = [b for b in page.button if b.key and b.key.startswith("notifications.read.")][:1]
    first.click().run()
    assert not page.exception, page.exception
    assert [c.value for c in page.caption if "unread of" in c.value] == ["2 unread of 3, unread first."]
    assert "Complaint TS-2026-000002 was assigned to you" in [m.value for m in page.markdown]  # read: not bold
    at.switch_page("streamlit_app.py").run()
    assert _bell(navigation)[0] == "Notifications: 2 unread"

    page = at.switch_page(PAGE).run()
    page.button(key="notifications.read_all").click().run()
    assert not page.exception, page.exception
    assert [c.value for c in page.caption if "unread of" in c.value] == ["0 unread of 3, unread first."]
    assert not [b for b in page.button if b.key and b.key.startswith("notifications.read")]
    at.switch_page("streamlit_app.py").run()
    assert _bell(navigation) == ("Notifications", ":material/notifications:")  # nothing unread: no count


def test_a_viewer_with_none_sees_no_count_and_an_empty_page(db, make_user, signed_in, navigation):
    make_user("viewer", login="xuming", department="supervision", language="en")
    at = signed_in("xuming")
    assert _bell(navigation) == ("Notifications", ":material/notifications:")
    page = at.switch_page(PAGE).run()
    assert not page.exception, page.exception
    assert [i.value for i in page.info][0].startswith("No notifications yet.")


def test_the_page_in_chinese(db, make_user, signed_in, navigation):
    handler = make_user("handler", login="liuyang", department="marketing", language="zh_CN")
    notify(db, handler, 1, record_id="3")
    at = signed_in("liuyang")
    assert _bell(navigation)[0] == "通知：1 条未读"
    page = at.switch_page(PAGE).run()
    assert "**投诉 TS-2026-000000 已分派给您**" in [m.value for m in page.markdown]
    assert [b.label for b in page.button if b.key and b.key.startswith("notifications.read")] == ["全部标为已读",
                                                                                                 "标为已读"]
