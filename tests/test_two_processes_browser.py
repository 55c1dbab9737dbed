"""Several teams at once: two `python -m portal run` processes on one database, two users editing the same
retailer. The second save is refused cleanly (its input kept, nothing lost), whether it comes after the first
or races it; the version check and the row lock live in the database, not in either process."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from db.engine import unit_of_work
from db.models import AuditLog
from portal.tools.soak import portal_process
from tests.conftest import TEST_PASSWORD
from tests.retailers.support import directory_fixture  # noqa: F401  (the `directory` fixture)
from tests.support.browser import ARTIFACTS, SERVER_LOG, sign_in, wait_for_app

pytestmark = pytest.mark.e2e
LIC = "330106000003"  # 张敏's shop


@pytest.fixture(scope="module")
def second_server(portal_server, database_url):
    """Another portal process (its own port, its own Streamlit server) over the same test database."""
    ARTIFACTS.mkdir(exist_ok=True)
    with portal_process(database_url, SERVER_LOG.with_name(SERVER_LOG.stem + "-second.log")) as (url, _proc):
        yield url


@pytest.fixture
def two_users(browser, base_url, second_server, directory, make_user):
    """张华 on the first process and 李强 on the second, each in their own browser, on the same retailer."""
    make_user("supervisor", login="sup2", name="李强", staff_id="KF1001", language="en")
    rid = directory.ids[LIC]
    pages = []
    for url, login in ((base_url, "sup"), (second_server, "sup2")):
        context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="en-US")
        context.set_default_timeout(20_000)
        page = context.new_page()
        sign_in(page, url, login, TEST_PASSWORD)
        # the session cookie is written by a script during this run or the next: opening another URL before it is
        # there would land on the sign-in page
        page.wait_for_function("document.cookie.includes('portal_session=')")
        page.goto(f"{url}/retailer?id={rid}")
        wait_for_app(page, settle_ms=300)
        page.get_by_label("Phone", exact=True).wait_for()
        pages.append(page)
    yield pages
    for page in pages:
        page.context.close()


def _changes(license_no_id: int, field: str) -> list[tuple[str, str, str]]:
    """(who, old, new) of every saved edit of `field` of the retailer, oldest first."""
    from db.models import User

    with unit_of_work() as s:
        rows = s.execute(select(User.name, AuditLog.old_value, AuditLog.new_value)
                         .join(User, User.id == AuditLog.actor_id)
                         .where(AuditLog.table_name == "retailers", AuditLog.record_id == str(license_no_id),
                                AuditLog.action == "update", AuditLog.field == field).order_by(AuditLog.id)).all()
    return [tuple(r) for r in rows]


def test_the_later_save_is_refused_with_its_input_kept_and_can_then_be_applied(two_users, directory):
    first, second = two_users
    rid = directory.ids[LIC]
    first.get_by_label("Owner *", exact=True).fill("张敏（甲）")
    second.get_by_label("Owner *", exact=True).fill("张敏（乙）")
    first.get_by_role("button", name="Save").click()
    wait_for_app(first)
    expect(first.get_by_text("Saved.")).to_be_visible()

    second.get_by_role("button", name="Save").click()
    wait_for_app(second)
    expect(second.get_by_text("was changed by 张华", exact=False)).to_be_visible()
    expect(second.get_by_label("Owner *", exact=True)).to_have_value("张敏（乙）")  # the input stays
    assert directory.get(LIC).owner_name == "张敏（甲）"  # the first save stands

    second.get_by_role("button", name="Use my input over their change").click()
    wait_for_app(second)
    second.get_by_role("button", name="Save").click()
    wait_for_app(second)
    expect(second.get_by_text("Saved.")).to_be_visible()
    assert directory.get(LIC).owner_name == "张敏（乙）"
    assert _changes(rid, "owner_name") == [("张华", "张敏", "张敏（甲）"), ("李强", "张敏（甲）", "张敏（乙）")]


def test_two_saves_racing_each_other_leave_exactly_one_change_and_one_refusal(two_users, directory):
    pages = two_users
    rid = directory.ids[LIC]
    for page, phone in zip(pages, ("13700000001", "13700000002"), strict=True):
        page.get_by_label("Phone", exact=True).fill(phone)
    for page in pages:  # both submits leave before either process answers
        page.get_by_role("button", name="Save").click(no_wait_after=True)
    for page in pages:
        wait_for_app(page, settle_ms=300)
    saved = [page for page in pages if page.get_by_text("Saved.").count()]
    refused = [page for page in pages if page.get_by_text("after you opened it", exact=False).count()]
    assert len(saved) == 1 and len(refused) == 1
    winner = "13700000001" if saved[0] is pages[0] else "13700000002"
    loser = "13700000002" if winner == "13700000001" else "13700000001"
    assert directory.get(LIC).phone == winner
    expect(refused[0].get_by_label("Phone", exact=True)).to_have_value(loser)  # the refused input stays
    assert [new for _who, _old, new in _changes(rid, "phone")] == [winner]  # one change written, none lost
