"""Complaints (客户投诉): intake with first-contact ownership, the closed-loop workflow, SLA clocks, lists.

Pages import from here. Where things live: rules.py (who may make which move from which state),
intake.py (registration, duplicates), workflow.py (one function per move), corrections.py (a supervisor's
re-triage and ownership transfer), exits.py (a supervisor's review of an agent's closure as invalid or
duplicate), caller.py (the hotline screen pop), queries.py (My work, filters, timeline),
attachments.py, labels.py (what codes are called on screen); SLA math is portal/center/sla.py.
"""
from portal.complaints.attachments import add_attachment, attachment_content, list_attachments
from portal.complaints.bulk import BulkOutcome, assign_complaints, mark_complaints_invalid
from portal.complaints.corrections import retriage_complaint, transfer_ownership
from portal.complaints.exits import confirm_side_exit, send_back_side_exit, waiting_side_exits
from portal.complaints.intake import (
    DuplicateCandidate,
    Registration,
    find_possible_duplicates,
    normalize_phone,
    register_complaint,
)
from portal.complaints.queries import (
    SLA_FILTERS,
    TimelineEntry,
    WorkPage,
    display_contact,
    display_phone,
    duplicates_of,
    follow_ups,
    get_complaint,
    my_work,
    my_work_condition,
    sla_condition,
    timeline,
    visible_condition,
)
from portal.complaints.rules import (
    ComplaintInputError,
    MoveNotAllowed,
    allowed_moves,
    can_view,
    can_work,
    check_move,
)
from portal.complaints.workflow import (
    add_internal_note,
    assign_complaint,
    close_complaint,
    mark_duplicate,
    mark_invalid,
    pause_sla,
    record_follow_up,
    record_interim_reply,
    record_investigation,
    reply_to_complainant,
    resume_sla,
    start_progress,
)

__all__ = [
    "BulkOutcome", "ComplaintInputError", "DuplicateCandidate", "MoveNotAllowed", "Registration", "SLA_FILTERS",
    "TimelineEntry", "WorkPage", "add_attachment", "add_internal_note", "allowed_moves", "assign_complaint",
    "assign_complaints", "attachment_content", "can_view", "can_work", "check_move", "close_complaint",
    "confirm_side_exit", "display_contact", "display_phone", "duplicates_of", "find_possible_duplicates",
    "follow_ups", "get_complaint", "list_attachments", "mark_complaints_invalid", "mark_duplicate", "mark_invalid",
    "my_work", "my_work_condition", "normalize_phone", "pause_sla", "record_follow_up", "record_interim_reply",
    "record_investigation", "register_complaint", "reply_to_complainant", "resume_sla", "retriage_complaint",
    "send_back_side_exit", "sla_condition", "start_progress", "timeline", "transfer_ownership",
    "visible_condition", "waiting_side_exits",
]
