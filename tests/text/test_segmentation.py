"""Segmentation and query building, without the database."""

import pytest

from cms.text.segmentation import QueryError, index_text, parse_query, snippet


def test_text_is_indexed_as_characters_then_words():
    indexed = index_text("中国文联举办京剧艺术节").split()
    # every character, in order, first (phrases of characters need their positions)...
    assert indexed[:11] == list("中国文联举办京剧艺术节")
    # ...then jieba's search mode: long words and the words inside them
    assert {"中国文联", "京剧", "艺术节", "艺术"} <= set(indexed[11:])


def test_full_width_and_case_are_folded_on_both_sides():
    assert "cctv" in index_text("ＣＣＴＶ春晚").split()
    assert parse_query("ＣＣＴＶ 春晚").terms == ("cctv", "春晚")


def test_a_chinese_word_matches_as_a_word_or_as_the_phrase_of_its_characters():
    assert parse_query("诗歌").tsquery() == "('诗歌' | '诗' <-> '歌')"
    assert parse_query("诗").tsquery() == "'诗'"
    assert parse_query("杭州的诗歌节").terms == ("杭州", "诗歌", "节")  # function words dropped


def test_operators_and_quotes_typed_by_users_are_only_words():
    parsed = parse_query("a' & b | !c:* <-> (d)")
    assert parsed.terms == ("a", "b", "c", "d")
    assert parsed.tsquery() == "'a' & 'b' & 'c' & 'd'"
    assert parse_query("o'neil").tsquery() in ("'o' & 'neil'", "'o''neil'")


def test_sql_is_just_text():
    assert parse_query("'; DROP TABLE pages; --").terms == ("drop", "table", "pages")


def test_empty_overlong_and_punctuation_only_queries():
    with pytest.raises(QueryError, match="请输入搜索词"):
        parse_query("   ")
    with pytest.raises(QueryError, match="最多 200 个"):
        parse_query("诗" * 2000)
    assert parse_query("，。！？……").terms == ()


def test_snippets_mark_matches_and_escape_html():
    text = "<b>前言</b>" + "一" * 100 + "杭州举办诗歌节，诗歌爱好者齐聚" + "二" * 100
    result = snippet(text, ["诗歌", "杭州"])
    assert "<mark>杭州</mark>举办<mark>诗歌</mark>节" in result and "<b>" not in result
    assert result.startswith("…") and result.endswith("…")
