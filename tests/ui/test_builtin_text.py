"""Streamlit's own screen texts: every one the portal translates still exists in the installed Streamlit, and has
a Chinese translation that keeps its fields."""
import re
from functools import cache
from pathlib import Path

import streamlit

from portal.i18n import catalog, set_language
from portal.ui.builtin_text import EXACT, LABEL_ONLY, PATTERNS, builtin_texts

STREAMLIT = Path(streamlit.__file__).parent
FIELD = re.compile(r"\{(\w+)\}")


@cache
def _streamlit_source() -> str:
    """The frontend bundle and the Python package: where Streamlit writes its English texts."""
    from streamlit.elements.exception import _GENERIC_UNCAUGHT_EXCEPTION_TEXT

    bundle = [f.read_text(encoding="utf-8", errors="replace") for f in (STREAMLIT / "static").rglob("*.js")]
    return "\n".join([*bundle, _GENERIC_UNCAUGHT_EXCEPTION_TEXT])


def _pieces(text: str) -> list[str]:
    """The literal parts of a text as Streamlit assembles it (around its fields, its key name, its sentences)."""
    text = text.replace("Ctrl+", "{key}+").replace("⌘+", "{key}+").replace(" submit form", "").replace(" apply", "")
    text = text.replace(". Running the app's main page.", "")  # appended to either page-not-found message
    text = text.replace(" options available.", " available.")  # "option" or "options", then " available."
    parts = re.split(r"\{\w+\}|\(\?<\w+>[^)]*\)|\\\.|[\^$]", text)
    return [p for p in parts if len(p.strip()) >= 3]


def test_every_translated_text_is_still_written_by_streamlit():
    source = _streamlit_source()
    texts = [*EXACT, *(english for _pattern, english in PATTERNS), "submit form", "apply",
             ". Running the app's main page."]
    missing = [t for t in texts for piece in _pieces(t) if piece not in source]
    assert not missing, f"Streamlit no longer writes these (reword or drop them in builtin_text.py): {missing}"


def test_patterns_name_the_fields_of_their_english_text():
    for pattern, english in PATTERNS:
        assert set(re.findall(r"\(\?<(\w+)>", pattern)) == set(FIELD.findall(english)), english


def test_every_streamlit_text_has_a_chinese_translation_with_the_same_fields():
    zh = catalog("zh_CN")
    for english in [*EXACT, *(e for _p, e in PATTERNS)]:
        assert english in zh, english
        assert sorted(FIELD.findall(zh[english])) == sorted(FIELD.findall(english)), english


def test_chinese_screens_get_every_replacement_and_english_ones_none():
    set_language("zh_CN")
    texts = builtin_texts()
    assert texts["exact"]["Choose an option"] == "请选择" and len(texts["exact"]) == len(set(EXACT))
    assert len(texts["patterns"]) == len(PATTERNS) and [p[2] for p in texts["patterns"]].count(True) == len(LABEL_ONLY)
    set_language("en")  # (and the next test starts in English)
    assert builtin_texts() == {"exact": {}, "patterns": []}
