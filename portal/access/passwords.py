"""The password policy (OWASP ASVS 2.1): length, not the login name, not a common or trivially guessable password.

One rule for every path that sets a password (account creation, admin reset, changing one's own)."""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

MIN_LENGTH = 12
MAX_LENGTH = 128  # longer is refused at sign-in too (argon2 would hash megabytes)
# words that make a weak password whatever digits or signs surround them (compared without separators)
BASE_WORDS = frozenset({
    "password", "passw0rd", "p4ssw0rd", "p4ssword", "qwerty", "qwertyuiop", "asdfgh", "asdfghjkl", "zxcvbnm",
    "admin", "administrator", "welcome", "letmein", "iloveyou", "monkey", "dragon", "sunshine", "princess",
    "football", "baseball", "master", "superman", "batman", "trustno", "changeme", "secret", "default", "login",
    "guest", "test", "qazwsx", "qazwsxedc", "woaini", "wodemima", "mima", "iloveu", "abc", "abcdef", "abcdefgh",
    "abcdefghijkl", "portal", "serviceportal", "servicecenter", "kefu", "kefuzhongxin",
})
RUNS = ("0123456789012345678901234567890", "9876543210987654321098765432109", "qwertyuiopasdfghjklzxcvbnm",
        "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p", "abcdefghijklmnopqrstuvwxyz")


@lru_cache(maxsize=1)
def _common() -> frozenset[str]:
    lines = (Path(__file__).with_name("common_passwords.txt")).read_text(encoding="utf-8").splitlines()
    return frozenset(_squash(line) for line in lines if line.strip() and not line.startswith("#"))


def _squash(text: str) -> str:
    """Lowercase letters and digits only: 'Pass-word 2026!' -> 'password2026'."""
    return re.sub(r"[^0-9a-z]", "", text.lower())


def password_problem(password: str, *, login: str = "") -> str | None:
    """Why `password` is refused ("too_short", "too_long", "login", "common"), or None when acceptable."""
    if len(password) < MIN_LENGTH:
        return "too_short"
    if len(password) > MAX_LENGTH:
        return "too_long"
    squashed, name = _squash(password), _squash(login)
    if name and _only_digits_besides(squashed, (name, name[::-1])):  # the login (reversed or not, repeated or
        return "login"  # not) with only digits around it
    if (squashed in _common() or _only_digits_besides(squashed, BASE_WORDS) or len(set(squashed)) <= 3
            or any(squashed in run for run in RUNS)):
        return "common"
    return None


def _only_digits_besides(squashed: str, words) -> bool:
    """Whether `squashed` is nothing but `words` (at least one, each as often as it likes) and digits:
    "admin2026admin"."""
    left = squashed
    for word in sorted(words, key=len, reverse=True):
        left = left.replace(word, "")
    return left != squashed and not left.strip("0123456789")
