"""What incident and supply-request codes are called on screen (English source; show with `_(LABELS[code])`)."""
from __future__ import annotations

from portal.i18n import N_

TYPE_LABELS: dict[str, str] = {
    "system_failure": N_("Network / system failure"),
    "severe_weather": N_("Severe weather"),
    "vehicle_breakdown": N_("Delivery vehicle breakdown"),
    "traffic_accident": N_("Traffic accident"),
    "sudden_demand": N_("Sudden demand"),
    "supply_anomaly": N_("Supply anomaly"),
    "safety": N_("Safety incident"),
    "public_opinion": N_("Public opinion / media event"),
    "major_complaint": N_("Major complaint"),
}
SCOPE_LABELS: dict[str, str] = {
    "district_wide": N_("District-wide"),
    "local": N_("Local"),
}
SEVERITY_LABELS: dict[int, str] = {
    1: N_("1 – Critical (major)"),
    2: N_("2 – Serious (major)"),
    3: N_("3 – Moderate (local)"),
    4: N_("4 – Minor (local)"),
}
STEP_LABELS: dict[str, str] = {
    "ordering": N_("Ordering"),
    "settlement": N_("Settlement"),
    "sorting": N_("Sorting"),
    "delivery": N_("Delivery"),
}
STATUS_LABELS: dict[str, str] = {
    "open": N_("Opened"),  # (not "Open": that word is already a button, 打开)
    "responding": N_("Responding"),
    "monitoring": N_("Monitoring"),
    "resolved": N_("Resolved"),
    "closed": N_("Closed out"),  # (not "Closed": a retailer's status, 已注销)
}
ENTRY_KIND_LABELS: dict[str, str] = {
    "update": N_("Update"),
    "decision": N_("Decision"),
    "action": N_("Action"),
    "customer_notice": N_("Customer notice"),
    "resource": N_("Resource"),
    "status_change": N_("Status change"),
    "severity_change": N_("Severity change"),
    "commander_change": N_("Commander change"),
    "command_group": N_("Command group"),
    "checklist": N_("Checklist"),
    "review": N_("Supervision review"),
}
# the plan's command group (应急指挥领导小组); also an entry author's position in the incident (ICS-214 "ICS
# position"), else their role
POSITION_LABELS: dict[str, str] = {
    "leader": N_("Group leader"),
    "deputy_leader": N_("Deputy group leader"),
    "commander": N_("Commander"),
    "member": N_("Member"),
}
NOTICE_METHOD_LABELS: dict[str, str] = {
    "broadcast": N_("Broadcast"),
    "sms": N_("Text message (SMS)"),
    "call": N_("Phone call to each retailer"),
}
SUPPLY_REASON_LABELS: dict[str, str] = {
    "wedding": N_("Wedding"),
    "funeral": N_("Funeral"),
    "group_consumption": N_("Group consumption"),
    "meeting": N_("Meeting"),
    "other": N_("Other"),
}
SUPPLY_STATE_LABELS: dict[str, str] = {
    "requested": N_("Awaiting approval"),
    "approved": N_("Approved"),
    "refused": N_("Refused"),
}
SUPPLY_POST_LABELS: dict[str, str] = {
    "customer_service_head": N_("Customer-service head"),
    "marketing_deputy_manager": N_("Marketing deputy manager"),
}
