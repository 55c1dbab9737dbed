"""Retailer training (零售客户培训): catalog, monthly needs, the monthly plan, sign-ups with capacity and waiting
list, sign-in, evaluation, coverage.

Pages import from here. Where things live: rules.py (errors, months, locks, permissions), catalog.py, needs.py,
plan.py (session states and approval timing), signups.py (capacity, waiting list, notification),
attendance.py (check-in, absentees, evaluations), reports.py (coverage, record card, monthly summary),
sheets.py (printable sign-in sheet), tables.py (records-layer specs and the retailer's record card),
labels.py (what codes are called on screen).
"""
from portal.training.attendance import (
    EvaluationSummary,
    absentees,
    check_in_list,
    evaluation_candidates,
    evaluation_summary,
    mark_attendance,
    record_absence_follow_up,
    record_evaluation,
)
from portal.training.catalog import (
    add_material,
    create_course,
    list_courses,
    list_materials,
    material_content,
    remove_material,
    update_course,
)
from portal.training.needs import (
    NeedsStatus,
    month_needs,
    needs_deadline,
    needs_status,
    record_need,
    submit_needs,
    topic_counts,
    withdraw_need,
)
from portal.training.plan import (
    PlanStatus,
    SessionInput,
    approve_plan,
    approve_session,
    cancel_session,
    create_session,
    get_session,
    list_sessions,
    mark_held,
    plan_status,
    return_session,
    submit_plan,
    submit_session,
    trainer_choices,
    update_session,
)
from portal.training.reports import (
    CoverageReport,
    RetailerFilter,
    coverage_report,
    monthly_summary,
    retailer_record_card,
    summary_due_date,
    summary_file,
    untrained_ids,
    untrained_retailers,
)
from portal.training.rules import TrainingInputError, month_start
from portal.training.sheets import sign_in_sheet_html
from portal.training.signups import (
    WAITLIST_WARNING,
    SignUpBatch,
    WaitingListOverflow,
    cancel_sign_up,
    counts,
    find_retailers,
    mark_notified,
    notification_list,
    roster,
    seats_taken,
    session_messages,
    sign_up,
    sign_up_many,
)
from portal.training.tables import COURSES, SESSIONS, SIGN_UPS
from portal.training.waiting_list import confirm_seat

__all__ = [
    "COURSES", "CoverageReport", "EvaluationSummary", "NeedsStatus", "PlanStatus", "RetailerFilter", "SESSIONS",
    "SIGN_UPS", "SessionInput", "SignUpBatch", "TrainingInputError", "absentees", "add_material", "approve_plan",
    "approve_session", "cancel_session", "cancel_sign_up", "check_in_list", "counts", "coverage_report",
    "create_course", "create_session", "evaluation_candidates", "evaluation_summary", "find_retailers", "get_session",
    "list_courses", "list_materials", "list_sessions", "mark_attendance", "mark_held", "mark_notified",
    "material_content", "month_needs", "month_start", "monthly_summary", "needs_deadline", "needs_status",
    "notification_list", "plan_status", "record_absence_follow_up", "record_evaluation", "record_need",
    "remove_material", "retailer_record_card", "return_session", "roster", "seats_taken", "session_messages",
    "sign_in_sheet_html",
    "sign_up", "sign_up_many", "submit_needs", "submit_plan", "submit_session", "summary_due_date", "summary_file",
    "topic_counts", "trainer_choices", "untrained_ids", "untrained_retailers", "update_course", "update_session",
    "withdraw_need", "WAITLIST_WARNING", "WaitingListOverflow", "confirm_seat",
]
