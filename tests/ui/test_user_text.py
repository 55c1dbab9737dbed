"""User text is text: with marked-up text in every user-typed field of the demo center, no page renders a link,
image, heading, emphasis, HTML or directive made from it (every page, as a role that can open it, with its ?id=)."""
from __future__ import annotations

import pytest
from sqlalchemy import text

from portal.bootstrap import seed_demo_once
from portal.config import ROOT
from portal.tools.demo import DEMO_PASSWORD
from portal.ui.text import plain, shown
from tests.support.markdown_check import LONG, MID, SHORT, mark_up_everything, markup_from_user, violations


@pytest.mark.parametrize("mark", [LONG, MID, SHORT])
def test_the_check_finds_rendered_markup_and_plain_removes_all_of_it(mark):
    assert markup_from_user(mark)  # unescaped, the marks render (the check can fail)
    assert markup_from_user(f"**{mark}**") and markup_from_user(f"Resolution: {mark}")
    assert not markup_from_user(plain(mark))
    assert not markup_from_user(f"### {plain(mark)}") and not markup_from_user(f"**{plain(mark)}**")
    assert shown(plain(mark)) == mark


def test_plain_keeps_line_breaks_and_stops_setext_headings_and_lists():
    typed = "Zh\n===\n- Ze\n1. Zs\n> Zl"
    assert not markup_from_user(plain(typed)) and markup_from_user(typed.replace("Zh", "# Zh"))
    assert shown(plain(typed)) == typed


def _ids(engine, sql: str) -> list[int]:
    with engine.connect() as conn:
        return [r[0] for r in conn.execute(text(sql))]


@pytest.fixture
def marked_center(db):
    """The demo center with marked-up text in every field people type (names, titles, notes, districts …)."""
    seed_demo_once(db)
    mark_up_everything(db)
    with db.begin() as conn:  # AppTest formats select options in the test's language (English)
        conn.execute(text("UPDATE users SET language = 'en'"))
    return db


def _visits(engine) -> dict[str, list[tuple[str, dict]]]:
    """login -> the pages they open (with their ?id=), so every page is seen by a role that may open it."""
    one_per = "SELECT min(id) FROM {t} GROUP BY {g} ORDER BY 1"
    complaints = _ids(engine, one_per.format(t="complaints", g="state"))
    incidents = _ids(engine, "SELECT id FROM incidents ORDER BY id")
    sessions = _ids(engine, one_per.format(t="training_sessions", g="state"))
    courses = _ids(engine, "SELECT id FROM training_courses ORDER BY id LIMIT 2")
    retailer = _ids(engine, "SELECT retailer_id FROM complaints WHERE retailer_id IS NOT NULL LIMIT 1")
    grade1 = _ids(engine, "SELECT id FROM complaints WHERE grade = 1 LIMIT 1") or complaints[:1]
    return {
        "zhanghua": [("pages/home.py", {}), ("pages/account.py", {}), ("pages/complaints.py", {}),
                     ("pages/automations.py", {}),
                     ("pages/dashboard_complaints.py", {}), ("pages/reports.py", {}), ("pages/retailers.py", {}),
                     *(("pages/complaint.py", {"id": str(i)}) for i in complaints),
                     *(("pages/retailer.py", {"id": str(i)}) for i in retailer)],
        "wangli": [("pages/complaint_new.py", {}), ("pages/my_complaints.py", {})],
        "liuyang": [("pages/my_complaints.py", {}), ("pages/home.py", {}), ("pages/notifications.py", {}),
                    ("pages/training_my_retailers.py", {})],
        "huangwei": [("pages/home.py", {}), ("pages/incident_board.py", {}), ("pages/incident_events.py", {}),
                     ("pages/incidents.py", {}), ("pages/supply_requests.py", {}), ("pages/dashboard_incidents.py", {}),
                     ("pages/incident_new.py", {"complaint": str(grade1[0])}),
                     *(("pages/incident.py", {"id": str(i)}) for i in incidents)],
        "chenjing": [("pages/home.py", {}), ("pages/training_plan.py", {}), ("pages/training_needs.py", {}),
                     ("pages/training_coverage.py", {}), ("pages/training_check_in.py", {}),
                     ("pages/training_evaluation.py", {}), ("pages/dashboard_training.py", {}),
                     ("pages/training_catalog.py", {}),
                     *(("pages/training_catalog.py", {"id": str(i)}) for i in courses),
                     *(("pages/training_session.py", {"id": str(i)}) for i in sessions)],
        "wuting": [("pages/admin_users.py", {}), ("pages/admin_departments.py", {}), ("pages/admin_categories.py", {}),
                   ("pages/admin_calendar.py", {}), ("pages/admin_sla.py", {}), ("pages/admin_supply.py", {}),
                   ("pages/admin_security.py", {}), ("pages/admin_rules.py", {}), ("pages/admin_deliveries.py", {}),
                   ("pages/home.py", {})],
        "xuming": [("pages/home.py", {}), ("pages/complaints.py", {}), ("pages/incident_board.py", {}),
                   *(("pages/complaint.py", {"id": str(i)}) for i in complaints[:2])],
    }


def test_no_page_renders_markup_that_people_typed(signed_in, marked_center):
    problems, crashed, seen = {}, {}, set()
    for login, visits in _visits(marked_center).items():
        at = signed_in(login, DEMO_PASSWORD)  # on home, through the entry point: the sidebar with the user's name
        if bad := violations(at):
            problems[(login, "streamlit_app.py")] = bad
        for page, params in visits:
            at.query_params.clear()
            at.switch_page(page)
            for name, value in params.items():
                at.query_params[name] = value
            at.run()
            seen.add(page)
            if at.exception:
                crashed[(login, page, str(params))] = [e.value for e in at.exception][:1]
            if bad := violations(at):
                problems[(login, page, str(params))] = bad
    assert not crashed, crashed
    assert not problems, "\n".join(f"{where}: {bad}" for where, bad in problems.items())
    every_page = {f"pages/{p.name}" for p in (ROOT / "pages").glob("*.py")} - {"pages/sign_in.py"}
    assert seen == every_page, every_page - seen


def _as(login: str):
    from sqlalchemy import select

    from db.engine import unit_of_work
    from db.models import User
    from portal.access.auth import CurrentUser

    with unit_of_work() as s:
        return CurrentUser.of(s.scalar(select(User).where(User.login == login)))


def test_printed_pages_escape_what_people_typed(marked_center):
    """The handover brief, the monthly reports and the sign-in sheets are HTML: user text in them is escaped."""
    from db.engine import unit_of_work
    from portal import incidents as ix
    from portal import training as tr
    from portal.center_time import today
    from portal.dashboards.monthly import AREAS, monthly_report
    from portal.dashboards.report import to_html

    pages = []
    with unit_of_work() as s:
        boss, coordinator, supervisor = _as("huangwei"), _as("chenjing"), _as("zhanghua")
        for incident_id in _ids(marked_center, "SELECT id FROM incidents"):
            pages.append(ix.handover_brief_html(ix.incident_view(s, actor=boss, incident_id=incident_id)))
        for session_id in _ids(marked_center, "SELECT DISTINCT session_id FROM training_sign_ups"):
            pages.append(tr.sign_in_sheet_html(s, actor=coordinator, session_id=session_id))
        for area in AREAS:
            actor = {"complaints": supervisor, "training": coordinator, "incidents": boss}[area]
            pages.append(to_html(monthly_report(s, actor=actor, area=area, month=today().replace(day=1))))
    assert sum("Zl" in page for page in pages) >= len(pages) - len(AREAS)  # the marks are there …
    for page in pages:  # … as text
        assert "<b>Zb" not in page and "<img" not in page and 'href="https://evil' not in page
        assert "&lt;b&gt;Zb" in page or "Zb" not in page
