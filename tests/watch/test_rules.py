"""Topic rules: each operator, NEAR, normalised evasions, and rules refused with the position named."""

import pytest

from cms.watch.rules import RuleError, RuleSet, parse


def matching(rule: str, *texts: str) -> list[bool]:
    rules = RuleSet([("topic", rule)])
    return [rules.matches(text) == ["topic"] for text in texts]


def test_a_word_matches_anywhere_in_the_text():
    assert matching("抄袭", "某作品涉嫌抄袭", "原创作品") == [True, False]


def test_and_needs_both_words_and_a_space_means_and():
    texts = ("文联换届大会召开", "文联大会召开", "换届工作")
    assert matching("文联 AND 换届", *texts) == [True, False, False]
    assert matching("文联 换届", *texts) == [True, False, False]


def test_or_needs_either_word():
    assert matching("抄袭 OR 剽窃", "涉嫌剽窃", "涉嫌抄袭", "原创") == [True, True, False]


def test_not_excludes_and_binds_tighter_than_or():
    # Given a rule read as (文联 AND NOT 演习) OR 舆情
    rule = "文联 NOT 演习 OR 舆情"
    # Then
    assert matching(rule, "文联应急预案", "文联应急演习", "舆情通报", "演习 舆情") == [True, False, True, True]


def test_parentheses_group():
    rule = "文联 AND (换届 OR 选举) NOT 演习"
    texts = ("文联选举结果", "文联换届", "文联换届演习", "选举结果", "文联新闻")
    assert matching(rule, *texts) == [True, True, False, False, False]


def test_quoted_phrases_keep_their_spaces_out_of_the_way():
    # A phrase with a space is one term: spaces are separators, folded away as in screening
    assert matching('"中国 文联"', "中国文联发布", "中国的文联") == [True, False]


def test_near_counts_characters_between_the_words_in_either_order():
    rule = '"中国文联" NEAR/5 抄袭'
    assert matching(
        rule,
        "中国文联被指抄袭",  # 2 characters between
        "抄袭一事中国文联回应",  # the other order, 2 between
        "中国文联今年的一二三四五六抄袭",  # 9 between
        "中国文联",
    ) == [True, True, False, False]


def test_near_chains_span_all_three_words():
    rule = "作家 NEAR/2 协会 NEAR/2 声明"
    assert matching(rule, "作家协会发表声明", "作家协会今年年初以来多次发布声明") == [True, False]


def test_evasions_are_folded_as_screening_folds_them():
    # Given rules in simplified Chinese and plain letters
    rules = RuleSet([("plagiarism", "抄袭 AND 文联"), ("abc", "abc")])
    # Then full-width letters, traditional characters, separators and repeats still match
    assert rules.matches("ＡＢＣ公司") == ["abc"]
    assert rules.matches("文聯作品被指抄襲") == ["plagiarism"]
    assert rules.matches("文 联 作品被指 抄@袭") == ["plagiarism"]
    assert rules.matches("文文联抄抄袭") == ["plagiarism"]
    # And a rule written in traditional characters matches simplified text
    assert RuleSet([("t", "詩歌")]).matches("诗歌朗诵会") == ["t"]


def test_many_rules_share_one_automaton_and_only_candidates_are_evaluated():
    rules = RuleSet([(1, "抄袭"), (2, "抄袭 NOT 澄清"), (3, "换届"), (4, "文联 OR 协会")])
    assert rules.automaton is not None
    assert sorted(rules.terms) == sorted({"抄袭", "澄清", "换届", "文联", "协会"})
    assert sorted(rules.matches("文联澄清抄袭传闻")) == [1, 4]
    assert rules.matches("天气晴朗") == []


@pytest.mark.parametrize(
    ("rule", "position", "words"),
    [
        ("文联 AND", 7, "意外结束"),
        ("(文联 OR 选举", 1, "缺少右括号"),
        ("文联)", 3, "多余的右括号"),
        ('文联 "抄袭', 4, "引号没有闭合"),
        ("文联 NEAR5 抄袭", 4, "NEAR/数字"),
        ("(文联 OR 协会) NEAR/3 抄袭", 1, "NEAR的左边"),
        ("文联 OR OR 协会", 7, "OR前面缺少词语"),
        ("文联 AND ()", 9, "括号内为空"),
        ("@@@", 1, "规范化后为空"),
        ("", 1, "规则为空"),
    ],
)
def test_a_rule_that_does_not_parse_is_refused_naming_the_position(rule, position, words):
    with pytest.raises(RuleError) as refused:
        parse(rule)
    assert refused.value.position == position
    assert f"第{position}个字符处" in str(refused.value)
    assert words in str(refused.value)


def test_a_rule_of_only_not_is_refused_and_a_bad_rule_does_not_stop_the_others():
    with pytest.raises(RuleError, match="至少一个词语"):
        parse("NOT 演习")
    rules = RuleSet([("good", "文联"), ("bad", "文联 AND")])
    assert rules.matches("文联") == ["good"]
    assert "意外结束" in str(rules.errors["bad"])
