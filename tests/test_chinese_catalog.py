"""The Chinese catalog reads as Chinese: full-width punctuation, no stray spaces, one word for one thing."""
import re

from portal.i18n import CONTEXT, catalog

HAN = r"[\u3400-\u9fff]"
# a "." stays half-width before a file extension (".xlsx")
HALF_WIDTH_NEXT_TO_CHINESE = re.compile(rf"{HAN} ?[,:;!?()]|{HAN} ?\.(?![A-Za-z])|[,:;!?)] ?{HAN}|\({HAN}")
SPACE_BETWEEN_CHINESE = re.compile(rf"{HAN}[ \t]+{HAN}")


def _zh() -> dict[str, str]:
    return catalog("zh_CN")


def test_chinese_sentences_use_full_width_punctuation():
    wrong = {m: t for m, t in _zh().items() if HALF_WIDTH_NEXT_TO_CHINESE.search(t)}
    assert not wrong, wrong


def test_no_space_between_chinese_characters():
    wrong = {m: t for m, t in _zh().items() if SPACE_BETWEEN_CHINESE.search(t)}
    assert not wrong, wrong


def test_durations_and_ago_read_without_stray_spaces():
    zh = _zh()
    durations = {zh["{m} min"].format(m=2), zh["{h} h {m} min"].format(h=1, m="05"), zh["{d} d {h} h"].format(d=3, h=4)}
    assert durations == {"2分钟", "1小时05分", "3天4小时"}
    board = zh["Running for **{start}** · last update **{update}** ago"].format(start="1小时05分", update="2分钟")
    assert "**2分钟**前" in board and " 前" not in board


def test_one_word_for_one_thing():
    zh = _zh()
    pairs = [("Type", "timeline entry" + CONTEXT + "Kind"), ("Scope", "Area"), ("Notice recorded.", "Call ticked off."),
             ("Reason", "absence" + CONTEXT + "Reason"), ("Called", "follow-up call" + CONTEXT + "Called"),
             ("Active", "retailer status" + CONTEXT + "Active")]
    same = [(a, b, zh[a]) for a, b in pairs if zh[a] == zh[b]]
    assert not same, same


def test_severity_uses_the_centers_levels_and_not_the_scope_words():
    zh = _zh()
    labels = [zh[f"{n} – {name}"] for n, name in
              ((1, "Critical (major)"), (2, "Serious (major)"), (3, "Moderate (local)"), (4, "Minor (local)"))]
    assert [label[:2] for label in labels] == ["Ⅰ级", "Ⅱ级", "Ⅲ级", "Ⅳ级"]
    scope_words = {zh["District-wide"], zh["Local"]}
    assert not [label for label in labels if any(word in label for word in scope_words)], labels
    assert zh["retailer status" + CONTEXT + "Active"] in {"正常", "在营"}


def test_a_chosen_month_is_not_called_this_month():
    zh = _zh()
    assert "本月" not in zh["All needs for {month}"] and "{month}" in zh["All needs for {month}"]


def test_the_catalogs_own_terms_for_staff_and_retailers():
    """One Chinese word per role: a new text must not bring a synonym (处理人 for 承办人, 零售户 for 零售客户)."""
    synonyms = {"零售户": "零售客户", "处理人": "承办人", "培训协调员": "培训专员", "应急专员": "应急协调员"}
    wrong = {m: t for m, t in _zh().items() for word in synonyms if word in t}
    assert not wrong, (wrong, synonyms)
