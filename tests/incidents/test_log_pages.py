"""The incident page's log as a coordinator and a viewer use it: filter and search, the ★ toggle, the export
buttons, the objectives form; the handover brief carries the objectives."""
from __future__ import annotations

from db.engine import unit_of_work
from db.incident_models import IncidentTimelineEntry
from portal import incidents as ix
from tests.incidents.test_pages import _open, _page, coordinator  # noqa: F401 (fixture)


def _entry(actor, incident_id, text, **kw) -> int:
    with unit_of_work(actor.id) as s:
        return ix.add_entry(s, actor=actor, incident_id=incident_id, text=text, **kw).id


def _caption(at) -> str:
    return " ".join(c.value for c in at.caption)


def test_a_coordinator_searches_filters_and_stars_the_log(signed_in, coordinator):  # noqa: F811
    incident_id = _open(coordinator)
    water = _entry(coordinator, incident_id, "人民路积水 30 厘米")
    _entry(coordinator, incident_id, "备用车辆已出发", kind="resource")
    at = _page(signed_in, "huangwei", "incident", id=incident_id)
    p = f"inc{incident_id}_log_"
    assert "3 of 3 entries" in _caption(at)
    at.text_input(key=p + "search").input("积水").run()
    assert "1 of 3 entries" in _caption(at)
    at.text_input(key=p + "search").input("").run()
    at.multiselect(key=p + "kinds").set_value(["resource"]).run()
    assert "1 of 3 entries" in _caption(at)
    at.multiselect(key=p + "kinds").set_value([]).run()
    star = at.button(key=f"{p}star_{water}")
    assert star.label == "☆"
    star.click().run()
    assert not at.exception, at.exception
    with unit_of_work() as s:
        assert s.get(IncidentTimelineEntry, water).significant
    assert at.button(key=f"{p}star_{water}").label == "★"
    at.toggle(key=p + "starred").set_value(True).run()
    assert "1 of 3 entries" in _caption(at)
    labels = [b.label for b in at.get("download_button")]
    assert "Export the log (XLSX)" in labels and "Log print view" in labels and "Handover brief" in labels


def test_a_viewer_reads_the_log_without_star_toggles_or_forms(signed_in, coordinator, make_user):  # noqa: F811
    make_user("viewer", login="xuming", name="徐明", language="en")
    incident_id = _open(coordinator)
    _entry(coordinator, incident_id, "启动局部应急预案", significant=True, kind="decision")
    at = _page(signed_in, "xuming", "incident", id=incident_id)
    assert not [b for b in at.button if b.key and "_star_" in b.key]
    assert any(m.value == "★" for m in at.markdown)
    assert not [t for t in at.text_area if t.key and "objectives" in t.key]


def test_the_objectives_are_set_on_the_incident_page_and_reach_the_brief(signed_in, coordinator):  # noqa: F811
    incident_id = _open(coordinator)
    at = _page(signed_in, "huangwei", "incident", id=incident_id)
    p = f"inc{incident_id}_objectives_"
    at.text_area(key=p + "text").input("恢复城东-01 线路送货")
    at.button(key=f"FormSubmitter:{p}form-Save objectives").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert "Objectives saved; the timeline has them as a decision." in [s.value for s in at.success]
    with unit_of_work(coordinator.id) as s:
        brief = ix.handover_brief_html(ix.incident_view(s, actor=coordinator, incident_id=incident_id))
    assert "恢复城东-01 线路送货" in brief.split("<h2>Objectives</h2>")[1].split("<h2>")[0]
