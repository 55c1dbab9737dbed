"""A small retailer directory for tests: staff of the roles that matter and a handful of retailers."""
from __future__ import annotations

from dataclasses import dataclass

import pytest

from db.engine import unit_of_work
from db.models import Retailer
from portal.access.auth import CurrentUser
from portal.i18n import current_language, set_language
from portal.retailers.table import create_retailer

ROWS = [  # licence, shop, owner, phone, district, route, type, key, stars, status
    ("330102000001", "好又多便利店", "王伟", "13812345678", "城东区", "城东-01", "convenience", True, 5, "active"),
    ("330102000002", "金叶烟酒行", "李芳", "13900001111", "城东区", "城东-02", "tobacco_liquor", False, 3, "active"),
    ("330106000003", "<b>惠民</b>超市 **特价**", "张敏", None, "城西区", "城西-01", "supermarket", False, 4,
     "suspended"),
    ("330106000004", "=HYPERLINK(\"x\")杂货铺", "刘洋", "0571-88886666", "城西区", None, "grocery", True, 2,
     "active"),
    ("330108000005", "鑫源食杂店", "陈静", "15000002222", "高新区", "高新-01", "grocery", False, 1, "closed"),
]


@dataclass
class Directory:
    supervisor: CurrentUser
    viewer: CurrentUser
    agent: CurrentUser
    manager_a: CurrentUser
    manager_b: CurrentUser
    ids: dict[str, int]  # licence number -> retailer id

    def get(self, license_no: str) -> Retailer:
        with unit_of_work() as s:
            return s.get(Retailer, self.ids[license_no])


@pytest.fixture(name="english", autouse=True)
def english_fixture():
    """Messages in English (the source language), whatever the catalogs hold."""
    before = current_language()
    set_language("en")
    yield
    set_language(before)


@pytest.fixture(name="directory")
def directory_fixture(db, make_user) -> Directory:
    """Five retailers (two of them with HTML/Markdown or a formula in the name) and the staff around them."""
    sup = make_user("supervisor", login="sup", name="张华", staff_id="KF1000", language="en")
    manager_a = make_user("handler", login="mgr_a", name="刘洋", staff_id="KF2001", language="en")
    manager_b = make_user("handler", login="mgr_b", name="周杰", staff_id="KF2003", language="en")
    ids = {}
    with unit_of_work(sup.id) as s:
        for lic, shop, owner, phone, district, route, btype, key, stars, status in ROWS:
            r = create_retailer(s, actor=sup, values={
                "license_no": lic, "shop_name": shop, "owner_name": owner, "phone": phone, "district": district,
                "route": route, "business_type": btype, "is_key_customer": key, "star_rating": stars,
                "status": status, "manager_id": manager_a.id, "address": f"{district}人民路1号"})
            ids[lic] = r.id
    return Directory(sup, make_user("viewer", login="viewer1", language="en"),
                     make_user("agent", login="agent1", language="en"), manager_a, manager_b, ids)
