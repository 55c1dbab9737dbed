"""Reference data every installation starts with (from DOMAIN.md): departments, categories, SLA limits."""
from __future__ import annotations

from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import ComplaintCategory, Department, SlaLimit

# code, English, Chinese
DEPARTMENTS = [
    ("customer_service", "Customer service", "客户服务部"),
    ("marketing", "Marketing", "营销部"),
    ("logistics", "Logistics / delivery center", "配送中心"),
    ("information", "Information center", "信息中心"),
    ("finance", "Finance", "财务部"),
    ("security", "Security", "安保处"),
    ("supervision", "Supervision & evaluation center", "督察考评中心"),
    ("monopoly_admin", "Monopoly administration office", "专卖管理办公室"),
]

# code, English, Chinese, default handling department
CATEGORIES = [
    ("delivery", "Delivery", "送货", "logistics"),
    ("product_quality", "Product quality", "卷烟质量", "marketing"),
    ("supply", "Supply / allocation", "货源", "marketing"),
    ("pricing", "Pricing", "价格", "marketing"),
    ("ordering_system", "Ordering system & online ordering", "订货系统", "information"),
    ("settlement", "Settlement / billing", "结算", "finance"),
    ("service_attitude", "Service attitude", "服务态度", "customer_service"),
    ("staff_conduct", "Staff conduct & integrity", "行风", "supervision"),
    ("other", "Other", "其他", "customer_service"),
]

# grade -> (first reply hours, resolution working days): 24 h reply; 4 days for grades 1–2, 2 for 3–4
SLA_DEFAULTS = {1: (24, 4), 2: (24, 4), 3: (24, 2), 4: (24, 2)}


class Bilingual(Protocol):
    name_en: str
    name_zh: str


def localized_name(item: Bilingual | None, language: str) -> str:
    """A department's or category's name in `language` (Chinese for zh_CN, else English)."""
    if item is None:
        return ""
    return item.name_zh if language == "zh_CN" else item.name_en


def ensure_reference_data(session: Session) -> None:
    """Insert the default departments, categories and SLA limits that are missing (idempotent)."""
    known = set(session.scalars(select(Department.code)))
    for code, en, zh in DEPARTMENTS:
        if code not in known:
            session.add(Department(code=code, name_en=en, name_zh=zh))
    session.flush()
    dept_ids = dict(session.execute(select(Department.code, Department.id)).all())
    known = set(session.scalars(select(ComplaintCategory.code)))
    for order, (code, en, zh, dept) in enumerate(CATEGORIES):
        if code not in known:
            session.add(ComplaintCategory(code=code, name_en=en, name_zh=zh, sort_order=order,
                                          default_department_id=dept_ids.get(dept)))
    known = set(session.scalars(select(SlaLimit.grade)))
    for grade, (hours, days) in SLA_DEFAULTS.items():
        if grade not in known:
            session.add(SlaLimit(grade=grade, first_reply_hours=hours, resolution_working_days=days))
