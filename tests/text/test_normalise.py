"""Normalisation against evasion: every form folds, and every normalised character maps back."""

import pytest

from cms.text.normalise import fold, normalise, normalise_word, normalise_words


@pytest.mark.parametrize(
    "evasion",
    [
        "傻@冒",
        "傻 冒",
        "傻\u200b冒",
        "傻\u200d冒",
        "傻*-*冒",
        "傻傻冒冒",
        "傻😀冒",
        "傻\t冒",
    ],
)
def test_separators_zero_width_emoji_and_repeats_fold_away(evasion):
    # given a word with something inserted between its characters / when normalised
    # then only the word is left
    assert normalise(evasion).text == "傻冒"


def test_full_width_circled_styled_letters_digits_and_case_fold_to_plain():
    assert normalise("ＦＡＬＵＮ").text == "falun"
    assert normalise("Ⓕⓐⓛⓤⓝ").text == "falun"
    assert normalise("𝐅𝐚𝐥𝐮𝐧").text == "falun"
    assert normalise("①⑨⑧⑨").text == "1989"


def test_traditional_chinese_folds_to_simplified():
    assert normalise("敏感詞").text == "敏感词"
    assert normalise("詩歌").text == "诗歌"


def test_chinese_clause_punctuation_and_line_breaks_stay_as_boundaries():
    # given a clean sentence whose two clauses would spell a word if joined
    # then the comma stays a boundary
    assert normalise("入口，交通").text == "入口\n交通"
    assert normalise("入口\n交通").text == "入口\n交通"
    assert normalise("入口。交通").text == "入口\n交通"


def test_every_normalised_character_maps_back_to_its_place_in_the_original():
    original = "正文：敏 感\u200b詞詞，ＡＢ⑩㍿"
    normalised = normalise(original)
    assert normalised.text == "正文\n敏感词\nab10株式会社"
    assert [original[i] for i in normalised.offsets] == list("正文：敏感詞，ＡＢ⑩⑩㍿㍿㍿㍿")
    start = normalised.text.index("敏感词")
    assert normalised.span(start, start + 3) == (3, 8)
    assert original[3:8] == "敏 感\u200b詞"


def test_lexicon_words_fold_the_same_way_and_lose_boundaries():
    assert normalise_word(" 敏感詞 ") == "敏感词"
    assert normalise_word("谢谢") == "谢"
    assert normalise_word("@#") == ""


def test_search_folding_keeps_length_and_removes_nothing():
    assert fold("詩歌 ＡＢ，") == "诗歌 ab,"
    assert len(fold("⑩㍿")) == 2


def test_repeated_digits_are_kept_and_offsets_agree():
    original = "1100号敏敏感"
    normalised = normalise(original)
    assert normalised.text == "1100号敏感"
    assert [original[i] for i in normalised.offsets] == list("1100号敏感")


def test_many_words_normalise_as_each_would_alone():
    words = ["敏 感詞", "@@", "谢，谢", "ＡＢ", "", "1100"]
    assert normalise_words(words) == [normalise_word(w) for w in words] == ["敏感词", "", "谢", "ab", "", "1100"]
