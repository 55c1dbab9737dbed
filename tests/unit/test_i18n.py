"""Every user-facing English text has a Chinese translation with the same placeholders."""
import re

from babel.messages.extract import extract_from_dir

from portal.config import ROOT
from portal.i18n import _, catalog, fmt_date, set_language

PLACEHOLDER = re.compile(r"\{[a-z_]*\}")


def _source_messages() -> set[str]:
    found = set()
    for folder in ("portal", "pages"):
        for _file, _line, message, _comments, _ctx in extract_from_dir(
                ROOT / folder, method_map=[("**.py", "python")], keywords={"_": None, "N_": None}):
            if isinstance(message, str) and message:
                found.add(message)
    for _file, _line, message, _c, _x in extract_from_dir(
            ROOT, method_map=[("streamlit_app.py", "python")], keywords={"_": None, "N_": None}):
        found.add(message)
    return found


def test_every_message_has_a_chinese_translation():
    zh = catalog("zh_CN")
    missing = sorted(m for m in _source_messages() if m not in zh)
    assert not missing, f"{len(missing)} texts lack a zh_CN translation (see README, Translations): {missing[:20]}"


def test_translations_keep_their_placeholders():
    zh = catalog("zh_CN")
    wrong = [m for m in _source_messages() if m in zh and
             sorted(PLACEHOLDER.findall(m)) != sorted(PLACEHOLDER.findall(zh[m]))]
    assert not wrong, wrong


def test_language_switches_texts_and_dates():
    from datetime import date

    set_language("zh_CN")
    assert _("Sign in") == "登录" and fmt_date(date(2026, 11, 23)) == "2026年11月23日"
    set_language("en")
    assert _("Sign in") == "Sign in" and fmt_date(date(2026, 11, 23)) == "Nov 23, 2026"
