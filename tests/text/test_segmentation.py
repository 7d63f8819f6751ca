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


def test_words_inside_a_long_word_are_its_parts_not_words_straddling_them():
    from cms.text.segmentation import components

    assert components("中文学校") == ("中文", "学校")  # not 文学, which straddles 中文|学校
    assert components("中华人民共和国") == ("中华", "人民", "共和", "共和国")  # not 华人
    assert components("茅盾文学奖") == ("茅盾", "文学", "文学奖")
    indexed = index_text("中文学校开学").split()
    assert "文学" not in indexed and {"中文", "学校", "中文学校"} <= set(indexed)


def test_question_scaffolding_is_dropped_and_runs_typed_together_are_kept():
    assert parse_query("请问茅盾文学奖怎么评选的呢").terms == ("茅盾文学奖", "评选")
    assert parse_query("有哪些京剧演出").terms == ("京剧", "演出")
    assert parse_query("我想了解如何报名参加书法展览").terms == ("报名", "参加", "书法", "展览")
    assert parse_query("吗").terms == ("吗",)  # a query of scaffolding only keeps it: something to search
    assert parse_query("山花奖").runs == (("山花", "奖"),)
    assert parse_query("京剧 大赛").runs == ()  # a space separates what the user typed apart
