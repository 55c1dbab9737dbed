"""Browser-test fixtures: the portal under `python -m portal run`, and Debian's chromium through Playwright.

The server process uses the test run's one embedded PostgreSQL (DATABASE_URL from the `database_url`
fixture), so tests arrange data with domain functions and the `db` fixture's per-test truncation reaches
it. Every test gets a fresh browser context (no cookies, a new Streamlit session) and signs in anew.
"""
from __future__ import annotations

import os
import re
from datetime import timedelta

import pytest

from portal.center_time import now as center_now
from portal.center_time import shift_clock
from portal.config import ROOT
from tests.conftest import TEST_PASSWORD

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ARTIFACTS = ROOT / "test-artifacts"
# each pytest-xdist worker runs its own portal server: its own log
SERVER_LOG = ARTIFACTS / f"e2e-server-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}.log"
APP_IDLE = "[data-testid=stApp][data-test-script-state=notRunning]"


@pytest.fixture(scope="session")
def portal_mailbox():
    """The browser tests' mail server: a real SMTP server on loopback that the portal server's worker sends the
    notifications' e-mail to (a test reads what reached its users with tests.support.mailbox.wait_for_mail)."""
    from tests.support.mailbox import free_port, smtp_server

    port = free_port()
    with smtp_server(port) as box:
        box.port = port
        yield box


def _server_settings(mailbox) -> dict[str, str]:
    return {
        "PORTAL_ADMIN_PASSWORD": TEST_PASSWORD,
        "PORTAL_DEFAULT_LANGUAGE": "en",
        "PORTAL_INCIDENT_REFRESH_SECONDS": "4",  # the incident board redraws itself within a test's patience
        "PORTAL_SCAN_SCHEDULE": "",  # its worker scans nothing by itself: each minute, other tests' data would be due
        "PORTAL_SMTP_HOST": "127.0.0.1", "PORTAL_SMTP_PORT": str(mailbox.port),
    }


@pytest.fixture(scope="session")
def portal_server(engine, database_url, portal_mailbox):
    """Base URL of `python -m portal run` on a free loopback port, over the test database (started the way the
    bench starts one: portal.tools.soak.portal_process), sending its e-mail to `portal_mailbox`."""
    from portal.tools.soak import portal_process

    ARTIFACTS.mkdir(exist_ok=True)
    with portal_process(database_url, SERVER_LOG, extra_env=_server_settings(portal_mailbox)) as (base_url, _proc):
        yield base_url


@pytest.fixture
def base_url(portal_server, db):
    """The portal's URL, with a clean database (reference data and the first admin) for this test."""
    return portal_server


MORNING = 10  # o'clock, center time: what the morning portal's clock reads when it starts


def shift_to_morning() -> timedelta:
    """How far to move the clock back (whole minutes, 0 to 24 h) for the center's clock to read MORNING:00 now."""
    real = center_now().replace(second=0, microsecond=0)
    morning = real.replace(hour=MORNING, minute=0)
    return (morning if morning <= real else morning - timedelta(days=1)) - real


@pytest.fixture(scope="module")
def morning_server(engine, database_url, portal_mailbox):
    """(base URL, shift) of a portal whose clock reads 10:00 center time when it starts, for the tests that work
    through a day (draft a session for later today, check in on the day) at whatever hour the suite runs. Only
    the portal's clock moves (PORTAL_CLOCK_SHIFT_MINUTES), not the database's: keep to what the portal times."""
    from portal.tools.soak import portal_process

    shift = shift_to_morning()
    settings = _server_settings(portal_mailbox) | {"PORTAL_CLOCK_SHIFT_MINUTES": str(int(shift.total_seconds() // 60)),
                                                   "PORTAL_WORKER": "0"}
    with portal_process(database_url, ARTIFACTS / SERVER_LOG.name.replace("server", "morning"),
                        extra_env=settings) as (base_url, _proc):
        yield base_url, shift


@pytest.fixture
def morning_url(morning_server, db):
    """The morning portal's URL (clean database), with this test process's clock moved the same way."""
    base_url, shift = morning_server
    old = shift_clock(shift)
    yield base_url
    shift_clock(old)


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium, launched once per worker for the browser tests (each gets a context of its own)."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"Debian's chromium is missing at {CHROMIUM}: run `bash tests/run.sh` "
                    "(or apt-get install --no-install-recommends chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture
def page(browser, request):
    """A page in a fresh browser context; a screenshot lands in test-artifacts/ when the test fails."""
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="en-US")
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    failed = any(getattr(request.node, f"rep_{when}", None) is not None and getattr(request.node, f"rep_{when}").failed
                 for when in ("setup", "call"))
    if failed:
        ARTIFACTS.mkdir(exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.name)
        try:
            page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
        except Exception as exc:  # a crashed page must not hide the test's own failure
            print(f"no screenshot: {exc}")
    context.close()


def wait_for_app(page, settle_ms: int = 150) -> None:
    """Wait until Streamlit finished the current script run (and give the page a moment to paint).

    A script that raised fails the test at once, with the end of the server's log (the page itself only
    says that an error happened: `client.showErrorDetails` is off).
    """
    page.wait_for_timeout(settle_ms)  # a rerun triggered just now may not have flipped the state yet
    page.wait_for_selector(APP_IDLE, state="attached")
    page.wait_for_timeout(settle_ms)
    if page.get_by_test_id("stException").count() or page.get_by_text("This app has encountered an error").count():
        log = SERVER_LOG
        tail = "\n".join(log.read_text().splitlines()[-40:]) if log.exists() else "(no server log)"
        raise AssertionError(f"The page shows an uncaught exception at {page.url}; server log ends:\n{tail}")


def box_of(locator, timeout_ms: int = 10_000) -> dict:
    """Where `locator` is on the screen, once it is there: a grid's canvas is briefly detached or hidden while its
    part reruns (after a save, say), and Playwright's `bounding_box()` then answers None instead of waiting."""
    locator.wait_for(state="visible", timeout=timeout_ms)
    for _try in range(timeout_ms // 50):
        box = locator.bounding_box()
        if box is not None and box["width"] > 0 and box["height"] > 0:
            return box
        locator.page.wait_for_timeout(50)
    raise AssertionError(f"{locator} is not on the screen after {timeout_ms} ms")


def sign_in(page, base_url: str, login: str, password: str) -> None:
    """Open the portal and submit the sign-in form (the result is for the caller to check)."""
    page.goto(base_url)
    wait_for_app(page)
    form = page.get_by_test_id("stForm")
    form.get_by_label("Login", exact=True).fill(login)
    form.get_by_label("Password", exact=True).fill(password)
    form.get_by_role("button", name="Sign in").click()
    wait_for_app(page)
    # the session cookie is written by a script during this run or the next: a test that opens another URL before it
    # is there would be signed out; a refused sign-in shows its error instead
    page.wait_for_function("document.cookie.includes('portal_session=') || "
                           "document.querySelector('[data-testid=stAlertContentError]') !== null")
