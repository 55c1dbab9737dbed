"""The calendar layout on a page (portal/ui/calendar_view.py), through AppTest: the training plan's sessions as a
month of links to their records, "+N more" opening that day as a grid, moving by month and week in the URL."""
import re
from datetime import timedelta
from urllib.parse import parse_qs

from portal.records.calendar import MONTH, SHOWN_PER_DAY, visible_days
from portal.records.filters import Filter
from portal.records.view import ViewState
from portal.ui.calendar_view import CALENDARS
from tests.records.test_calendar import _a_wednesday_ahead, _at
from tests.training.support import academy_fixture, english_fixture  # noqa: F401  (fixtures)

PLAN = "pages/training_plan.py"


def _open_plan(at, **params):
    page = at.switch_page(PLAN)
    page.query_params.clear()
    page.query_params.update(params)
    page.run()
    assert not page.exception, page.exception
    return page


def _calendar(page) -> str:
    tables = [m.value for m in page.markdown if m.value.startswith("| **Mon** |")]
    assert len(tables) == 1, [m.value for m in page.markdown]
    return tables[0]


def _events(page) -> list[tuple[str, str, str, str]]:
    """The calendar's record links, row by row: (time, title, page address, record id)."""
    return re.findall(r"●\] \[(\d\d:\d\d) (.*?)\]\((\w+)\?id=(\d+)\)", _calendar(page))


def test_every_calendar_names_a_date_time_field_of_its_table_and_registers_for_the_switch():
    import portal.complaints.table  # noqa: F401  (registers the specs)
    import portal.incidents.records  # noqa: F401
    import portal.training.tables  # noqa: F401
    from portal.records.fields import FieldType, get_spec

    for table, fields in CALENDARS.items():
        spec = get_spec(table)
        assert spec.field(fields.start).type is FieldType.DATETIME
        assert fields.end is None or spec.field(fields.end).type is FieldType.DATETIME
        assert fields.color is None or spec.field(fields.color).type is FieldType.SINGLE_SELECT
    from portal.ui.layouts import SCREENS

    assert {table for table, screens in SCREENS.items() if "calendar" in screens} == set(CALENDARS)


def test_the_plans_calendar_links_each_session_and_opens_a_full_day_as_a_grid(academy, signed_in):
    busy = _a_wednesday_ahead()
    ids = [academy.draft(starts_at=_at(busy, hour), ends_at=_at(busy, hour, 45), title=f"第{hour}时")
           for hour in (8, 10, 12, 14, 16, 18, 20)]
    after = busy + timedelta(days=1)
    night = academy.draft(starts_at=_at(after, 23, 30), ends_at=_at(after, 23, 55), title="夜场")
    month = busy.replace(day=1)
    page = _open_plan(signed_in("admin"), month=f"{month:%Y-%m}", **{"as": "calendar"})

    shown = _events(page)
    assert len(shown) == SHOWN_PER_DAY[MONTH] + 1
    assert sorted(shown) == sorted([  # (row by row: the busy day's first slot, then the night session beside it, …)
        ("08:00", "第8时", "training_session", str(ids[0])), ("10:00", "第10时", "training_session", str(ids[1])),
        ("12:00", "第12时", "training_session", str(ids[2])), ("14:00", "第14时", "training_session", str(ids[3])),
        ("16:00", "第16时", "training_session", str(ids[4])),
        ("23:30", "夜场", "training_session", str(night))])  # the center's time, though this process runs in any zone
    assert [e[1] for e in shown if e[1] != "夜场"] == ["第8时", "第10时", "第12时", "第14时", "第16时"]
    assert not page.data_editor and not page.dataframe  # a calendar, not the grid
    more = re.findall(r"\[\+(\d+) more\]\((\?[^)]*)\)", _calendar(page))
    assert [n for n, _query in more] == ["2"]

    grid = page
    grid.query_params.clear()
    grid.query_params.update({k: v[-1] for k, v in parse_qs(more[0][1][1:]).items()})
    grid.run()
    assert not grid.exception, grid.exception
    expected = ViewState(filters=(Filter("starts_at", "is", busy.isoformat()),)).to_params()
    assert {k: grid.query_params.get(k) for k in ("f", "as")} == {"f": expected["f"][0], "as": None}
    table = grid.data_editor[0] if grid.data_editor else grid.dataframe[0]
    assert sorted(table.value["title"]) == sorted(f"第{h}时" for h in (8, 10, 12, 14, 16, 18, 20))


def test_the_calendar_moves_by_month_and_week_in_the_url_and_follows_the_plans_month(academy, signed_in):
    busy = _a_wednesday_ahead()
    academy.draft(starts_at=_at(busy, 9), title="周三场")
    month = busy.replace(day=1)
    page = _open_plan(signed_in("admin"), month=f"{month:%Y-%m}", **{"as": "calendar"})
    page = page.button(key="training_sessions.calendar_back").click().run()
    before = (month - timedelta(days=1)).replace(day=1)
    assert page.query_params["on"] == before.isoformat() and not _events(page)
    page.query_params.update({"cal": "week", "on": busy.isoformat()})
    page.run()
    assert [e[:2] for e in _events(page)] == [("09:00", "周三场")]
    assert page.button(key="training_sessions.calendar_ahead").label == "Next week"
    page.query_params["month"] = f"{before:%Y-%m}"  # the plan's own month picker moved: the calendar goes along
    page.run()
    assert "on" not in page.query_params and not _events(page)
    first, end = visible_days(MONTH, before)
    assert first <= before < end


def test_a_link_with_a_wrong_calendar_position_is_shown_from_today_and_says_so(academy, signed_in):
    page = _open_plan(signed_in("admin"), cal="year", on="2026-13-40", **{"as": "calendar"})
    warnings = [w.value for w in page.warning]
    assert any("calendar mode “year”" in w and "day “2026-13-40”" in w for w in warnings), warnings


def test_a_typed_title_shows_as_typed_in_the_calendar_table():
    from datetime import date, datetime

    from portal.center_time import CENTER_TZ
    from portal.records.calendar import CalendarDay, CalendarEvent, CalendarRange
    from portal.ui.calendar_view import calendar_markdown
    from tests.support.markdown_check import LONG, markup_from_user

    day = date(2026, 12, 9)
    title = LONG + " | 断表 | "  # a pipe would end the table cell
    event = CalendarEvent(7, title, datetime(2026, 12, 9, 23, 30, tzinfo=CENTER_TZ), None, "draft")
    shown = CalendarRange(first=date(2026, 12, 7), end=date(2026, 12, 14),
                          days={day: CalendarDay(day, 9, [event])})
    table = calendar_markdown(shown, record_url="training_session", colours={"draft": "blue"},
                              more_url=lambda d: f"?f=starts_at%3Ais%3A{d.isoformat()}", month=None)
    assert markup_from_user(table) == []
    rows = table.splitlines()
    assert all(len(re.findall(r"(?<!\\)\|", row)) == 8 for row in rows), rows  # seven cells in every row
    assert "(training_session?id=7)" in rows[3] and "23:30" in rows[3]
    assert rows[4].split("|")[3].strip() == "[+8 more](?f=starts_at%3Ais%3A2026-12-09)"
