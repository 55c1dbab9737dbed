"""The portal hashes passwords with argon2-cffi's RFC 9106 low-memory parameters; the test process uses cheaper ones
(tests/conftest.py: TEST_ARGON2), which a portal with its own parameters checks all the same."""
import os
import subprocess
import sys

from argon2 import extract_parameters, profiles

from portal.config import ROOT
from tests.conftest import TEST_ARGON2, TEST_PASSWORD

PRODUCTION = profiles.RFC_9106_LOW_MEMORY  # 64 MiB, 3 passes, 4 lanes, 16-byte salt, 32-byte hash


def test_the_portal_hashes_with_the_rfc_9106_low_memory_parameters():
    """In a process of its own, as a server or command runs it (no test configuration applied)."""
    code = ("from portal.access.auth import _DUMMY_HASH, _hasher, hash_password, verify_password\n"
            "h = hash_password('correct-horse-battery')\n"
            "assert verify_password(h, 'correct-horse-battery') and not verify_password(h, 'wrong-horse')\n"
            "print(h); print(_DUMMY_HASH)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=dict(os.environ), capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    for line in out.stdout.split():
        assert extract_parameters(line) == PRODUCTION, line


def test_the_tests_hashes_are_argon2id_that_the_portals_own_hasher_checks(cheap_password_hashing):
    from portal.access.auth import hash_password

    production, _dummy = cheap_password_hashing
    assert extract_parameters(production.hash(TEST_PASSWORD)) == PRODUCTION
    cheap = hash_password(TEST_PASSWORD)
    assert extract_parameters(cheap) == TEST_ARGON2 != PRODUCTION
    assert production.verify(cheap, TEST_PASSWORD)
