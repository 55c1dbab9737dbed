"""Issue 13 §4: roles read on every run, the atomic sign-in throttle, unusable logins, the password policy,
changing one's own password, and the security events table."""
from concurrent.futures import ThreadPoolExecutor

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select, text

from db.engine import unit_of_work
from db.models import SecurityEvent, SignInThrottle, User
from portal.access.auth import MAX_FAILURES, PermissionDenied, SignInError, close_session, session_user, sign_in
from portal.access.passwords import password_problem
from portal.access.users import UserInputError, change_own_password, generate_password, reset_password, update_user
from portal.retailers.table import update_retailer
from tests.conftest import TEST_PASSWORD
from tests.retailers.support import directory_fixture  # noqa: F401


def _events(kind: str | None = None) -> list[SecurityEvent]:
    with unit_of_work() as s:
        query = select(SecurityEvent).order_by(SecurityEvent.id)
        return list(s.scalars(query.where(SecurityEvent.kind == kind) if kind else query))


def _set_roles(admin, user_id: int, roles: list[str], active: bool = True) -> None:
    with unit_of_work(admin.id) as s:
        row = s.get(User, user_id)
        update_user(s, actor=admin, user_id=user_id, version=row.version, name=row.name, staff_id=row.staff_id,
                    roles=roles, department_id=row.department_id, active=active, language=row.language)


def test_a_demoted_or_deactivated_user_acts_with_what_the_database_says_now(db, directory, admin):
    sup = directory.supervisor
    _user, token = sign_in(sup.login, TEST_PASSWORD)
    with unit_of_work() as s:
        assert session_user(s, token, 30, user_id=sup.id).roles == {"supervisor"}
    _set_roles(admin, sup.id, ["viewer"])
    with unit_of_work() as s:
        now = session_user(s, token, 30, user_id=sup.id)
    assert now.roles == {"viewer"}
    retailer_id = next(iter(directory.ids.values()))
    with pytest.raises(PermissionDenied), unit_of_work(now.id) as s:  # her next save, with the roles read now
        update_retailer(s, actor=now, retailer_id=retailer_id, version=1, values={"route": "R9"})
    _set_roles(admin, sup.id, ["viewer"], active=False)
    with unit_of_work() as s:
        assert session_user(s, token, 30, user_id=sup.id) is None
    changes = [e.detail for e in _events("role_change") if e.user_id == sup.id]
    assert changes[-2:] == ["roles:supervisor:viewer", "deactivated"]


def test_thirty_parallel_wrong_passwords_verify_at_most_five_and_raise_nothing(db, production_password_hashing,
                                                                                 monkeypatch):
    verified: list[str] = []
    real_verify = PasswordHasher.verify

    def counting_verify(self, hash_, password):
        verified.append(password)
        return real_verify(self, hash_, password)

    monkeypatch.setattr(PasswordHasher, "verify", counting_verify)
    for login in ("admin", "nobody-at-all"):  # an existing login and one without a throttle row yet
        verified.clear()

        def attempt(i: int, login: str = login) -> str:
            try:
                sign_in(login, f"guess-number-{i}")
            except SignInError as exc:
                return exc.args[0]
            return "signed in"

        with ThreadPoolExecutor(30) as pool:
            answers = list(pool.map(attempt, range(30)))
        assert len(verified) <= MAX_FAILURES, (login, len(verified))
        assert set(answers) <= {"wrong", "locked"} and answers.count("locked") >= 30 - MAX_FAILURES + 1, answers
    with pytest.raises(SignInError, match="locked"):  # and the right password is refused while locked
        sign_in("admin", TEST_PASSWORD)
    assert {e.login for e in _events("locked")} == {"admin", "nobody-at-all"}


def test_an_expired_lock_starts_the_count_afresh(db):
    for _ in range(MAX_FAILURES):
        with pytest.raises(SignInError):
            sign_in("admin", "wrong-password-here")
    with unit_of_work() as s:
        s.execute(text("UPDATE sign_in_throttle SET locked_until = now() - interval '1 minute'"))
    user, _token = sign_in("admin", TEST_PASSWORD)
    with unit_of_work() as s:
        throttle = s.get(SignInThrottle, "admin")
        assert (throttle.failures, throttle.locked_until) == (0, None)


@pytest.mark.parametrize("login", ["a" * 61, "x" * 5000, "admin\x00", "\x00", "ad\nmin", "   "])
def test_unusable_logins_are_refused_like_a_wrong_password(db, login):
    with pytest.raises(SignInError) as refused:
        sign_in(login, TEST_PASSWORD)
    assert refused.value.args == ("wrong",)
    event = _events("sign_in_failed")[-1]
    assert event.detail == "malformed_login" and "\x00" not in (event.login or "") and len(event.login or "") <= 60


def test_nul_or_huge_passwords_are_wrong_not_errors(db):
    for password in ("correct-horse\x00battery", "x" * 100_000):
        with pytest.raises(SignInError, match="wrong"):
            sign_in("admin", password)


@pytest.mark.parametrize(("password", "login", "problem"), [
    ("short-pass", "", "too_short"),
    ("x" * 129, "", "too_long"),
    ("Wangli-2026-0101", "wangli", "login"),
    ("2026.ilgnaw.2026", "wangli", "login"),
    ("Password2026!", "", "common"),
    ("qwerty123456", "", "common"),
    ("1qaz2wsx3edc", "", "common"),
    ("123456789012", "", "common"),
    ("aaaaaaaaaaaaaaaa", "", "common"),
    ("woaini1314520", "", "common"),
    ("admin-admin-admin", "admin", "login"),  # the login repeated
    ("Zhanghua-2026-zhanghua", "zhanghua", "login"),
    ("welcome-admin-2026", "", "common"),  # weak words side by side
    ("Qwerty-Password-1", "", "common"),
    ("123456789012", "wangli", "common"),  # digits alone are common, whoever types them
    ("correct-horse-battery", "admin", None),  # the tests' password
    ("portal-demo-2026", "zhanghua", None),  # the demo's password
])
def test_password_policy(password, login, problem):
    assert password_problem(password, login=login) == problem


def test_generated_passwords_pass_the_policy():
    assert all(password_problem(generate_password()) is None for _ in range(200))


def test_admin_set_password_follows_the_policy(db, make_user, admin):
    agent = make_user("agent", login="agent7")
    with pytest.raises(UserInputError) as refused, unit_of_work(admin.id) as s:
        reset_password(s, actor=admin, user_id=agent.id, password="Agent7-2026-0101")
    assert refused.value.field == "password"


@pytest.mark.parametrize(("name", "staff_id", "message"), [
    ("王" * 101, "KF7", "Name: at most 100 characters, please; this text has 101."),
    ("王丽", "K" * 21, "Staff ID: at most 20 characters, please; this text has 21."),
])
def test_a_staff_name_or_id_too_long_is_refused_naming_it(db, make_user, admin, name, staff_id, message):
    agent = make_user("agent", login="agent9")
    with pytest.raises(UserInputError) as refused, unit_of_work(admin.id) as s:
        user = s.get(User, agent.id)
        update_user(s, actor=admin, user_id=agent.id, version=user.version, name=name, staff_id=staff_id,
                    roles=["agent"], department_id=user.department_id, active=True, language="en")
    assert str(refused.value) == message


def test_changing_ones_own_password_needs_the_current_one_and_signs_out_other_browsers(db, make_user):
    agent = make_user("agent", login="agent8")
    _u, here = sign_in("agent8", TEST_PASSWORD)
    _u, elsewhere = sign_in("agent8", TEST_PASSWORD)
    with pytest.raises(UserInputError) as refused, unit_of_work(agent.id) as s:
        change_own_password(s, actor=agent, current_password="not-the-password", new_password="a-new-long-phrase",
                            repeated="a-new-long-phrase", keep_token=here)
    assert refused.value.field == "current"
    with pytest.raises(UserInputError) as refused, unit_of_work(agent.id) as s:
        change_own_password(s, actor=agent, current_password=TEST_PASSWORD, new_password="password123456",
                            repeated="password123456", keep_token=here)
    assert refused.value.field == "password"
    with unit_of_work(agent.id) as s:
        closed = change_own_password(s, actor=agent, current_password=TEST_PASSWORD,
                                     new_password="a-new-long-phrase", repeated="a-new-long-phrase", keep_token=here)
    assert closed == 1
    with unit_of_work() as s:
        assert session_user(s, here, 30) is not None
        assert session_user(s, elsewhere, 30) is None
    sign_in("agent8", "a-new-long-phrase")
    assert _events("password_change")[-1].detail == "own; signed_out:1"


def test_security_events_record_sign_in_failure_sign_out_and_cannot_be_changed(db, make_user, admin):
    from sqlalchemy.exc import DBAPIError

    from portal.access.security_log import describe, list_events

    with pytest.raises(SignInError):
        sign_in("admin", "not-the-password")
    _u, token = sign_in("admin", TEST_PASSWORD)
    with unit_of_work() as s:
        close_session(s, token)
    kinds = [e.kind for e in _events()]
    assert kinds[-3:] == ["sign_in_failed", "sign_in", "sign_out"], kinds
    with unit_of_work(admin.id) as s:
        shown = list_events(s, actor=admin)
        assert [e.kind for e in shown[:3]] == ["sign_out", "sign_in", "sign_in_failed"]
        assert list_events(s, actor=admin, kind="sign_in_failed", login="ADMIN")[0].detail == "wrong_password"
    assert describe("roles:supervisor:viewer") == "roles Supervisor → Viewer"
    agent = make_user("agent")
    with pytest.raises(PermissionDenied), unit_of_work(agent.id) as s:
        list_events(s, actor=agent)
    # the portal's role may not rewrite them (grants), and the owner's triggers refuse it too
    for statement in ("UPDATE security_events SET detail = 'x'", "DELETE FROM security_events",
                      "TRUNCATE security_events"):
        with pytest.raises(DBAPIError, match="permission denied"), unit_of_work() as s:
            s.execute(text(statement))
