"""Layered lexicons, exemptions, imports and exports, history, and the version every process reads."""

import time

import pytest

from cms.review import lexicon_io, services
from cms.review.models import LexiconChange, LexiconEntry
from cms.review.screening import matcher_for, screen


def words_found(site, text):
    return [hit.word for hit in screen(text_fields={"正文": text}, site=site).hits]


def test_a_site_screens_with_national_ancestors_and_own_words(alpha, gamma, delta, beta):
    # given a word in each layer: national, the provincial federation, and its city
    services.add_entry(site=None, word="全国词", actor="central")
    services.add_entry(site=gamma, word="省级词", actor="gamma-admin")
    services.add_entry(site=delta, word="市级词", actor="delta-admin")
    text = "全国词、省级词、市级词"
    # then the city screens with all three, the province with two, a sibling branch with the national one
    assert words_found(delta, text) == ["全国词", "省级词", "市级词"]
    assert words_found(gamma, text) == ["全国词", "省级词"]
    assert words_found(beta, text) == ["全国词"]
    assert words_found(None, text) == ["全国词"]


def test_an_exemption_suppresses_a_hit_inside_or_across_it_and_nothing_else(gamma, delta):
    # given 口交 in the national lexicon and 路口交通 exempted by the province
    services.add_entry(site=None, word="口交", actor="central", category="色情")
    # when screened before the exemption: a false alarm inside a longer word
    assert words_found(delta, "路口交通管制") == ["口交"]
    services.add_entry(site=gamma, word="路口交通", actor="gamma-admin", kind=LexiconEntry.Kind.EXEMPTION)
    # then the exemption suppresses the hit for the province and its city, not elsewhere in the text
    assert words_found(delta, "路口交通管制") == []
    assert words_found(delta, "路口交通管制，口交") == ["口交"]
    assert words_found(gamma, "路口交通") == []


def test_an_exempted_shorter_word_suppresses_a_hit_that_straddles_it(delta):
    services.add_entry(site=None, word="口交", actor="central")
    services.add_entry(site=delta, word="路口", actor="d", kind=LexiconEntry.Kind.EXEMPTION)
    assert words_found(delta, "十字路口交通") == []
    assert words_found(delta, "口交") == ["口交"]


def test_hits_carry_category_level_field_exact_span_and_context(alpha):
    services.add_entry(site=None, word="傻冒", actor="central", category="辱骂", level="review")
    text = "开头的一段话，他说你真是个傻@冒啊，结尾"
    [hit] = screen(text_fields={"标题": "无事", "正文": text}, site=alpha).hits
    assert (hit.word, hit.category, hit.level, hit.field) == ("傻冒", "辱骂", "review", "正文")
    assert text[hit.start : hit.end] == "傻@冒" == hit.matched
    assert "【傻@冒】" in hit.context


@pytest.mark.parametrize(
    "evasion", ["敏 感 词", "敏@感#词", "敏\u200b感\u200b词", "ＡＢ敏感詞", "敏敏感感词词", "敏·感·詞"]
)
def test_each_evasion_form_is_caught(alpha, evasion):
    services.add_entry(site=None, word="敏感词", actor="central")
    assert words_found(alpha, f"正文{evasion}正文") == ["敏感词"]


def test_the_strictest_level_wins_when_layers_disagree(gamma):
    services.add_entry(site=None, word="某词", actor="central", level="note")
    services.add_entry(site=gamma, word="某词", actor="g", level="block")
    [hit] = screen(text_fields={"正文": "某词"}, site=gamma).hits
    assert hit.level == "block"


def test_every_change_moves_the_version_so_cached_automata_are_rebuilt(alpha):
    # given an automaton built and cached
    services.add_entry(site=None, word="第一词", actor="central")
    first = matcher_for(alpha)
    assert matcher_for(alpha) is first  # cached while nothing changes
    # when the lexicon changes (as another process would change it)
    services.add_entry(site=None, word="第二词", actor="central")
    # then the next check rebuilds it
    assert matcher_for(alpha) is not first
    assert words_found(alpha, "第二词") == ["第二词"]
    [entry] = LexiconEntry.objects.filter(word="第二词")
    services.remove_entries(site=None, entry_ids=[entry.pk], actor="central")
    assert words_found(alpha, "第二词") == []


def test_history_records_who_when_what(alpha):
    services.add_entry(site=alpha, word="某人名", actor="alpha-admin", kind=LexiconEntry.Kind.EXEMPTION)
    change = LexiconChange.objects.filter(site=alpha).first()
    assert change.actor == "alpha-admin" and change.at is not None
    assert "豁免词“某人名”" in change.summary and change.words == ["某人名"]


def test_csv_import_and_export_round_trip(gamma):
    content = (
        "词语,类别,级别,类型\n违禁甲,违禁,禁止发布,敏感词\n审核乙,政治,需审核,\n提示丙,,提示,\n路口交通,,,豁免词\n"
    )
    result = services.import_lexicon(site=gamma, content=content.encode(), fmt="csv", actor="g")
    assert (result.created, result.updated) == (4, 0)
    exported = lexicon_io.export(LexiconEntry.objects.filter(site=gamma).order_by("pk"), fmt="csv")
    assert exported.splitlines()[1] == "违禁甲,违禁,禁止发布,敏感词"
    # importing the export again changes nothing
    again = services.import_lexicon(site=gamma, content=exported, fmt="csv", actor="g")
    assert (again.created, again.updated) == (0, 0)
    assert "导入 CSV 文件 4 条" in LexiconChange.objects.filter(site=gamma).first().summary


def test_txt_import_with_defaults_comments_and_replace(gamma):
    services.add_entry(site=gamma, word="旧词", actor="g")
    content = "# 注释\n新词一\n\n新词二\t政治\t需审核\n"
    result = services.import_lexicon(site=gamma, content=content, fmt="txt", actor="g", category="其他", replace=True)
    assert (result.created, result.removed) == (2, 1)
    assert dict(LexiconEntry.objects.filter(site=gamma).values_list("word", "level")) == {
        "新词一": "block",
        "新词二": "review",
    }


@pytest.mark.parametrize(
    "content, message",
    [
        ("", "文件为空"),
        ("# 只有注释\n\n", "文件为空"),
        ("词语,类别\n甲词,\n,政治\n", "第 3 行：词语为空"),
        ("甲词\n乙词\n甲詞\n", "第 3 行：“甲詞”与第 1 行重复（归一化后均为“甲词”）"),
        ("甲词\t政治\t很严重\n", "第 1 行：级别“很严重”无法识别"),
        ("甲词\t政治\t禁止发布\t敏感词\t多余\n", "第 1 行：有 5 列"),
        ("@@@\n", "第 1 行：“@@@”只含标点"),
        ("甲" * 60 + "\n", "第 1 行：词语“甲甲甲甲甲甲甲甲甲甲…”过长"),
    ],
)
def test_bad_files_are_refused_whole_with_line_numbers(gamma, content, message):
    fmt = "csv" if content.startswith("词语") else "txt"
    services.add_entry(site=gamma, word="原有词", actor="g")
    with pytest.raises(lexicon_io.LexiconFileError, match=message.replace("(", r"\(").replace(")", r"\)")):
        services.import_lexicon(
            site=gamma,
            content="好词\n" + content if message.startswith("第") and fmt == "txt" and False else content,
            fmt=fmt,
            actor="g",
        )
    # nothing half-imported
    assert list(LexiconEntry.objects.filter(site=gamma).values_list("word", flat=True)) == ["原有词"]


def test_a_file_with_one_bad_line_among_good_ones_imports_nothing(gamma):
    content = "".join(f"好词{i}\n" for i in range(100)) + "坏\t\t不存在的级别\n"
    with pytest.raises(lexicon_io.LexiconFileError, match="第 101 行"):
        services.import_lexicon(site=gamma, content=content, fmt="txt", actor="g")
    assert not LexiconEntry.objects.filter(site=gamma).exists()


def test_words_that_are_prefixes_of_others_are_all_found(alpha):
    for word in ["北京", "北京大学", "京大"]:
        services.add_entry(site=None, word=word, actor="c")
    assert sorted(words_found(alpha, "北京大学")) == ["京大", "北京", "北京大学"]


def test_a_hundred_thousand_words_import_quickly_and_screen(alpha):
    # given 100,000 distinct generated words (two CJK characters and a number)
    content = "".join(f"生成{i}词\t批量\n" for i in range(100_000))
    started = time.perf_counter()
    result = services.import_lexicon(site=None, content=content, fmt="txt", actor="central")
    elapsed = time.perf_counter() - started
    assert result.created == 100_000
    assert words_found(alpha, "这里有生成99999词") == ["生成99999词"]
    print(f"100,000 words imported in {elapsed:.1f} s")
