"""Every user-facing English text has a Chinese translation with the same placeholders."""
import re

from babel.messages.extract import extract_from_dir

from portal.config import ROOT
from portal.i18n import CONTEXT, _, catalog, fmt_date, pgettext, set_language

PLACEHOLDER = re.compile(r"\{[a-z_]*\}")


KEYWORDS = {"_": None, "N_": None, "pgettext": ((1, "c"), 2), "NP_": ((1, "c"), 2)}


def _source_messages() -> set[str]:
    """Every marked text, keyed as the catalog keys it ("context\x04text" when it has a context)."""
    found = set()
    for folder, method in (("portal", "**.py"), ("pages", "**.py"), (".", "streamlit_app.py")):
        for _file, _line, message, _comments, context in extract_from_dir(
                ROOT / folder, method_map=[(method, "python")], keywords=KEYWORDS):
            if isinstance(message, str) and message:
                found.add(f"{context}{CONTEXT}{message}" if context else message)
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


def test_a_word_with_two_meanings_gets_two_translations():
    set_language("zh_CN")
    assert (_("Reason"), pgettext("absence", "Reason")) == ("用途", "缺席原因")
    assert (_("Called"), pgettext("follow-up call", "Called")) == ("已告知", "回访时间")
    set_language("en")
    assert pgettext("absence", "Reason") == "Reason"


def test_lists_read_as_lists_in_the_readers_language():
    """承办人、首问负责人和部门 — not 承办人, 首问负责人, 部门 on a Chinese screen."""
    from portal.i18n import fmt_list, set_language

    try:
        set_language("zh_CN")
        assert fmt_list(["承办人", "首问负责人", "部门"]) == "承办人、首问负责人和部门" and fmt_list([]) == ""
        set_language("en")
        assert fmt_list(iter(["handler", "department"])) == "handler and department"
    finally:
        set_language("en")


def test_a_filters_values_are_separated_as_the_reader_writes_them():
    """状态 属于任一 已派单、处理中、已答复 — not 已派单, 处理中 on a Chinese screen; no "and" between choices."""
    from portal.i18n import fmt_values, set_language

    try:
        set_language("zh_CN")
        assert fmt_values(["已派单", "处理中", "已答复"]) == "已派单、处理中、已答复" and fmt_values([]) == ""
        set_language("en")
        assert fmt_values(iter(["assigned", "in progress"])) == "assigned, in progress"
        assert fmt_values(["城东区"]) == "城东区"
    finally:
        set_language("en")
