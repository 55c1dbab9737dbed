"""What complaint codes are called on screen (English source; show with `_(LABELS[code])`)."""
from __future__ import annotations

from portal.i18n import N_

STATE_LABELS: dict[str, str] = {
    "registered": N_("Registered"),
    "assigned": N_("Assigned"),
    "in_progress": N_("In progress"),
    "replied": N_("Replied"),
    "followed_up": N_("Followed up"),
    "closed": N_("Loop closed"),
    "invalid": N_("Invalid complaint"),
    "duplicate": N_("Duplicate complaint"),
}
CHANNEL_LABELS: dict[str, str] = {
    "hotline": N_("Hotline phone"),
    "walk_in": N_("Walk-in / front desk"),
    "letter": N_("Letter"),
    "email": N_("E-mail"),
    "web": N_("Web form"),
    "manager_visit": N_("Customer-manager visit"),
    "suggestion_box": N_("Suggestion box"),
    "transferred": N_("Transferred from a higher-level center"),
    "follow_up": N_("Found on follow-up"),
}
GRADE_LABELS: dict[int, str] = {
    1: N_("1 – Major"),
    2: N_("2 – Serious"),
    3: N_("3 – General"),
    4: N_("4 – Simple"),
}
REPLY_METHOD_LABELS: dict[str, str] = {
    "phone": N_("Phone call"),
    "sms": N_("Text message"),
    "visit": N_("Visit"),
    "letter": N_("Letter"),
    "email": N_("E-mail"),
}
FOLLOW_UP_LEVEL_LABELS: dict[int, str] = {
    1: N_("Level 1 – customer-manager visit"),
    2: N_("Level 2 – phone survey"),
    3: N_("Level 3 – supervision spot check"),
}
FOLLOW_UP_METHOD_LABELS: dict[str, str] = {
    "visit": N_("Visit"),
    "phone": N_("Phone"),
    "sms": N_("Text message"),
    "spot_check": N_("Spot check"),
}
SATISFACTION_LABELS: dict[str, str] = {
    "satisfied": N_("Satisfied"),
    "basically_satisfied": N_("Basically satisfied"),
    "dissatisfied": N_("Dissatisfied"),
}
SURVEY_LABELS: dict[str, str] = {
    "score_attitude": N_("Service attitude"),
    "score_phrasing": N_("Standard phrasing"),
    "score_speed": N_("Speed and accuracy"),
    "score_no_buck_passing": N_("No buck-passing"),
}
EVENT_KIND_LABELS: dict[str, str] = {
    "state_change": N_("Status change"),
    "field_change": N_("Field change"),
    "note": N_("Internal note"),
    "reply": N_("Reply to complainant"),
    "follow_up": N_("Follow-up"),
    "pause": N_("SLA paused"),
    "resume": N_("SLA resumed"),
    "link": N_("Link"),
    "attachment": N_("Attachment"),
    "retriage": N_("Re-triage"),
    "transfer": N_("Ownership transferred"),
    "review": N_("Supervisor's review"),
}
MOVE_LABELS: dict[str, str] = {
    "assign": N_("Assign"),
    "start_progress": N_("Start work"),
    "record_investigation": N_("Record investigation"),
    "interim_reply": N_("Interim reply"),
    "reply": N_("Reply"),
    "record_follow_up": N_("Record follow-up"),
    "close": N_("Close the loop"),
    "mark_invalid": N_("Mark invalid"),
    "mark_duplicate": N_("Mark as duplicate"),
    "confirm_exit": N_("Confirm the closure"),
    "send_back_exit": N_("Send it back to work"),
    "pause_sla": N_("Pause SLA"),
    "resume_sla": N_("Resume SLA"),
    "retriage": N_("Re-triage"),
    "transfer_ownership": N_("Transfer ownership"),
    "add_internal_note": N_("Add internal note"),
    "add_attachment": N_("Add attachment"),
}
FIELD_LABELS: dict[str, str] = {
    "department_id": N_("Department"),
    "handler_id": N_("Handler"),
    "verification_result": N_("Verification result"),
    "responsibility_analysis": N_("Responsibility analysis"),
    "root_cause": N_("Root cause"),
    "corrective_action": N_("Corrective action"),
    "responsible_person": N_("Responsible person"),
    "resolution_due_at": N_("Resolution due"),
    "first_reply_due_at": N_("First reply due"),
}
