"""The admin's rules page: every built-in rule (portal/notifications/rules.py) as built or as an admin set it (on or
off, who is told, lead time), a version-checked save, and "back to the built-in setting"."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db.notification_models import NotificationRuleSetting
from portal.access.auth import CurrentUser, require
from portal.errors import STALE, InputError
from portal.i18n import _
from portal.notifications import rules
from portal.notifications.rules import Rule

ADMIN = "admin.manage"
LEAD_MINUTES = (1, 7 * 24 * 60)  # a lead time from a minute to a week


@dataclass(frozen=True)
class RuleRow:
    """One rule as the page shows it: the rule, what it does now, and the version of the admin's row (None: no row,
    the rule runs as built)."""

    rule: Rule
    enabled: bool
    audiences: tuple[str, ...]
    lead_minutes: int | None  # None: the rule has no lead time
    version: int | None

    @property
    def as_built(self) -> bool:
        return self.version is None


def _minutes(rule: Rule) -> int | None:
    return None if rule.lead is None else int(rule.lead.total_seconds() // 60)


def _row(rule: Rule, setting: NotificationRuleSetting | None) -> RuleRow:
    if setting is None:
        return RuleRow(rule, True, rule.default, _minutes(rule), None)
    audiences = rule.default if setting.audiences is None else tuple(a for a in rule.audiences
                                                                      if a in setting.audiences)
    lead = _minutes(rule) if setting.lead_minutes is None or rule.lead is None else setting.lead_minutes
    return RuleRow(rule, setting.enabled, audiences, lead, setting.version)


def _rule(key: str) -> Rule:
    rule = next((r for r in rules.all_rules() if r.key == key), None)
    if rule is None:
        raise InputError("rule", _("There is no rule “{key}”.").format(key=key))
    return rule


def rule_rows(session: Session, *, actor: CurrentUser) -> list[RuleRow]:
    """Every built-in rule with its current setting, in area order (admins only)."""
    require(actor, ADMIN)
    chosen = {row.rule: row for row in session.query(NotificationRuleSetting)}
    return [_row(rule, chosen.get(rule.key)) for rule in rules.all_rules()]


def _current(session: Session, key: str, version: int | None) -> NotificationRuleSetting | None:
    """The admin's row of rule `key`, locked; refused when someone saved or reset it since the page read `version`
    (None: the page saw the rule as built)."""
    setting = session.get(NotificationRuleSetting, key, with_for_update=True)
    if (None if setting is None else setting.version) != version:
        raise InputError(STALE, _("Someone else changed this rule meanwhile. Reload and try again."))
    return setting


def save_rule_setting(session: Session, *, actor: CurrentUser, key: str, version: int | None, enabled: bool,
                      audiences: list[str] | tuple[str, ...], lead_minutes: int | None = None) -> RuleRow:
    """Turn rule `key` on or off, choose whom it tells (some of its audiences) and its lead time (rules with one);
    refused when stale (see `_current`)."""
    require(actor, ADMIN)
    rule = _rule(key)
    unknown = [a for a in audiences if a not in rule.audiences]
    if unknown:
        raise InputError("audiences", _("This rule cannot tell “{audience}”.").format(audience=unknown[0]))
    if enabled and not audiences:
        raise InputError("audiences", _("Choose at least one audience, or turn the rule off."))
    if rule.lead is None:
        lead_minutes = None
    elif lead_minutes is not None and not LEAD_MINUTES[0] <= lead_minutes <= LEAD_MINUTES[1]:
        raise InputError("lead", _("The lead time must be from {low} minute to {high} minutes.")
                         .format(low=LEAD_MINUTES[0], high=LEAD_MINUTES[1]))
    setting = _current(session, key, version)
    if setting is None:
        setting = NotificationRuleSetting(rule=key)
        session.add(setting)
    setting.enabled = bool(enabled)
    setting.audiences = [a for a in rule.audiences if a in audiences]
    setting.lead_minutes = lead_minutes
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:  # another admin saved this rule's first setting at the same moment
        raise InputError(STALE, _("Someone else changed this rule meanwhile. Reload and try again.")) from None
    return _row(rule, setting)


def reset_rule_setting(session: Session, *, actor: CurrentUser, key: str, version: int | None) -> RuleRow:
    """Back to the built-in setting: the admin's row goes (refused when stale)."""
    require(actor, ADMIN)
    rule = _rule(key)
    setting = _current(session, key, version)
    if setting is not None:
        session.delete(setting)
        session.flush()
    return _row(rule, None)
