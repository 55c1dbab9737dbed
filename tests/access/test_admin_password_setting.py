"""A weak PORTAL_ADMIN_PASSWORD is refused at start-up, naming the variable and the rule, before the database is
touched: the first admin's password follows the same policy as every other password (portal.access.passwords)."""
import os
import subprocess
import sys

import pytest

from portal.bootstrap import check_admin_password
from portal.config import ROOT, StartupRefused
from tests.conftest import TEST_PASSWORD


@pytest.mark.parametrize(("password", "rule"), [("admin2026", "at least 12 characters"),
                                                ("Password123456", "too common"),
                                                ("administrator1", "too common"),
                                                ("x" * 129, "at most 128 characters")])
def test_a_weak_admin_password_is_refused_naming_the_variable_and_the_rule(password, rule):
    with pytest.raises(StartupRefused) as refused:
        check_admin_password(password)
    assert str(refused.value).startswith("PORTAL_ADMIN_PASSWORD is refused:") and rule in str(refused.value)


def test_a_strong_or_unset_admin_password_passes():
    check_admin_password(TEST_PASSWORD)
    check_admin_password(None)  # unset: one is generated and printed once


def test_portal_run_exits_non_zero_with_the_message_and_starts_nothing(tmp_path):
    env = {**os.environ, "DATABASE_URL": "", "DATABASE_OWNER_URL": "", "PORTAL_DATA_DIR": str(tmp_path / "data"),
           "PORTAL_ADMIN_PASSWORD": "admin2026"}
    done = subprocess.run([sys.executable, "-m", "portal", "run", "--port", "8699"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert "PORTAL_ADMIN_PASSWORD is refused: at least 12 characters." in done.stderr
    assert "Traceback" not in done.stderr and "http://localhost" not in done.stdout
    assert not (tmp_path / "data" / "pgdata").exists()  # refused before the database was started
