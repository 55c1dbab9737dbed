"""The timeline's words for a change: old → new, in the reader's language, long values cut on one line."""
from __future__ import annotations

from datetime import UTC, datetime

from portal.complaints.display import event_summary
from portal.complaints.queries import TimelineEntry
from portal.i18n import set_language


def _entry(kind: str, data: dict, moved: tuple[str | None, str | None] = (None, None)) -> TimelineEntry:
    return TimelineEntry(1, datetime(2026, 12, 6, 2, tzinfo=UTC), "张华", "KF2001", kind, *moved, "", data)


def test_a_field_change_says_what_it_was_and_what_it_is():
    users, departments = {7: "孙浩", 8: "周运"}, {1: "物流部", 2: "营销部"}
    try:
        set_language("en")
        assert event_summary(_entry("field_change", {"field": "root_cause", "old": None, "new": "送货晚了"}),
                             users, departments) == "Root cause: — → 送货晚了"
        long = "线路调整" * 40
        summary = event_summary(_entry("field_change", {"field": "corrective_action", "old": long, "new": ""}),
                                users, departments)
        assert summary.endswith("… → —") and len(summary) < 120
        assert event_summary(_entry("field_change", {"field": "root_cause", "old": "a\n\nb", "new": "c"}),
                             users, departments) == "Root cause: a b → c"
        moved = _entry("state_change", {"department_id": [1, 2], "handler_id": [7, 8]}, ("assigned", "assigned"))
        assert event_summary(moved, users, departments) == "Department: 物流部 → 营销部 · Handler: 孙浩 → 周运"
        set_language("zh_CN")
        assert event_summary(moved, users, departments) == "部门：物流部 → 营销部 · 承办人：孙浩 → 周运"
        assert event_summary(_entry("field_change", {"field": "root_cause", "old": None, "new": "x"}),
                             users, departments) == "根本原因：— → x"
    finally:
        set_language("en")
