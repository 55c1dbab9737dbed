"""Users' e-mail address and mobile number (where the notifications worker sends): normalised, checked, kept when an
edit does not name them."""
from __future__ import annotations

import pytest

from db.engine import unit_of_work
from db.models import User
from portal.access.auth import SYSTEM
from portal.access.users import UserInputError, update_user


def test_contact_fields_are_normalised_checked_and_kept(db, make_user):
    user = make_user("handler", email=" Sun.Hao@Center.TEST ", mobile="138-0013 8000")
    with unit_of_work(engine=db) as s:
        row = s.get(User, user.id)
        assert (row.email, row.mobile) == ("sun.hao@center.test", "13800138000")
        version = row.version
    for field, values in [("email", {"email": "not an address"}), ("mobile", {"mobile": "call me"}),
                          ("mobile", {"mobile": "1234"})]:
        with pytest.raises(UserInputError) as refused, unit_of_work(engine=db) as s:
            update_user(s, actor=SYSTEM, user_id=user.id, version=version, name=user.name, staff_id=user.staff_id,
                        roles=["handler"], department_id=None, active=True, language="en", **values)
        assert refused.value.field == field
    with unit_of_work(engine=db) as s:
        update_user(s, actor=SYSTEM, user_id=user.id, version=version, name="Sun Hao", staff_id=user.staff_id,
                    roles=["handler"], department_id=None, active=True, language="en")  # contact not named: kept
        assert (s.get(User, user.id).email, s.get(User, user.id).mobile) == ("sun.hao@center.test", "13800138000")
    with unit_of_work(engine=db) as s:
        row = update_user(s, actor=SYSTEM, user_id=user.id, version=version + 1, name="Sun Hao",
                          staff_id=user.staff_id, roles=["handler"], department_id=None, active=True, language="en",
                          email="", mobile="+8613800138000")
        assert (row.email, row.mobile) == (None, "+8613800138000")
