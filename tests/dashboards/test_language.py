"""Every chart of every dashboard, opened by a reader whose language is Chinese: the locale Vega formats dates with
is Chinese (1月 … 12月), and what the chart shows and tells a screen reader — axis, legend and tooltip titles, each
mark's read-out, the chart's description — is no internal field name and no English."""
import json
import re
from datetime import date

import pytest
from sqlalchemy import update

from db.engine import unit_of_work
from db.models import User
from tests.complaints.test_dashboard_page import center  # noqa: F401  (fixture)
from tests.incidents.test_dashboard_page import coordinator, incidents  # noqa: F401  (fixtures)
from tests.training.test_dashboard import YEAR
from tests.training.test_dashboard_page import programme  # noqa: F401  (fixture)

ENGLISH = re.compile(r"[A-Za-z]{3,}")  # a word of Latin letters: "bucket_end", "Oct", "X-axis titled"
GUIDES = {"x": "axis", "y": "axis", "color": "legend", "strokeDash": "legend"}


def _chinese(db) -> None:
    with unit_of_work(engine=db) as s:
        s.execute(update(User).values(language="zh_CN"))


def _specs(signed_in, login: str, page: str, **params) -> list[dict]:
    at = signed_in(login)
    at.query_params.update(params)
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return [json.loads(chart.proto.spec) for chart in at.get("vega_lite_chart")]


def _units(spec: dict):
    if "mark" in spec:
        yield spec
    for part in spec.get("layer", ()):
        yield from _units(part)


def _problems(spec: dict) -> list[str]:
    """What in `spec` a Chinese reader would see or hear in English or as a field name."""
    found = []
    locale = spec.get("config", {}).get("locale", {})
    if locale.get("time", {}).get("months", [None])[0] != "1月" or "月" not in spec["config"].get("timeFormat", ""):
        found.append(f"no Chinese time locale: {spec.get('config')}")
    if not spec.get("description") or ENGLISH.search(spec["description"]):
        found.append(f"description {spec.get('description')!r}")
    for unit in _units(spec):
        encoding = unit.get("encoding", {})
        tooltip = encoding.get("tooltip", [])
        for item in tooltip if isinstance(tooltip, list) else [tooltip]:
            if item.get("title") != "" and (not item.get("title") or ENGLISH.search(item["title"])):
                found.append(f"tooltip {item.get('field')} titled {item.get('title')!r}")
        for channel, guide in GUIDES.items():
            definition = encoding.get(channel)
            if not definition or definition.get(guide, {}) is None:
                continue
            title = definition.get("title")
            if not title or ENGLISH.search(title) or definition.get(guide, {}).get("description") != title:
                found.append(f"{channel} titled {title!r}, described {definition.get(guide, {}).get('description')!r}")
        read_out = encoding.get("description", {}).get("value", {}).get("expr", "")
        titles = re.sub(r"datum\[\"[^\"]*\"\]|timeFormat|toDate|format|isValid|'[^']*'", "", read_out)
        if not (read_out and not ENGLISH.search(titles)) and unit.get("mark", {}).get("aria") is not False:
            found.append(f"mark read out as {read_out or 'Vega’s field list'}")
    return found


def _check(specs: list[dict], at_least: int) -> None:
    assert len(specs) >= at_least
    problems = [p for spec in specs for p in _problems(spec)]
    assert not problems, problems


@pytest.mark.parametrize("section", ["volume", "service", "backlog"])
def test_complaint_charts_speak_chinese(db, signed_in, center, section):  # noqa: F811
    _chinese(db)
    _check(_specs(signed_in, "zhanghua", "pages/dashboard_complaints.py", section=section), 2)


def test_incident_charts_speak_chinese(db, signed_in, incidents):  # noqa: F811
    _chinese(db)
    _check(_specs(signed_in, "huangwei", "pages/dashboard_incidents.py"), 8)


def test_training_charts_speak_chinese(db, signed_in, programme):  # noqa: F811
    _chinese(db)
    _check(_specs(signed_in, "coord", "pages/dashboard_training.py",
                  period=[date(YEAR, 1, 1).isoformat(), date(YEAR, 6, 30).isoformat()]), 6)


def test_a_printed_report_chart_speaks_chinese():
    """The monthly report's charts are drawn as SVG on the server (vl-convert): what a screen reader reads there."""
    import pandas as pd

    from portal.dashboards.report import MonthlyReport, to_html
    from portal.i18n import set_language
    from portal.incidents import charts

    set_language("zh_CN")
    frame = pd.DataFrame({"bucket": pd.to_datetime(["2026-10-01", "2026-11-01"]), "incidents": [3, 2],
                          "severity": [1, 2], "severity_label": ["Ⅰ级（特别重大）", "Ⅱ级（重大）"]})
    page = to_html(MonthlyReport(title="应急事件汇总", month=date(2026, 11, 1),
                                 charts=[("按级别统计的事件", charts.severity_trend(frame, grain="month"))]))
    labels = re.findall(r'aria-label="([^"]*)"', page)
    assert "按级别统计的事件" in labels and "开始时间：2026-10；级别：Ⅰ级（特别重大）；应急事件：3" in labels, labels
    assert not [label for label in labels if ENGLISH.search(label)], labels
