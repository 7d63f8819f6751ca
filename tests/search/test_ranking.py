"""Ranking: by how many of the query's words a page covers (rare words weigh more), title above text, real
words above phrases of characters that straddle two words; question scaffolding is dropped."""

from tests.conftest import HOSTS, add_article
from tests.search.test_search_api import paragraph, search, titles


def test_a_question_ranks_pages_by_the_words_they_cover_not_all_or_nothing(client, alpha):
    # Given pages covering all, some and one of a question's words
    add_article(alpha, "秦岚舟京剧专场在杭州上演", summary="老生名家秦岚舟领衔。")
    add_article(alpha, "秦岚舟收徒仪式举行", summary="秦岚舟收下三名弟子。")
    add_article(alpha, "戏剧专场演出在宁波举行", summary="多个剧种同台。")
    add_article(alpha, "书法作品展览", summary="展出作品百余件。")
    # When a reader asks a question (its scaffolding 请问/的/什么时候 says nothing about what is sought)
    found = search(client, "请问秦岚舟的京剧专场什么时候演出")
    # Then every page holding any of its words is found, those covering more of them first
    assert found["terms"] == ["秦岚舟", "京剧", "专场", "演出"]
    assert [item["title"] for item in found["items"]] == [
        "秦岚舟京剧专场在杭州上演",  # all four
        "戏剧专场演出在宁波举行",  # two
        "秦岚舟收徒仪式举行",  # one
    ]
    assert found["totalCount"] == 3


def test_the_title_ranks_above_the_text(client, alpha):
    add_article(alpha, "青少年体验活动", summary="活动设有书法体验区。", date="2026-06-01")
    add_article(alpha, "书法作品展览开幕", summary="展出作品百余件。", date="2026-01-01")  # older, but in the title
    assert titles(client, "书法") == ["书法作品展览开幕", "青少年体验活动"]


def test_a_phrase_straddling_two_words_ranks_below_the_real_word(client, alpha):
    # Given 文学 as a word, and 文学 only as characters across 中文|学校 (a newer page, with it in the title)
    add_article(alpha, "研讨会举行", summary="与会者讨论了文学创作。", date="2026-01-01")
    add_article(alpha, "中文学校开学", summary="新学期开始。", date="2026-06-01")
    # Then both are found, the real word first
    assert titles(client, "文学") == ["研讨会举行", "中文学校开学"]
    # And the long word itself is found as a word
    assert titles(client, "中文学校") == ["中文学校开学"]


def test_words_typed_together_rank_where_they_appear_as_typed(client, alpha):
    # 山花奖 is cut into 山花 + 奖: a page holding 山花 and 奖 apart ranks below one holding 山花奖
    add_article(alpha, "“山花烂漫”摄影展获奖作品揭晓", summary="获奖作品展出。", date="2026-06-01")
    add_article(alpha, "剪纸作品荣获山花奖", summary="民间文艺。", date="2026-01-01")
    assert titles(client, "山花奖")[0] == "剪纸作品荣获山花奖"


def test_the_national_search_ranks_alike(client, alpha, beta):
    add_article(alpha, "秦岚舟京剧专场上演", summary="老生名家领衔。")
    add_article(beta, "京剧进校园", summary="京剧名家走进课堂。")
    add_article(beta, "文学创作研讨会", summary="作家们讨论创作。", body=paragraph("与会者发言。"))
    found = search(client, "秦岚舟的京剧什么时候演出", host=HOSTS["central"])
    assert [item["title"] for item in found["items"]] == ["秦岚舟京剧专场上演", "京剧进校园"]
    assert [item["site"]["slug"] for item in found["items"]] == ["alpha", "beta"]


def test_phrases_of_characters_gather_only_when_few_pages_hold_the_words_themselves(client, alpha):
    # Given 文学 only as characters across 中文|学校, and four pages holding 文学 or 讲座 as words
    add_article(alpha, "中文学校开学", summary="新学期开始。", date="2026-06-01")
    for number in range(1, 5):
        add_article(alpha, f"文学讲座第{number}期", summary="作家主讲。", date="2026-01-01")
    # When fewer than five pages hold the query's words as words, the phrase's page is gathered too (last)
    found = titles(client, "文学 讲座")
    assert len(found) == 5 and found[-1] == "中文学校开学"
    # But once five do, the words alone gather: PostgreSQL no longer rechecks every page holding 文 and 学
    add_article(alpha, "文学讲座第5期", summary="作家主讲。", date="2026-01-01")
    found = titles(client, "文学 讲座")
    assert len(found) == 5 and "中文学校开学" not in found
