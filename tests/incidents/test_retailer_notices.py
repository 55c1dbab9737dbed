"""An incident's notice sent to its call list by text message through the gateway (a loopback HTTP server): queued
in the notice's transaction, one per retailer with a phone, shown on the call list as sent or failed and why; refused
without a gateway, for another method, or with nobody to text; nothing on the list about messages without a gateway."""
from __future__ import annotations

import pytest
from sqlalchemy import select, update

from db.engine import unit_of_work
from db.models import Retailer
from db.notification_models import Delivery
from portal import incidents as ix
from portal.errors import InputError
from portal.ui.text import shown
from tests.incidents.support import NOW, command_fixture  # noqa: F401  (the `command` fixture)
from tests.incidents.test_pages import _open, _page, coordinator  # noqa: F401  (the `coordinator` fixture)
from tests.notifications.channel_servers import (  # noqa: F401  (fixtures)
    channels_fixture,
    delivery_queue_fixture,
    gateway_server,
    payloads,
)

NOTICE = "因暴雨今日送货推迟至下午"


@pytest.fixture(autouse=True)
def chinese_installation(monkeypatch):
    monkeypatch.setenv("PORTAL_DEFAULT_LANGUAGE", "zh_CN")  # retailers are written to in the installation's language


def _texts(engine) -> list[Delivery]:
    with unit_of_work(engine=engine) as s:
        return list(s.scalars(select(Delivery).where(Delivery.kind == "retailer").order_by(Delivery.id)))


def _notice(command, incident_id: int, **kw):
    return command.run(command.coordinator, ix.record_notice, incident_id=incident_id,
                       **({"method": "sms", "text": NOTICE, "send": True, "now": NOW} | kw))


def test_a_notice_goes_by_text_message_to_each_retailer_on_the_call_list(command, channels, delivery_queue):
    incident = command.open()
    with unit_of_work(engine=command.engine) as s:  # one of the route's shops has no phone: nothing to text it
        s.execute(update(Retailer).where(Retailer.id == command.retailers[2]).values(phone=" "))
    assert command.run(command.coordinator, ix.add_to_call_list, incident_id=incident.id, routes=["城东-01"]) == 3
    with gateway_server() as gateway:
        channels.use(smtp=False, gateway=gateway)
        gateway.answers = [400]
        notice = _notice(command, incident.id)
        queued = _texts(command.engine)
        assert sorted(d.recipient_id for d in queued) == command.retailers[:2]
        assert {(d.status, d.about_table, d.about_id) for d in queued} == {("queued", "incidents", str(incident.id))}
        assert {d.key.split(":", 2)[2] for d in queued} == {f"incident:{incident.id}:notice:{notice.id}"}
        [entry] = [e for e in command.entries(incident.id) if e.kind == "customer_notice"]
        assert entry.text == f"Text message (SMS): {NOTICE} (Sent by text message to 2 retailers on the call list.)"
        delivery_queue.work()
        view = command.run(command.coordinator, ix.incident_view, incident_id=incident.id)
    assert {p["text"] for p in payloads(gateway)} == {f"服务中心通知（{incident.reference}）：{NOTICE}"}
    states = {c["retailer_id"]: c["message"] and c["message"].state for c in view.call_list}
    assert sorted(states.values(), key=str) == [None, "failed", "sent"]  # the shop without a phone: no message
    assert states[command.retailers[2]] is None and view.texting
    [failed] = [c["message"] for c in view.call_list if c["message"] and c["message"].state == "failed"]
    assert failed.text == "Text message failed: The gateway answered HTTP 400: error 400"


def test_sending_is_refused_without_a_gateway_for_another_method_or_with_nobody_to_text(command, channels):
    incident = command.open()
    channels.use(smtp=False)
    for kw, field in (({}, "send"), ({"method": "call"}, "send")):
        with pytest.raises(InputError) as refused:
            _notice(command, incident.id, **kw)
        assert refused.value.field == field
    assert "no gateway is set up" in str(refused.value) or "method" in str(refused.value)
    _notice(command, incident.id, send=False)  # recorded only, as before
    view = command.run(command.coordinator, ix.incident_view, incident_id=incident.id)
    assert not view.texting and len(view.notices) == 1
    with gateway_server() as gateway:
        channels.use(smtp=False, gateway=gateway)
        with pytest.raises(InputError) as refused:
            _notice(command, incident.id)  # the call list is empty
        assert "nobody on it has a phone number" in str(refused.value)
        with pytest.raises(InputError) as refused:
            _notice(command, incident.id, method="broadcast")
        assert "choose the method" in str(refused.value)
    view = command.run(command.coordinator, ix.incident_view, incident_id=incident.id)
    assert len(view.notices) == 1 and _texts(command.engine) == []  # the refused ones left nothing behind


def _statuses(at) -> list[str]:
    """The call list's message lines."""
    return [m.value for m in at.markdown if any(f"[{t}" in m.value for t in (
        "✓ Text message sent", "Text message failed", "Text message on the way"))]


def test_the_call_list_shows_the_message_only_when_a_gateway_is_set_up(  # noqa: F811
        signed_in, coordinator, channels, delivery_queue):  # noqa: F811
    incident_id = _open(coordinator, scope="district_wide")
    with unit_of_work() as s:
        shops = [Retailer(license_no=f"33010220{n:04d}", shop_name=f"金叶便利店{n}", owner_name="李建国",
                          phone=f"1391234{n:04d}", district="城东区", route="城东-09", business_type="convenience")
                 for n in range(2)]
        s.add_all(shops)
    with unit_of_work(coordinator.id) as s:
        ix.add_to_call_list(s, actor=coordinator, incident_id=incident_id, routes=["城东-09"])
    channels.use(smtp=False)
    at = _page(signed_in, "huangwei", "incident", id=incident_id)
    assert not [c for c in at.checkbox if c.key.endswith("_notice_send")]  # no gateway: no sending, no statuses
    assert _statuses(at) == []
    with gateway_server() as gateway:
        channels.use(smtp=False, gateway=gateway)
        gateway.answers = [400]
        at = _page(signed_in, "huangwei", "incident", id=incident_id)
        prefix = f"inc{incident_id}_notice_"
        at.selectbox(key=prefix + "method").set_value("sms")
        at.text_area(key=prefix + "text").input(NOTICE)
        at.checkbox(key=prefix + "send").check()
        at.button(key=prefix + "save").click().run()
        assert not at.exception and not at.error, [e.value for e in at.error]
        assert "its text messages are on their way" in at.success[0].value
        assert [line.rsplit("[", 1)[1] for line in _statuses(at)] == ["Text message on the way]"] * 2
        delivery_queue.work()
        at = _page(signed_in, "huangwei", "incident", id=incident_id)
    lines = [shown(line) for line in _statuses(at)]  # as read (escaped for Markdown)
    assert len(lines) == 2
    assert any(":green[✓ Text message sent" in line for line in lines)
    assert any(":red[Text message failed: The gateway answered HTTP 400" in line for line in lines)
