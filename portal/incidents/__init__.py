"""Emergency incidents (客户服务应急预案): the live, append-only incident log and emergency supply requests.

Pages import from here. Where things live: rules.py (status transitions, locking, validation), log.py (open,
timeline entries, status / severity / commander), command.py (the command group and the supervision review),
checklists.py (the plan's measures per incident type, ticked on the timeline), response.py (suspensions, notices,
call list, follow-up actions), queries.py (board, incident view, significant events), brief.py (the handover brief),
supply.py (emergency supply requests, brands), supply_posts.py (who approves them, by post, and each route's order
day), entry_files.py (photos and files on log entries), log_view.py (the log filtered, exported, printed as ICS-214),
records.py (the grids' table descriptions), labels.py.
"""
from portal.incidents.brief import handover_brief_html, position_label
from portal.incidents.checklists import CHECKLISTS, ChecklistRow, checklist, tick_item
from portal.incidents.command import (
    GroupMember,
    command_group,
    command_groups,
    group_gaps,
    may_review,
    name_to_group,
    record_review,
    remove_from_group,
    reviewer_name,
)
from portal.incidents.entry_files import attach_to_entry, entry_file_content
from portal.incidents.log import (
    add_entry,
    change_severity,
    change_status,
    flag_entry,
    open_incident,
    open_incident_from_complaint,
    set_commander,
    set_objectives,
)
from portal.incidents.log_view import LogFilter, filter_log, log_authors, log_print_html, log_xlsx
from portal.incidents.queries import (
    BoardRow,
    EntryFile,
    EntryView,
    IncidentView,
    MyAction,
    SignificantEvent,
    actions_due,
    active_staff,
    areas,
    board,
    coordinators,
    find_retailers,
    incident_view,
    linked_complaint,
    my_actions,
    significant_events,
    timeline,
)
from portal.incidents.response import (
    add_action,
    add_to_call_list,
    complete_action,
    mark_called,
    record_notice,
    record_resumption,
    record_suspension,
    suggested_notice_method,
)
from portal.incidents.rules import TRANSITIONS, IncidentInputError
from portal.incidents.supply import (
    RequestRow,
    approve_supply_request,
    list_brands,
    pending_supply_requests,
    refuse_supply_request,
    request_supply,
    save_brand,
    supply_for_order_day,
)
from portal.incidents.supply_posts import (
    ApproverPost,
    approval_limit,
    route_order_days,
    set_route_order_day,
    set_supply_approver,
    supply_approvers,
)

__all__ = [
    "CHECKLISTS", "ChecklistRow", "GroupMember", "checklist", "command_group", "command_groups", "group_gaps",
    "may_review", "name_to_group", "record_review", "remove_from_group", "reviewer_name", "tick_item",
    "EntryFile", "LogFilter", "attach_to_entry", "entry_file_content", "filter_log", "log_authors", "log_print_html",
    "log_xlsx", "position_label", "set_objectives",
    "BoardRow", "EntryView", "IncidentInputError", "IncidentView", "MyAction", "RequestRow", "SignificantEvent",
    "TRANSITIONS", "actions_due", "active_staff", "add_action", "add_entry", "add_to_call_list", "approval_limit",
    "ApproverPost", "approve_supply_request", "areas", "board", "change_severity", "change_status",
    "complete_action", "coordinators", "find_retailers", "flag_entry", "handover_brief_html", "incident_view",
    "linked_complaint", "list_brands", "mark_called", "my_actions", "open_incident", "open_incident_from_complaint",
    "pending_supply_requests", "record_notice", "record_resumption", "record_suspension", "refuse_supply_request",
    "request_supply", "route_order_days", "save_brand", "set_commander", "set_route_order_day",
    "set_supply_approver", "supply_approvers", "significant_events",
    "suggested_notice_method", "supply_for_order_day", "timeline",
]
