"""The admin's rules page, as domain functions: every built-in rule as built or as set (on/off, who, lead time), a
stale save refused, back to the built-in setting, admins only; and the rules then run as set."""
from __future__ import annotations

from datetime import timedelta

import pytest

from db.engine import unit_of_work
from db.notification_models import NotificationRuleSetting
from portal.access.auth import PermissionDenied
from portal.errors import InputError
from portal.notifications import rules as registry
from portal.notifications.rule_admin import reset_rule_setting, rule_rows, save_rule_setting

REMINDER = registry.Rule("reply_due_soon", "complaints", "Reply due soon: tell the handler",
                         audiences=("handler", "handler_supervisors"), default=("handler",),
                         scan=lambda s, ctx: [], lead=timedelta(hours=4))


@pytest.fixture
def with_reminder(monkeypatch):
    """A registry of two rules: the complaint-assigned rule as built, and a scan rule with a lead time."""
    built = tuple(rule for rule in registry.all_rules() if rule.key == "complaint_assigned")
    monkeypatch.setattr(registry, "all_rules", lambda: (*built, REMINDER))


def test_the_page_lists_every_built_in_rule_of_every_area(db, admin):
    rows = _rows(db, admin)
    assert list(rows) == [rule.key for rule in registry.all_rules()]
    assert {row.rule.area for row in rows.values()} == {"complaints", "training", "incidents"}
    assert len(rows) >= 20


def _run(db, actor, fn, **kw):
    with unit_of_work(actor.id, engine=db) as s:
        return fn(s, actor=actor, **kw)


def _rows(db, admin) -> dict:
    return {r.rule.key: r for r in _run(db, admin, rule_rows)}


def test_every_rule_as_built_then_as_set_then_back(db, admin, with_reminder):
    rows = _rows(db, admin)
    assert list(rows) == ["complaint_assigned", "reply_due_soon"]
    assigned = rows["complaint_assigned"]
    assert (assigned.enabled, assigned.audiences, assigned.lead_minutes, assigned.as_built) == (True, ("handler",),
                                                                                                None, True)
    assert rows["reply_due_soon"].lead_minutes == 240

    saved = _run(db, admin, save_rule_setting, key="reply_due_soon", version=None, enabled=True,
                 audiences=["handler_supervisors", "handler"], lead_minutes=90)
    assert (saved.audiences, saved.lead_minutes, saved.version) == (("handler", "handler_supervisors"), 90, 1)
    with unit_of_work(engine=db) as s:  # the rule now runs as set
        ctx = registry.context(s, REMINDER, s.get(NotificationRuleSetting, "reply_due_soon"), None)
        assert (ctx.audiences, ctx.lead) == (frozenset({"handler", "handler_supervisors"}), timedelta(minutes=90))

    off = _run(db, admin, save_rule_setting, key="complaint_assigned", version=None, enabled=False,
               audiences=["handler"])
    assert not _rows(db, admin)["complaint_assigned"].enabled and off.lead_minutes is None
    back = _run(db, admin, reset_rule_setting, key="complaint_assigned", version=off.version)
    assert back.as_built and _rows(db, admin)["complaint_assigned"].enabled


def test_a_stale_save_is_refused(db, admin, with_reminder):
    first = _run(db, admin, save_rule_setting, key="reply_due_soon", version=None, enabled=True,
                 audiences=["handler"], lead_minutes=60)
    # a second admin's page read the rule as built, before that save
    with pytest.raises(InputError, match="meanwhile") as refused:
        _run(db, admin, save_rule_setting, key="reply_due_soon", version=None, enabled=False, audiences=["handler"])
    assert refused.value.field == "version"
    with pytest.raises(InputError, match="meanwhile"):
        _run(db, admin, reset_rule_setting, key="reply_due_soon", version=first.version + 1)
    assert _rows(db, admin)["reply_due_soon"].lead_minutes == 60  # nothing overwritten


def test_bad_settings_are_refused(db, admin, with_reminder):
    with pytest.raises(InputError, match="cannot tell"):
        _run(db, admin, save_rule_setting, key="complaint_assigned", version=None, enabled=True,
             audiences=["supervisors"])
    with pytest.raises(InputError, match="at least one"):
        _run(db, admin, save_rule_setting, key="complaint_assigned", version=None, enabled=True, audiences=[])
    with pytest.raises(InputError, match="lead time"):
        _run(db, admin, save_rule_setting, key="reply_due_soon", version=None, enabled=True, audiences=["handler"],
             lead_minutes=0)
    with pytest.raises(InputError, match="no rule"):
        _run(db, admin, save_rule_setting, key="nothing", version=None, enabled=True, audiences=["handler"])


def test_only_admins(db, make_user):
    supervisor = make_user("supervisor")
    for call, kw in ((rule_rows, {}), (save_rule_setting, dict(key="complaint_assigned", version=None, enabled=False,
                                                               audiences=["handler"])),
                     (reset_rule_setting, dict(key="complaint_assigned", version=None))):
        with pytest.raises(PermissionDenied):
            _run(db, supervisor, call, **kw)
