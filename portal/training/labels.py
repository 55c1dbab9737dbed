"""What training codes are called on screen (English source; show with `_(LABELS[code])`)."""
from __future__ import annotations

from portal.i18n import N_

KIND_LABELS: dict[str, str] = {
    "knowledge": N_("Knowledge training"),
    "skill": N_("Skill training"),
}
FORMAT_LABELS: dict[str, str] = {
    "lecture": N_("Centralized lecture"),
    "discussion": N_("Discussion"),
    "on_site": N_("On-site at a store"),
}
SESSION_STATE_LABELS: dict[str, str] = {
    "draft": N_("Draft"),
    "submitted": N_("Submitted for approval"),
    "approved": N_("Approved"),
    "held": N_("Held"),
    "cancelled": N_("Cancelled"),
}
SIGN_UP_STATE_LABELS: dict[str, str] = {
    "signed_up": N_("Signed up"),
    "waitlisted": N_("Waiting list"),
    "cancelled": N_("Cancelled"),
}
CHANNEL_LABELS: dict[str, str] = {
    "phone": N_("Phone call"),
    "visit": N_("Visit"),
    "walk_in": N_("At the front desk"),
    "other": N_("Other"),
}
NOTIFY_METHOD_LABELS: dict[str, str] = {
    "phone": N_("Phone call"),
    "sms": N_("Text message"),
    "visit": N_("Visit"),
    "wechat": N_("WeChat"),
}
SCORE_LABELS: dict[str, str] = {
    "score_content": N_("Content"),
    "score_trainer": N_("Trainer"),
    "score_usefulness": N_("Usefulness"),
}
PLAN_TIMING_LABELS: dict[str, str] = {
    "no_sessions": N_("No sessions planned"),
    "pending": N_("Awaiting approval"),
    "on_time": N_("Approved on time"),
    "late": N_("Approved late"),
    "overdue": N_("Not approved in time"),
}
