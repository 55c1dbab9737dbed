"""Incident workflow fixes (issue 13 §8): the significant-events view shows later corrections; the handover brief
prints the entry numbers it refers to; owners of follow-up actions who do not run incidents see them on their home
page; a 20,000-character entry is refused naming the field; the severity form says what it did with a note alone;
a reopened incident no longer shows its old resolution."""
from __future__ import annotations

import re
from datetime import date, timedelta

from db.engine import unit_of_work
from portal import incidents as ix
from portal.incidents.rules import utcnow
from portal.ui.text import shown
from tests.incidents.test_pages import _entries, _open, _page, coordinator  # noqa: F401 (fixture)


def _entry(actor, incident_id, text, **kw) -> int:
    with unit_of_work(actor.id) as s:
        return ix.add_entry(s, actor=actor, incident_id=incident_id, text=text, **kw).id


def test_a_flagged_entry_shows_its_later_correction_on_the_significant_events_view(signed_in, coordinator):  # noqa: F811
    incident_id = _open(coordinator)
    flagged = _entry(coordinator, incident_id, "城东-01 线路全部停送", significant=True)
    fix = _entry(coordinator, incident_id, "更正：只有城东-01 线路北段停送", corrects_entry_id=flagged)
    at = _page(signed_in, "huangwei", "incident_events")
    text = " ".join(m.value for m in at.markdown)
    assert f"corrected by #{fix}" in text and "只有城东" in text
    assert any("Corrected later" in w.value for w in at.warning)


def test_the_handover_brief_prints_the_entry_numbers_it_refers_to(coordinator):  # noqa: F811
    incident_id = _open(coordinator)
    first = _entry(coordinator, incident_id, "第一条")
    fix = _entry(coordinator, incident_id, "更正第一条", corrects_entry_id=first)
    with unit_of_work(coordinator.id) as s:
        brief = ix.handover_brief_html(ix.incident_view(s, actor=coordinator, incident_id=incident_id))
    numbers = set(re.findall(r"<td>#(\d+)</td>", brief))
    assert {str(first), str(fix)} <= numbers
    assert f"corrects entry #{first}" in brief and f"corrected by #{fix}" in brief


def test_an_action_owner_who_does_not_run_incidents_sees_it_at_home_and_opens_its_incident(
        signed_in, coordinator, make_user):  # noqa: F811
    owner = make_user("handler", login="sunhao", name="孙浩", language="en")
    other = make_user("handler", login="other", language="en")
    incident_id = _open(coordinator)
    with unit_of_work(coordinator.id) as s:
        ix.add_action(s, actor=coordinator, incident_id=incident_id, text="检查城东仓库排水", owner_id=owner.id,
                      due_date=date.today() + timedelta(days=3))
    at = signed_in("sunhao")
    assert not at.exception
    assert any("检查城东仓库排水" in m.value for m in at.markdown)
    [link] = [p for p in at.get("page_link") if "城东区暴雨" in p.label]
    incident = at.switch_page("pages/incident.py")
    incident.query_params["id"] = str(incident_id)
    incident.run()
    assert not incident.exception and not incident.error
    [done] = [b for b in incident.button if b.key.startswith("action_done_")]  # the owner may tick it off
    assert not [m for m in signed_in("other").markdown if "检查城东仓库排水" in m.value]  # scoped to its owner
    assert other.id != owner.id and link.label.startswith("YJ-")
    assert done is not None


def test_a_20000_character_entry_is_refused_naming_the_field_and_the_text_stays(signed_in, coordinator):  # noqa: F811
    incident_id = _open(coordinator)
    at = _page(signed_in, "huangwei", "incident", id=incident_id)
    prefix = f"inc{incident_id}_entry_"
    [area] = [t for t in at.text_area if t.key == prefix + "text"]
    assert not area.max_chars  # the browser would drop a longer paste without a word
    pasted = "断" * 20_000
    area.input(pasted)
    at.button(key=prefix + "save").click().run()
    assert [shown(e.value) for e in at.error] == [
        "Entry: at most 5,000 characters, please; this text has 20,000. Shorten it or split it into several entries."]
    [box] = [t for t in at.text_area if t.key.startswith(prefix) and t.key.endswith("text")]  # (drawn anew: the
    assert box.value == pasted  # browser emptied the one clicked, portal.ui.forms.refill)
    assert _entries(incident_id) == []


def test_the_severity_form_says_what_it_did_with_a_note_alone_or_nothing(signed_in, coordinator):  # noqa: F811
    incident_id = _open(coordinator)
    at = _page(signed_in, "huangwei", "incident", id=incident_id)
    p = f"inc{incident_id}_severity_"
    at.button(key=p + "save").click().run()
    assert any("Nothing changed" in i.value for i in at.info)
    at.text_input(key=p + "note").input("气象台预报雨势减弱，暂不调整级别")
    at.button(key=p + "save").click().run()
    assert not at.error, [e.value for e in at.error]
    assert any("your note was added to the timeline" in s.value for s in at.success)
    assert _entries(incident_id) == ["气象台预报雨势减弱，暂不调整级别"]


def test_a_reopened_incident_no_longer_shows_its_old_resolution(signed_in, coordinator):  # noqa: F811
    incident_id = _open(coordinator)
    with unit_of_work(coordinator.id) as s:
        for status in ("responding", "monitoring"):
            ix.change_status(s, actor=coordinator, incident_id=incident_id, status=status)
        ix.change_status(s, actor=coordinator, incident_id=incident_id, status="resolved", resolution="积水已排除",
                         resolved_at=utcnow())
        ix.change_status(s, actor=coordinator, incident_id=incident_id, status="responding", note="又开始积水")
    at = _page(signed_in, "huangwei", "incident", id=incident_id)
    assert not [m for m in at.success if "积水已排除" in m.value]
    assert not [m for m in at.success if "()" in m.value]
    with unit_of_work(coordinator.id) as s:
        view = ix.incident_view(s, actor=coordinator, incident_id=incident_id)
        assert view.incident.resolution is None
        assert any("积水已排除" in str(e.data) for e in view.timeline)  # the timeline keeps it
