"""AppTest: the admin's delivery log (filters, why a delivery failed, the test message button) and its refusal for
anyone else; My account's notification settings (saved, and refused with a clear message)."""
from __future__ import annotations

from datetime import UTC, datetime, time

import pytest
from streamlit.testing.v1 import AppTest

from db.engine import unit_of_work
from db.notification_models import Delivery, NotificationPreference
from portal.access.auth import PermissionDenied
from portal.config import ROOT
from portal.notifications.channels import log
from tests.notifications.channel_servers import (  # noqa: F401  (fixtures)
    channels_fixture,
    deliveries,
    delivery_queue_fixture,
    gateway_server,
    payloads,
)

PAGE = "pages/admin_deliveries.py"


def _shown(element) -> str:
    """A message as read on screen (`plain` escapes Markdown's punctuation with backslashes)."""
    return element.value.replace("\\", "")


def _log_entries(db, user_id: int) -> None:
    with unit_of_work(engine=db) as s:
        s.add_all([
            Delivery(key="n1:email", channel="email", kind="notification", recipient_kind="user", recipient_id=user_id,
                     address="sun@center.test", language="en", msgid="Complaint {ref} was assigned to you",
                     params={"ref": "TS-1"}, status="sent", attempts=2, sent_at=datetime.now(UTC),
                     last_error="SMTP server mail:25 could not be reached: ConnectionRefusedError",
                     reason={"msgid": "SMTP server {server} could not be reached: {error}",
                             "params": {"server": "mail:25", "error": "ConnectionRefusedError"}}),
            Delivery(key="n2:gateway", channel="gateway", kind="notification", recipient_kind="user",
                     recipient_id=user_id, address="13800138000", language="en", msgid="x", status="failed",
                     attempts=1, last_error="The gateway answered HTTP 400: bad number",
                     reason={"msgid": "The gateway answered HTTP {code}: {answer}",
                             "params": {"code": "400", "answer": "bad number"}}),
        ])


def test_the_admin_reads_the_log_and_filters_it(db, make_user, signed_in, channels):
    channels.use()
    handler = make_user("handler", login="sunhao", name="Sun Hao", email="sun@center.test")
    _log_entries(db, handler.id)
    at = signed_in("admin").switch_page(PAGE).run()
    assert not at.exception, at.exception
    table = at.dataframe[0].value
    assert list(table["status"]) == ["Failed", "Sent"] and list(table["recipient"]) == ["Sun Hao", "Sun Hao"]
    assert list(table["reason"]) == ["The gateway answered HTTP 400: bad number",
                                     "SMTP server mail:25 could not be reached: ConnectionRefusedError"]
    assert list(table["attempts"]) == [1, 2]
    at.selectbox(key="deliveries_status").set_value("failed").run()
    assert list(at.dataframe[0].value["channel"]) == ["Gateway (text message)"]
    at.selectbox(key="deliveries_status").set_value(None).run()
    at.text_input(key="deliveries_recipient").set_value("nobody").run()
    assert [_shown(i) for i in at.info] == ["No deliveries match."]
    at.text_input(key="deliveries_recipient").set_value("13800").run()
    assert list(at.dataframe[0].value["address"]) == ["13800138000"]


def test_anyone_else_is_refused_by_the_page_and_by_the_domain(db, make_user, signed_in):
    supervisor = make_user("supervisor", login="zhou", language="en")
    refused = AppTest.from_file(str(ROOT / PAGE), default_timeout=30)
    refused.session_state["user"] = supervisor
    refused.run()
    assert [e.value for e in refused.error] == ["You do not have access to this page."]
    assert not refused.dataframe
    with unit_of_work(engine=db) as s, pytest.raises(PermissionDenied):
        log.list_deliveries(s, actor=supervisor)
    with unit_of_work(engine=db) as s, pytest.raises(PermissionDenied):
        log.send_test_message(s, actor=supervisor, channel="email", address="x@center.test")


def test_the_test_button_says_what_happened(db, signed_in, channels, delivery_queue, monkeypatch):
    monkeypatch.setattr(log, "TEST_WAIT_SECONDS", 0.3)
    with gateway_server() as gateway:
        channels.use(smtp=False, gateway=gateway)
        at = signed_in("admin").switch_page(PAGE).run()
        assert at.button(key="delivery_test_email_send").disabled  # e-mail is not set up
        at.button(key="delivery_test_gateway_send").click().run()  # the admin has no mobile number
        assert [_shown(e) for e in at.error] == ["You have no mobile number in the portal: type the number to send to."]
        at.text_input(key="delivery_test_gateway_address").set_value("139 0000 1111")
        at.button(key="delivery_test_gateway_send").click().run()
        assert not at.exception, at.exception
        assert _shown(at.info[-1]) == "Queued for 13900001111, but no worker has sent it yet. Is the worker running " \
            "(python -m portal worker)?"
        gateway.answers = [400]
        delivery_queue.work()
        [test] = deliveries(db)
        assert (test.kind, test.status, test.recipient_kind) == ("test", "failed", "address")
        assert log.outcome_text(test) == ("error", "Failed: The gateway answered HTTP 400: error 400")
        [sent] = payloads(gateway)
        assert sent["text"] == "This is a test message from the service center portal, sent by Administrator."
        at.run()
        assert "Failed" in list(at.dataframe[0].value["status"])


def test_my_notification_settings_are_saved_and_checked(db, make_user, signed_in, channels):
    channels.use()
    user = make_user("handler", login="sunhao", language="en", email="sun@center.test")
    at = signed_in("sunhao").switch_page("pages/account.py").run()
    assert not at.exception, at.exception
    assert at.checkbox(key="notify_prefs_email").value is True
    at.checkbox(key="notify_prefs_email").uncheck()
    at.checkbox(key="notify_prefs_digest").check()
    at.button(key="notify_prefs_save").click().run()
    assert [_shown(e) for e in at.error] == ["Daily digest: it comes by e-mail; turn e-mail on too."]
    at.checkbox(key="notify_prefs_email").check()
    at.selectbox(key="notify_prefs_digest_hour").set_value(18)
    at.checkbox(key="notify_prefs_quiet").check()
    at.button(key="notify_prefs_save").click().run()
    assert not at.exception and not at.error, [_shown(e) for e in at.error]
    with unit_of_work(engine=db) as s:
        row = s.get(NotificationPreference, user.id)
        assert (row.email, row.digest, row.digest_hour, row.quiet_from, row.quiet_until) == \
            (True, True, 18, time(22), time(7))
    assert [_shown(s) for s in at.success] == ["Notification settings saved."]
