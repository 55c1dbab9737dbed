"""Sign-in rules: passwords, throttling, deactivated accounts, sessions, permissions in domain code."""
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from db.engine import unit_of_work
from db.models import AuditLog, User, UserSession
from portal.access.auth import PermissionDenied, SignInError, close_session, resume_session, sign_in
from portal.access.users import UserInputError, create_user, update_user
from tests.conftest import TEST_PASSWORD


def test_admin_signs_in_with_configured_password(db):
    user, token = sign_in("admin", TEST_PASSWORD)
    assert "admin" in user.roles and token


def test_wrong_password_and_unknown_login_get_the_same_answer(db):
    with pytest.raises(SignInError) as wrong:
        sign_in("admin", "nope")
    with pytest.raises(SignInError) as unknown:
        sign_in("nobody", "nope")
    assert wrong.value.args == unknown.value.args == ("wrong",)


def test_five_failures_lock_the_login_for_15_minutes_even_with_right_password(db):
    for _ in range(4):
        with pytest.raises(SignInError, match="wrong"):
            sign_in("admin", "bad")
    with pytest.raises(SignInError, match="locked"):
        sign_in("admin", "bad")
    with pytest.raises(SignInError, match="locked"):
        sign_in("admin", TEST_PASSWORD)


def test_unknown_logins_lock_too_so_locks_reveal_nothing(db):
    for _ in range(4):
        with pytest.raises(SignInError, match="wrong"):
            sign_in("ghost", "bad")
    with pytest.raises(SignInError, match="locked"):
        sign_in("ghost", "bad")


def test_deactivated_user_cannot_sign_in(db, make_user, admin):
    agent = make_user("agent")
    with unit_of_work(admin.id) as s:
        u = s.get(User, agent.id)
        update_user(s, actor=admin, user_id=u.id, version=u.version, name=u.name, staff_id=u.staff_id,
                    roles=u.roles, department_id=None, active=False, language="en")
    with pytest.raises(SignInError, match="inactive"):
        sign_in(agent.login, TEST_PASSWORD)


def test_session_token_resumes_until_idle_timeout_and_sign_out(db):
    user, token = sign_in("admin", TEST_PASSWORD)
    with unit_of_work() as s:
        assert resume_session(s, token, idle_minutes=30).id == user.id
    with unit_of_work() as s:
        s.execute(update(UserSession).values(last_seen_at=datetime.now(UTC) - timedelta(minutes=31)))
    with unit_of_work() as s:
        assert resume_session(s, token, idle_minutes=30) is None
    _, token2 = sign_in("admin", TEST_PASSWORD)
    with unit_of_work() as s:
        close_session(s, token2)
    with unit_of_work() as s:
        assert resume_session(s, token2, idle_minutes=30) is None


def test_only_admins_create_users_and_the_audit_log_names_who(db, make_user, admin):
    agent = make_user("agent")
    with pytest.raises(PermissionDenied), unit_of_work(agent.id) as s:
        create_user(s, actor=agent, login="x1", name="X", staff_id="X1", password=TEST_PASSWORD, roles=[])
    with unit_of_work(admin.id) as s:
        new = create_user(s, actor=admin, login="clerk", name="Clerk", staff_id="C9",
                          password=TEST_PASSWORD, roles=["agent"])
    with unit_of_work() as s:
        rows = s.scalars(select(AuditLog).where(AuditLog.table_name == "users",
                                                AuditLog.record_id == str(new.id))).all()
    fields = {r.field: r for r in rows}
    assert fields["login"].new_value == "clerk" and fields["login"].actor_id == admin.id
    assert fields["password_hash"].new_value == "••••"


def test_duplicate_login_names_the_field(db, make_user, admin):
    make_user("agent", login="dup")
    with pytest.raises(UserInputError) as err, unit_of_work(admin.id) as s:
        create_user(s, actor=admin, login="dup", name="D", staff_id="D1", password=TEST_PASSWORD, roles=[])
    assert err.value.field == "login"


def test_stale_user_edit_is_refused(db, make_user, admin):
    agent = make_user("agent")
    with unit_of_work(admin.id) as s:
        u = s.get(User, agent.id)
        old_version = u.version
        update_user(s, actor=admin, user_id=u.id, version=u.version, name="New", staff_id=u.staff_id,
                    roles=u.roles, department_id=None, active=True, language="en")
    with pytest.raises(UserInputError) as err, unit_of_work(admin.id) as s:
        update_user(s, actor=admin, user_id=agent.id, version=old_version, name="Other",
                    staff_id=agent.staff_id, roles=["agent"], department_id=None, active=True, language="en")
    assert err.value.field == "version"


def test_single_sign_on_signs_in_only_the_mapped_verified_address_of_an_allowed_domain(db, make_user, admin,
                                                                                        monkeypatch):
    from portal.access.auth import sign_in_verified
    from portal.config import get_settings

    monkeypatch.setenv("PORTAL_SSO_DOMAINS", "center.example")
    get_settings.cache_clear()
    try:
        agent = make_user("agent", login="liwei", sso_email="li.wei@center.example")
        user, token = sign_in_verified("Li.Wei@Center.example", email_verified=True)
        assert user.id == agent.id and token
        attacks = {  # the attack of issue 13: the local part of any domain's address named the admin
            ("admin@attacker.example", True): "domain",
            ("admin@center.example", True): "unknown",  # no account mapped; logins are never matched
            ("liwei@center.example", True): "unknown",
            ("li.wei@center.example", False): "unverified",
            ("li.wei@center.example.attacker.example", True): "domain",
        }
        for (email, verified), problem in attacks.items():
            with pytest.raises(SignInError) as refused:
                sign_in_verified(email, email_verified=verified)
            assert refused.value.args == (problem,), email
        monkeypatch.setenv("PORTAL_SSO_DOMAINS", "")
        get_settings.cache_clear()
        with pytest.raises(SignInError, match="domain"):  # no domain configured: nobody
            sign_in_verified("li.wei@center.example", email_verified=True)
    finally:
        get_settings.cache_clear()


def test_signing_in_does_not_make_an_open_admin_edit_stale(db, make_user, admin):
    agent = make_user("agent")
    with unit_of_work() as s:
        version_seen = s.get(User, agent.id).version
    sign_in(agent.login, TEST_PASSWORD)
    with unit_of_work(admin.id) as s:
        update_user(s, actor=admin, user_id=agent.id, version=version_seen, name="Renamed", staff_id=agent.staff_id,
                    roles=["agent"], department_id=None, active=True, language="en")
