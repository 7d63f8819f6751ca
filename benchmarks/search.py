"""`cms benchmark search`: relevance and latency of national search against plain PostgreSQL full text.

The command builds a Chinese corpus (news articles, notices, artist profiles) in the national
index over a registry of 1,000 sites, a judged set of queries over it, and prints precision@10,
recall@10 and nDCG@10 for our search (`cms.search.selectors.network_search`) and for plain
unsegmented PostgreSQL search, with latency at p50 and p95.

How the judgments are made. Every document is generated either *about* named entities (an
artist, an award, a festival, a work, a genre, a motif) or as filler. Each document records the
entities it is about (grade 2) and the ones it only mentions (grade 1); a query names one entity,
and its judgments are read from those records, never from matching the query's text. The filler
vocabulary contains none of the entities (checked while generating), so each query has a small
set of relevant documents among 100,000. Some documents are relevant without containing the
query's words (synonyms: 央视春晚 for CCTV 春晚, 楷书 for 书法), and some contain them without
being relevant (北京剧场 holds 京剧, 迎春晚会 holds 春晚, the painter 韩梅笙's name holds 梅):
neither system can be perfect.

Runs on a throwaway PostgreSQL (see `cms.cli.cmd_benchmark`), or inside a test transaction at a
small size. The registry is `cms.network.benchmark.build_network`'s; its feed items are replaced
by this corpus, indexed exactly as `cms.network.index` indexes a page.
"""

from __future__ import annotations

import datetime
import math
import random
import re
import statistics
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone

from benchmarks import network as network_benchmark
from benchmarks.network import (
    DOMAIN_SUFFIX,
    PROVINCES,
    SECTIONS,
    TAGS,
    percentile,
    place_name,
)
from cms.network.models import CONTENT_TYPES, IndexEntry
from cms.pages.taxonomy import ArtForm
from cms.text.segmentation import index_text, normalize
from sites.models import Association

BAR_MS = 50.0  # DESIGN.md section 6: national search over 1,000 sites, p95 under 50 ms
BAR_DOCUMENTS = 100_000
BAR_SITES = 1000
SEED = 2026
TOP = 10
PASSES = 5  # timed passes over the query set, per system, after one warm-up pass
BASELINE_INDEX = "bench_baseline_simple_fts"
BASELINE_VECTOR = "to_tsvector('simple', title || ' ' || summary)"

# --- Entities: what documents are about -------------------------------------------------------

# entity -> the entity it belongs to (a document about 兰亭奖 is about 书法 too)
PARENTS = {
    "京剧大赛": "京剧",
    "兰亭奖": "书法",
    "书法展览通知": "书法",
    "吴桥杂技节": "杂技",
    "金狮奖": "杂技",
    "剪纸传承人": "剪纸",
    "唢呐专场": "唢呐",
    "评弹书场": "评弹",
    "苏绣非遗": "苏绣",
    "墨梅图": "梅",
    "松鹤图": "鹤",
}
# Strings that name an entity. Filler text contains none of them; a generated document that contains
# one must record its entity as a subject or a mention, or declare it a homonym (北京剧场 is not 京剧).
ANCHORS = {
    **{word: word for word in ["京剧", "昆曲", "书法", "杂技", "剪纸", "皮影", "唢呐", "评弹", "苏绣", "篆刻"]},
    **{char: char for char in "梅鹤竹荷"},
    **{
        name: name
        for name in [
            "秦岚舟",
            "秦岚月",
            "林砚秋",
            "沈知白",
            "顾北辰",
            "叶听澜",
            "温如琢",
            "韩梅笙",
            "周鹤年",
            "孟星河",
            "陆清禾",
            "唐砚农",
        ]
    },
    **{
        name: name
        for name in [
            "金鸡奖",
            "茅盾文学奖",
            "兰亭奖",
            "荷花奖",
            "牡丹奖",
            "山花奖",
            "金狮奖",
            "飞天奖",
            "墨梅图",
            "松鹤图",
            "长河谣",
            "雁归辞",
            "乌镇戏剧节",
        ]
    },
    "平遥国际摄影大展": "平遥大展",
    "京剧青年演员大赛": "京剧大赛",
    "京剧大赛": "京剧大赛",
    "吴桥": "吴桥杂技节",
    "春晚": "春晚",
    "vr": "VR展览",
    "b站": "B站国风",
    "5g": "5G直播",
}
ANCHOR_PATTERN = re.compile("|".join(sorted(map(re.escape, ANCHORS), key=len, reverse=True)))


@dataclass(frozen=True)
class T:
    """A document template: `n` documents about the entity it is listed under (and `also`), mentioning `mentions`."""

    title: str
    summary: str
    n: int = 1
    type: str = "article"
    also: tuple[str, ...] = ()
    mentions: tuple[str, ...] = ()
    homonyms: tuple[str, ...] = ()  # anchors the text contains in another sense


# (entity the documents are about, or None for distractors; its art form; templates)
CATALOGUE: list[tuple[str | None, str, list[T]]] = [
    # Genres (two-character words)
    (
        "京剧",
        "theatre",
        [
            T(
                "{region}京剧院新排《{play}》首演",
                "该剧由{region}京剧院历时一年精心打磨，唱腔设计兼顾传统流派与当代审美。",
                n=2,
            ),
            T("京剧名家进校园活动走进{place}", "艺术家为师生讲解京剧行当与唱腔，并现场示范身段表演。"),
            T("{org}举办京剧票友大会", "来自各地的百余名票友同台献艺，展示了京剧艺术深厚的群众基础。"),
            T(
                "京剧流派传承研讨会在{place}举行",
                "与会专家围绕梅派、程派等京剧流派的传承与创新展开研讨。",
                homonyms=("梅",),
            ),
            T("关于举办{year}年京剧青年演员培训班的通知", "培训班邀请京剧名家授课，请各院团推荐学员。", type="notice"),
        ],
    ),
    (
        "京剧大赛",
        "theatre",
        [
            T(
                "第{n}届全国京剧青年演员大赛开幕",
                "来自全国的京剧院团选派青年演员参赛，比赛分生、旦、净、丑四个组别。",
                n=2,
            ),
            T(
                "京剧青年演员大赛{region}赛区选拔落幕",
                "{n}名青年演员晋级复赛，老生名家秦岚舟担任评委。",
                mentions=("秦岚舟",),
            ),
            T("京剧大赛决赛名单公布", "经专家评审，{n}名青年演员进入京剧大赛决赛。", type="notice"),
            T("京剧大赛获奖演员在{place}汇报演出", "获奖演员演出了《{play}》等传统剧目选段。"),
        ],
    ),
    (
        "昆曲",
        "theatre",
        [
            T("青春版昆曲《牡丹亭》在{place}上演", "这部经典剧目已在海内外演出数百场，多次获奖。"),
            T("{region}昆剧院举办昆曲艺术周", "艺术周期间将上演《长生殿》《桃花扇》等昆曲经典折子戏。"),
            T("昆曲传习所面向社会招收新学员", "传习所常年开设昆曲唱念与身段课程。", type="notice"),
            T("昆曲曲社雅集在{place}举行", "曲友们清唱昆曲名段，切磋技艺。"),
        ],
    ),
    (
        "书法",
        "calligraphy",
        [
            T("{region}书法作品展在{place}开幕", "展览展出楷、行、草、隶各体书法作品一百余件。", n=2),
            T("书法进校园：{place}中小学开设书法课", "书法家走进课堂，手把手指导学生执笔运腕。"),
            T("{org}举办书法创作高级研修班", "研修班为期一个月，学员将完成一件书法创作。"),
            T(
                "关于举办{year}年{region}书法作品展览的通知",
                "请各会员单位组织书法作者踊跃投稿。",
                n=2,
                type="notice",
                also=("书法展览通知",),
            ),
            T(
                "楷书临帖公益讲座在{place}开讲", "讲座从笔法、结构入手，讲解唐楷名帖的临习方法。"
            ),  # about it, without the word
            T("“翰墨丹青”书画名家作品展开幕", "展览汇集了当代书画名家的精品力作。", n=2),
        ],
    ),
    (
        "兰亭奖",
        "calligraphy",
        [
            T("第{n}届中国书法兰亭奖评选揭晓", "本届兰亭奖共评出创作奖、理论奖等多个奖项。"),
            T("兰亭奖获奖作品巡展走进{place}", "巡展展出书法、篆刻获奖作品八十余件。", mentions=("篆刻",)),
            T("{region}书法家林砚秋荣获兰亭奖", "林砚秋的行书作品以笔墨精到获评委好评。", also=("林砚秋",)),
            T("兰亭奖评审工作会议召开", "会议审议了本届兰亭奖评审办法。", type="notice"),
        ],
    ),
    (
        "杂技",
        "acrobatics",
        [
            T("{region}杂技团新创剧目《{acro}》首演", "该剧将杂技与舞蹈、戏剧相融合，展现了新时代的精神风貌。", n=2),
            T("杂技艺术进社区惠民演出在{place}举行", "杂技演员表演了顶碗、转碟等传统节目。"),
            T("少儿杂技训练营在{place}结营", "学员们汇报了一个月来的杂技训练成果。"),
            T("关于举办{year}年杂技人才培训班的通知", "请各杂技院团推荐青年骨干参加培训。", type="notice"),
        ],
    ),
    (
        "吴桥杂技节",
        "acrobatics",
        [
            T("第{n}届中国吴桥国际杂技艺术节开幕", "来自多个国家和地区的杂技团体参加本届艺术节。", n=2),
            T(
                "吴桥杂技节：{region}杂技团节目获金狮奖",
                "该节目以高难度技巧与中国元素赢得评委青睐。",
                mentions=("金狮奖",),
            ),
            T("吴桥国际杂技艺术节闭幕", "本届艺术节共有{n}个节目获奖。"),
        ],
    ),
    (
        "金狮奖",
        "acrobatics",
        [
            T("中国杂技金狮奖{region}选拔赛举行", "选拔赛产生的优秀节目将代表{region}参加金狮奖比赛。"),
            T("第{n}届中国杂技金狮奖颁奖", "颁奖晚会上，获奖节目进行了展演。"),
            T("沈知白执导的杂技剧获金狮奖", "导演沈知白带领团队三年打磨这部杂技剧。", also=("沈知白",)),
        ],
    ),
    (
        "剪纸",
        "folk_art",
        [
            T("{place}剪纸艺术展开幕", "展出的剪纸作品题材丰富、刀法细腻。", n=2),
            T("剪纸进课堂：{place}小学开设非遗课程", "孩子们在老师指导下学习剪纸的基本刀法。"),
            T("春节剪纸窗花展在{region}举行", "一张张红色窗花寄托着人们对新年的美好祝愿。"),
        ],
    ),
    (
        "剪纸传承人",
        "folk_art",
        [
            T("剪纸非遗传承人唐砚农收徒传艺", "年逾七旬的唐砚农收下了三名年轻徒弟。", also=("唐砚农",)),
            T("{region}剪纸传承人作品展开幕", "十位非遗传承人带来了各自的剪纸代表作。"),
        ],
    ),
    (
        "皮影",
        "folk_art",
        [
            T("皮影戏进校园活动在{place}启动", "老艺人为学生们演出了皮影戏并讲解操纵技巧。"),
            T("皮影戏《{story}》复排公演", "老艺人手把手教授年轻演员皮影操纵技艺。"),
            T("{region}皮影制作技艺培训班开班", "学员将学习皮影的选皮、雕刻与着色。"),
            T("关于申报{year}年皮影戏保护项目的通知", "请各地文联会同有关部门做好申报工作。", type="notice"),
        ],
    ),
    (
        "唢呐",
        "music",
        [
            T("唢呐独奏音乐会在{place}举行", "演奏家以唢呐演绎了多首民间乐曲。"),
            T("民间唢呐艺人大赛在{place}落幕", "{n}位民间艺人参加了比赛。"),
            T("{region}唢呐艺术传承基地挂牌", "基地将开展唢呐教学与民间乐曲整理。"),
        ],
    ),
    (
        "唢呐专场",
        "music",
        [
            T("唢呐专场音乐会《{tune}》上演", "整场音乐会以唢呐为主奏乐器，曲目均为传统名曲。", n=2),
        ],
    ),
    (
        "评弹",
        "quyi",
        [
            T("苏州评弹演员走进{place}社区", "评弹演员为居民带来了经典长篇选回。"),
            T("评弹新作《{story}》首演", "新作在传统说噱弹唱中融入了现代生活。"),
        ],
    ),
    (
        "评弹书场",
        "quyi",
        [
            T("{place}评弹书场恢复常态化演出", "书场每周安排三场评弹演出，满足老听众的需求。", n=2),
        ],
    ),
    (
        "苏绣",
        "folk_art",
        [
            T("苏绣精品展在{place}开幕", "展览展出了苏绣名家的双面绣、乱针绣作品。"),
            T("苏绣走进{region}时装周", "设计师将苏绣元素融入当代服饰。"),
        ],
    ),
    (
        "苏绣非遗",
        "folk_art",
        [
            T("苏绣非遗传承人工作室在{place}揭牌", "工作室将承担苏绣技艺的传承与研究。"),
            T("苏绣技艺列入非遗名录座谈会召开", "与会者回顾了苏绣非遗保护工作的历程。"),
        ],
    ),
    (
        "篆刻",
        "calligraphy",
        [
            T("篆刻艺术展在{place}开幕", "展出印章与印屏作品两百余件。", n=2),
            T("篆刻进校园：学生体验治印乐趣", "篆刻家向学生介绍了篆刻的刀法与章法。"),
            T("{region}篆刻家作品研讨会举行", "与会专家对篆刻家近年的创作进行了研讨。"),
        ],
    ),
    # Motifs (one-character queries)
    (
        "梅",
        "fine_arts",
        [
            T("咏梅诗会在{place}举行", "诗人们以梅为题，吟诵了各自的新作。"),
            T("“梅花香自苦寒来”主题摄影展开幕", "展览展出了拍摄于各地梅园的摄影作品。"),
            T("{place}梅园文化节开幕", "游客踏雪赏梅，感受早春气息。"),
            T("画家笔下的梅：{region}中国画作品展", "展览集中展出了以梅为题材的中国画。"),
        ],
    ),
    (
        "墨梅图",
        "fine_arts",
        [
            T(
                "《墨梅图》系列作品亮相{region}美术馆",
                "画家温如琢以水墨写梅，系列共十二幅在美术馆展出。",
                n=2,
                mentions=("温如琢",),
            ),
            T("温如琢《墨梅图》入选全国美展", "这组作品以简练的笔墨表现梅的风骨。", also=("温如琢",)),
            T("《墨梅图》巡展{place}站开幕", "巡展将在{n}个城市展出。"),
        ],
    ),
    (
        "鹤",
        "fine_arts",
        [
            T("丹顶鹤主题摄影展在{place}开幕", "摄影师们用镜头记录了丹顶鹤的迁徙。"),
            T("“松鹤延年”书画作品展开幕", "展览以松鹤为题，寄寓吉祥长寿。"),
        ],
    ),
    (
        "松鹤图",
        "fine_arts",
        [
            T("国画《松鹤图》捐赠仪式在{place}举行", "这幅作品由画家家属捐赠给当地美术馆。"),
            T("《松鹤图》修复完成", "修复团队历时半年完成了画心加固与全色。"),
        ],
    ),
    (
        "竹",
        "fine_arts",
        [
            T("《墨竹》：{region}画家的竹韵情怀", "画家以写竹见长，笔下竹枝清劲挺拔。"),
            T("竹编技艺展在{place}开幕", "展出的竹编作品有篮、扇、屏风等百余件。"),
            T("{place}竹文化节开幕", "文化节期间举办竹艺展示和竹林音乐会。"),
        ],
    ),
    (
        "荷",
        "fine_arts",
        [
            T("荷花主题美术作品展在{place}开幕", "画家们以荷为题，描绘了夏日荷塘的美景。"),
            T("国画长卷《荷塘清韵》亮相{region}", "长卷描绘了十里荷塘的四季变化。"),
            T("{place}荷花节摄影大赛颁奖", "大赛共收到摄影作品{n}幅。"),
        ],
    ),
    # Artists (three-character names): a profile, news about them, mentions elsewhere
    (
        "秦岚舟",
        "theatre",
        [
            T("秦岚舟", "京剧表演艺术家，工老生，代表剧目《定军山》《空城计》。", type="profile", mentions=("京剧",)),
            T("秦岚舟京剧专场{month}在{place}上演", "专场将演出《定军山》《空城计》等代表剧目。", mentions=("京剧",)),
            T("秦岚舟收徒仪式在{place}举行", "京剧老生名家秦岚舟正式收徒，传授唱腔与身段。", mentions=("京剧",)),
            T("秦岚舟：唱好每一句唱腔", "{month}，记者专访了这位舞台生涯四十年的老生演员。"),
        ],
    ),
    (
        "秦岚月",
        "theatre",
        [
            T("秦岚月", "昆曲表演艺术家，工闺门旦，主演《牡丹亭》《长生殿》。", type="profile", mentions=("昆曲",)),
            T("秦岚月昆曲专场在{place}上演", "专场演出了《游园惊梦》等折子戏。", mentions=("昆曲",)),
        ],
    ),
    (
        "林砚秋",
        "calligraphy",
        [
            T("林砚秋", "书法家，擅长行书，作品曾获兰亭奖。", type="profile", mentions=("书法", "兰亭奖")),
            T("林砚秋书法作品展在{place}开幕", "展出林砚秋近十年创作的行书作品六十件。", mentions=("书法",)),
            T("林砚秋：笔墨当随时代", "记者专访了这位行书名家。"),
        ],
    ),
    (
        "沈知白",
        "acrobatics",
        [
            T("沈知白", "杂技编导，执导的杂技剧曾获金狮奖。", type="profile", mentions=("杂技", "金狮奖")),
            T("沈知白谈杂技剧的创作", "他认为杂技剧要靠故事打动观众。", mentions=("杂技",)),
        ],
    ),
    (
        "顾北辰",
        "film",
        [
            T("顾北辰", "电影导演，作品《{film}》获金鸡奖最佳导演。", type="profile", mentions=("金鸡奖",)),
            T("顾北辰新片《{film}》开机", "影片讲述了乡村教师扎根山区的故事。"),
            T("顾北辰凭《{film}》获金鸡奖最佳导演", "这是顾北辰首次获得该奖项。", also=("金鸡奖",)),
        ],
    ),
    (
        "叶听澜",
        "music",
        [
            T("叶听澜", "作曲家，代表作有歌曲《长河谣》、交响诗《江南》。", type="profile", mentions=("长河谣",)),
            T("叶听澜作品音乐会在{place}举行", "音乐会演奏了叶听澜不同时期的代表作。"),
            T("叶听澜谈《长河谣》创作", "这首歌的旋律来自作曲家童年听到的船工号子。", also=("长河谣",)),
        ],
    ),
    (
        "温如琢",
        "fine_arts",
        [
            T("温如琢", "画家，擅长水墨花鸟，代表作《墨梅图》系列。", type="profile", mentions=("墨梅图",)),
            T("温如琢花鸟画展在{place}开幕", "展出温如琢的水墨花鸟作品四十件。"),
        ],
    ),
    (
        "韩梅笙",
        "quyi",
        [
            T(
                "韩梅笙",
                "评弹表演艺术家，说唱俱佳，曾获牡丹奖表演奖。",
                type="profile",
                mentions=("评弹", "牡丹奖"),
                homonyms=("梅",),
            ),
            T("韩梅笙评弹专场在{place}书场上演", "专场演出了长篇弹词选回。", mentions=("评弹",), homonyms=("梅",)),
            T(
                "韩梅笙荣获牡丹奖表演奖",
                "韩梅笙以弹词开篇获得评委一致好评。",
                also=("牡丹奖",),
                mentions=("评弹",),
                homonyms=("梅",),
            ),
        ],
    ),
    (
        "周鹤年",
        "photography",
        [
            T("周鹤年", "摄影家，长期拍摄黄河两岸的风土人情。", type="profile", homonyms=("鹤",)),
            T(
                "周鹤年摄影作品亮相平遥国际摄影大展",
                "周鹤年的组照《黄河人家》在大展展出。",
                also=("平遥大展",),
                homonyms=("鹤",),
            ),
        ],
    ),
    (
        "孟星河",
        "literature",
        [
            T("孟星河", "作家，长篇小说《雁归辞》获茅盾文学奖。", type="profile", mentions=("雁归辞", "茅盾文学奖")),
            T("孟星河长篇小说《雁归辞》出版", "小说以三代人的命运书写了一座小城的变迁。", also=("雁归辞",)),
            T("茅盾文学奖得主孟星河做客{place}读书会", "孟星河与读者分享了自己的创作经历。", also=("茅盾文学奖",)),
        ],
    ),
    (
        "陆清禾",
        "dance",
        [
            T(
                "陆清禾",
                "舞蹈编导，代表作舞蹈《鹤舞》获荷花奖。",
                type="profile",
                mentions=("鹤", "荷花奖"),
                homonyms=("荷",),
            ),
            T(
                "陆清禾编创的舞蹈《鹤舞》获荷花奖",
                "作品以仙鹤为意象，表现生命的灵动。",
                also=("鹤", "荷花奖"),
                homonyms=("荷",),
            ),
        ],
    ),
    (
        "唐砚农",
        "folk_art",
        [
            T("唐砚农", "剪纸艺人，国家级非遗项目代表性传承人。", type="profile", mentions=("剪纸", "剪纸传承人")),
        ],
    ),
    # Awards, works, festivals (names of three or more characters)
    (
        "金鸡奖",
        "film",
        [
            T("第{n}届中国电影金鸡奖颁奖典礼在{place}举行", "最佳故事片等多个奖项揭晓。"),
            T("金鸡奖提名名单公布", "本届金鸡奖共有{n}部影片获得提名。", type="notice"),
            T("金鸡奖获奖名单揭晓", "影片《{film}》获最佳故事片。"),
        ],
    ),
    (None, "film", [T("金鸡百花电影节在{place}开幕", "电影节期间将举办电影展映和论坛。", n=2, mentions=("金鸡奖",))]),
    (
        "茅盾文学奖",
        "literature",
        [
            T("第{n}届茅盾文学奖揭晓", "五部长篇小说获奖。"),
            T("茅盾文学奖评奖办法修订", "修订后的评奖办法将于下一届评奖起施行。", type="notice"),
        ],
    ),
    (
        "荷花奖",
        "dance",
        [
            T("中国舞蹈荷花奖评选在{place}举行", "{n}个舞蹈作品进入终评。", homonyms=("荷",)),
            T("荷花奖获奖作品展演", "展演集中呈现了本届获奖的舞蹈作品。", homonyms=("荷",)),
        ],
    ),
    (
        "牡丹奖",
        "quyi",
        [
            T("中国曲艺牡丹奖{region}赛区比赛举行", "相声、快板等曲艺节目同台竞技。"),
            T("牡丹奖获奖节目巡演走进{place}", "巡演为基层群众送去欢笑。"),
        ],
    ),
    (
        "山花奖",
        "folk_art",
        [
            T("中国民间文艺山花奖评选结果公布", "民间工艺、民间文学等类别的获奖名单同时公布。", type="notice"),
            T("{region}剪纸作品荣获山花奖", "获奖作品以剪纸表现乡村新貌。", mentions=("剪纸",)),
        ],
    ),
    (
        "飞天奖",
        "television",
        [
            T("电视剧《{tv}》获飞天奖", "该剧以细腻的笔触展现了新时代的乡村变化。"),
            T("第{n}届电视剧飞天奖颁奖", "优秀电视剧、优秀编剧等奖项揭晓。"),
        ],
    ),
    (
        "长河谣",
        "music",
        [
            T("歌曲《长河谣》首唱会在{place}举行", "作曲家叶听澜到场与听众交流。", mentions=("叶听澜",)),
            T("《长河谣》入选年度优秀歌曲", "这首歌曲在网络上广为传唱。"),
        ],
    ),
    (
        "雁归辞",
        "literature",
        [
            T("《雁归辞》研讨会在{place}召开", "评论家认为，这部小说是作家孟星河的集大成之作。", mentions=("孟星河",)),
            T("小说《雁归辞》改编电视剧开机", "剧集将在小说故事发生地取景拍摄。"),
        ],
    ),
    (
        "乌镇戏剧节",
        "theatre",
        [
            T("第{n}届乌镇戏剧节开幕", "来自多个国家的剧目在古镇上演。"),
            T("乌镇戏剧节青年竞演单元揭晓", "{n}部青年创作的短剧进入决赛。"),
            T("{region}话剧《{drama}》亮相乌镇戏剧节", "该剧是今年戏剧节的特邀剧目。"),
        ],
    ),
    (
        "平遥大展",
        "photography",
        [
            T("第{n}届平遥国际摄影大展开幕", "大展共展出来自多个国家的摄影作品。"),
            T("平遥国际摄影大展{region}展区受关注", "展区集中展示了{region}摄影家的作品。"),
        ],
    ),
    # Mixed Chinese and English
    (
        "春晚",
        "television",
        [
            T("{show_art}节目《{show}》登上 CCTV 春晚", "节目经过多轮审看，最终入选今年的春节联欢晚会。"),
            T("CCTV春晚{region}分会场完成彩排", "分会场节目将展示{region}的民俗风情。"),
            T("CCTV 春晚幕后：{region}舞蹈演员的除夕", "为了春晚的三分钟，她们排练了两个多月。"),
            T("央视春晚语言类节目创作研讨会召开", "与会者围绕小品、相声的创作进行了研讨。"),  # no "CCTV": AND misses it
            T("总台春晚节目单发布", "今年的春节联欢晚会共有{n}个节目。"),
        ],
    ),
    (
        "VR展览",
        "fine_arts",
        [
            T("VR 沉浸式展览《{theme}》在{place}开展", "观众戴上头显即可“走进”画中。"),
            T("“云上美术馆”推出 VR 展览", "线上观众可以在家中参观美术馆的常设展。"),
            T("数字文物 VR 展览走进{place}", "展览以三维扫描重现了{n}件珍贵文物。"),
            T("虚拟现实技术让美术展览“活”起来", "借助虚拟现实设备，观众可以与名画互动。"),  # about it, without "VR"
        ],
    ),
    (
        "B站国风",
        "music",
        [
            T("{region}民乐团国风作品登上B站热门", "作品以民族乐器演绎流行旋律，播放量突破百万。"),
            T("B站国风音乐会在{place}举办", "青年音乐人用传统乐器演绎原创国风作品。"),
            T("国风舞蹈视频在B站走红", "年轻观众通过弹幕表达对传统文化的喜爱。"),
        ],
    ),
    (
        "5G直播",
        "television",
        [
            T("5G 直播：{region}文艺院团演出实况", "观众可通过手机收看高清直播。"),
            T("5G直播让乡村观众看上大剧院演出", "演出通过5G网络同步传送到{n}个乡村文化站。"),
            T("{place}音乐节开启5G直播", "音乐节的主舞台演出全程直播。"),
        ],
    ),
    # Distractors: the query's words in another sense, or related but not about it (judged 0 unless noted)
    (
        None,
        "theatre",
        [T("北京剧场上演话剧《{drama}》", "话剧讲述了普通人在时代变迁中的奋斗故事。", n=3, homonyms=("京剧",))],
    ),
    (
        None,
        "fine_arts",
        [T("油画创作中的复杂技法专题讲座在{place}举办", "讲座介绍了罩染、刮刀等油画技法。", n=2, homonyms=("杂技",))],
    ),
    (None, "television", [T("{place}迎春晚会精彩上演", "CCTV-3 将择期播出晚会实况。", n=3, homonyms=("春晚",))]),
    (
        None,
        "theatre",
        [T("“戏曲进乡村”演出季启动", "演出涵盖京剧、越剧、黄梅戏等剧种。", n=2, mentions=("京剧",), homonyms=("梅",))],
    ),
    (
        None,
        "folk_art",
        [
            T(
                "民间艺术博览会在{place}开幕",
                "博览会展出剪纸、皮影、泥塑等民间艺术精品。",
                n=2,
                mentions=("剪纸", "皮影"),
            )
        ],
    ),
    (None, "photography", [T("“山花烂漫”乡村摄影展获奖作品揭晓", "共有{n}幅作品获奖。", n=2)]),
    (None, "photography", [T("平遥古城旅游文化节开幕", "古城吸引了大批摄影爱好者前来采风。", n=2)]),
    (None, "photography", [T("长河落日摄影展开幕 民谣音乐会同期举办", "展览展出了黄河沿岸的风光摄影作品。")]),
    (None, "music", [T("竹笛独奏音乐会在{place}举行", "演奏家以竹笛演绎了《姑苏行》等名曲。", mentions=("竹",))]),
]

SLOTS = {
    "play": ["锁麟囊", "四郎探母", "定军山", "空城计", "杨门女将"],
    "drama": ["晨光", "远方的灯", "归途", "老街"],
    "acro": ["腾飞", "梦幻之旅", "丝路传奇"],
    "story": ["三打白骨精", "哪吒闹海", "大闹天宫"],
    "tune": ["百鸟朝凤", "庆丰收", "一枝花"],
    "film": ["山海之间", "逆光而行", "故乡的云"],
    "tv": ["山乡新貌", "大江东去", "家国同心"],
    "show": ["欢乐中国年", "春之声", "锦绣华章"],
    "show_art": ["舞蹈", "歌曲", "曲艺", "戏曲"],
    "theme": ["千里江山", "敦煌印象", "丝路花雨"],
}


@dataclass(frozen=True)
class Query:
    text: str
    kind: str
    target: str  # the entity the query asks for
    partial: tuple[str, ...] = ()  # documents about these are relevant in part (grade 1)


KINDS = [
    "one character",
    "two characters",
    "name, 3+ characters",
    "several words",
    "Chinese + English",
    "full-width Latin",
    "natural phrase",
]

QUERIES = [
    *(Query(char, "one character", char) for char in "梅鹤竹荷"),
    *(
        Query(word, "two characters", word)
        for word in ["京剧", "昆曲", "书法", "杂技", "剪纸", "皮影", "唢呐", "评弹", "苏绣", "篆刻"]
    ),
    *(
        Query(name, "name, 3+ characters", name)
        for name in [
            "秦岚舟",
            "秦岚月",
            "林砚秋",
            "沈知白",
            "顾北辰",
            "叶听澜",
            "温如琢",
            "韩梅笙",
            "周鹤年",
            "孟星河",
            "陆清禾",
            "唐砚农",
            "金鸡奖",
            "茅盾文学奖",
            "兰亭奖",
            "荷花奖",
            "牡丹奖",
            "山花奖",
            "金狮奖",
            "飞天奖",
            "墨梅图",
            "松鹤图",
            "长河谣",
            "雁归辞",
            "乌镇戏剧节",
        ]
    ),
    Query("平遥国际摄影大展", "name, 3+ characters", "平遥大展"),
    Query("京剧青年演员大赛", "name, 3+ characters", "京剧大赛"),
    Query("京剧 大赛", "several words", "京剧大赛", ("京剧",)),
    Query("吴桥 杂技", "several words", "吴桥杂技节", ("杂技",)),
    Query("平遥 摄影", "several words", "平遥大展"),
    Query("苏绣 非遗", "several words", "苏绣非遗", ("苏绣",)),
    Query("唢呐 专场", "several words", "唢呐专场", ("唢呐",)),
    Query("评弹 书场", "several words", "评弹书场", ("评弹",)),
    Query("秦岚舟 京剧", "several words", "秦岚舟"),
    Query("CCTV 春晚", "Chinese + English", "春晚"),
    Query("VR 展览", "Chinese + English", "VR展览"),
    Query("B站 国风", "Chinese + English", "B站国风"),
    Query("5G直播", "Chinese + English", "5G直播"),
    Query("ＣＣＴＶ 春晚", "full-width Latin", "春晚"),
    Query("ＶＲ展览", "full-width Latin", "VR展览"),
    Query("５Ｇ 直播", "full-width Latin", "5G直播"),
    Query("墨梅图在哪里展出", "natural phrase", "墨梅图"),
    Query("关于举办书法展览的通知", "natural phrase", "书法展览通知", ("书法",)),
    Query("秦岚舟的京剧专场什么时候演出", "natural phrase", "秦岚舟"),
    Query("金鸡奖获奖名单", "natural phrase", "金鸡奖"),
    Query("剪纸非遗传承人", "natural phrase", "剪纸传承人", ("剪纸",)),
]

# --- Filler: the bulk of the index, in a vocabulary without the entities ----------------------

FILLER_ARTS = ["文学", "戏剧", "电影", "音乐", "美术", "曲艺", "舞蹈", "摄影", "电视", "民间文艺"]  # no 书法, 杂技
FILLER_ARTICLES = [
    *network_benchmark.ARTICLE_TITLES,
    "{place}{art}作品展览开幕",
    "{art}专场演出在{place}举行",
    "{org}开展{art}非遗传承人培训",
    "{art}精品展在{place}展出",
    "{place}文艺直播活动吸引众多网友",
    "{region}青年{art}人才扶持计划启动",
    "{org}召开{art}创作座谈会",
    "{person}{art}作品研讨会在{place}举行",
    "“我们的节日”{art}展演在{place}举行",
    "{region}{art}家协会换届大会召开",
]
FILLER_NOTICES = [
    *network_benchmark.NOTICE_TITLES,
    "关于举办{year}年{region}{art}展览的通知",
    "关于{region}{art}大赛获奖名单的公示",
    "{org}关于开展{art}进基层活动的通知",
]
FILLER_SUMMARIES = [
    *network_benchmark.SUMMARIES,
    "活动由{org}主办，{place}文化馆承办，{person}等{art}家参加。",
    "作品将在{place}展出至{month}底，免费向公众开放。",
    "演出现场座无虚席，观众报以热烈的掌声。",
    "本次展览是{region}{art}界年度的一次集中展示。",
    "请有关单位于{month}前报送材料。",
]
FILLER_SURNAMES = "王李张刘陈杨黄赵吴徐孙马朱胡郭何高罗郑谢宋许冯邓曹彭曾田董袁潘蒋蔡余杜程魏吕丁任卢姚"
FILLER_GIVEN = [
    "建国",
    "秀英",
    "志强",
    "海燕",
    "文华",
    "晓明",
    "丽娟",
    "国庆",
    "振华",
    "春生",
    "玉兰",
    "建华",
    "明辉",
    "子涵",
    "雨桐",
    "浩然",
    "思远",
    "嘉怡",
    "俊杰",
    "欣怡",
    "文博",
    "立新",
    "红霞",
    "卫东",
    "爱民",
    "桂英",
    "志刚",
]
FILLER_TYPES = ["article"] * 70 + ["notice"] * 20 + ["profile"] * 10


# --- Building the corpus ----------------------------------------------------------------------


@dataclass
class Doc:
    page_type: str
    title: str
    summary: str
    art_forms: list[str]
    tags: list[str]
    subjects: frozenset[str] = frozenset()
    mentions: frozenset[str] = frozenset()
    role: str = "filler"  # "entity", "distractor" or "filler"
    site: Association | None = None  # the site whose name and region the text uses


@dataclass
class Corpus:
    documents: int
    sites: int
    by_type: dict[str, int]
    by_role: dict[str, int]
    queries: list[Query]
    judgments: dict[str, dict[int, int]]  # query text -> {IndexEntry id: grade}
    titles: dict[int, str]  # IndexEntry id -> title, for the judged and example documents
    seconds: float


def _closure(keys) -> set[str]:
    out = set()
    for key in keys:
        while key and key not in out:
            out.add(key)
            key = PARENTS.get(key)
    return out


def entity_documents(rng: random.Random, slots: Callable[[random.Random], dict]) -> list[Doc]:
    """The documents about the catalogue's entities and the distractors, each with what it is about."""
    docs = []
    for entity, art, templates in CATALOGUE:
        for template in templates:
            subjects = _closure(((entity,) if entity else ()) + template.also)
            mentions = _closure(template.mentions) - subjects
            for _ in range(template.n):
                words = slots(rng)
                doc = Doc(
                    page_type=template.type,
                    title=template.title.format(**words),
                    summary=template.summary.format(**words),
                    art_forms=[art],
                    tags=rng.sample(TAGS, 1),
                    subjects=frozenset(subjects),
                    mentions=frozenset(mentions),
                    role="entity" if subjects else "distractor",
                    site=words.get("_site"),
                )
                unrecorded = (
                    {ANCHORS[a] for a in ANCHOR_PATTERN.findall(_text(doc))}
                    - subjects
                    - mentions
                    - {ANCHORS[h] for h in template.homonyms}
                )
                if unrecorded:
                    raise ValueError(
                        f"Corpus template {template.title!r} names {sorted(unrecorded)} without judging it."
                    )
                docs.append(doc)
    return docs


def filler_document(rng: random.Random, slots: dict) -> Doc:
    """One document about none of the entities (regenerated until its text names none of them)."""
    for _ in range(50):
        page_type = rng.choice(FILLER_TYPES)
        words = {**slots, "art": rng.choice(FILLER_ARTS)}
        if page_type == "profile":
            title = words["person"]
            summary = "{region}{art}家，{org}会员，长期从事{art}创作，作品多次在{place}展出。".format(**words)
        else:
            title = rng.choice(FILLER_ARTICLES if page_type == "article" else FILLER_NOTICES).format(**words)
            summary = rng.choice(FILLER_SUMMARIES).format(**words)
        doc = Doc(
            page_type=page_type,
            title=title,
            summary=summary,
            art_forms=sorted({a.value for a in rng.sample(list(ArtForm), rng.randint(0, 2))}),
            tags=rng.sample(TAGS, rng.randint(1, 2)),
        )
        if not ANCHOR_PATTERN.search(_text(doc)):
            return doc
    raise ValueError("Could not draw a filler document without an entity name; check the filler vocabulary.")


def _text(doc: Doc) -> str:
    return normalize(" ".join([doc.title, doc.summary, *doc.tags, SECTIONS[doc.page_type][1]]))


@transaction.atomic
def build_corpus(
    *, documents: int = BAR_DOCUMENTS, sites: int | None = None, progress: Callable[[str], None] = print
) -> Corpus:
    """A registry of `sites` sites (bench_NNNN, no schemas) and `documents` content items in the national index.

    Deterministic: the same arguments build the same corpus. The entity documents and distractors
    are a fixed set; the rest, up to `documents`, is filler."""
    started = time.perf_counter()
    judged_count = sum(template.n for _, _, templates in CATALOGUE for template in templates)
    if documents < judged_count:
        raise ValueError(
            f"The search benchmark needs at least {judged_count} documents (its judged and distractor "
            f"documents); asked for {documents}."
        )
    sites = sites or min(BAR_SITES, max(5, documents // 100))
    network_benchmark.build_network(sites=sites, items_per_site=1, progress=progress)
    registry = list(Association.objects.filter(slug__startswith="bench-").order_by("pk"))
    # The registry's home and section entries stay (search skips them); its one feed item a site goes.
    IndexEntry.objects.filter(site__in=registry, page_type__in=CONTENT_TYPES).delete()
    parents = {site.pk: site.parent_id for site in registry}

    def ancestors(site: Association) -> list[int]:
        chain, current = [], site.parent_id
        while current is not None:
            chain.append(current)
            current = parents.get(current)
        return chain

    placement = {
        site.pk: {"site_kind": site.kind, "region": site.region, "ancestor_ids": ancestors(site)} for site in registry
    }
    rng = random.Random(SEED)
    now = timezone.now()

    def slots(rng: random.Random, site: Association | None = None) -> dict:
        site = site or rng.choice(registry)
        region = site.region if site.region in PROVINCES else rng.choice(PROVINCES)
        return {
            "place": place_name(rng.randrange(1024)),
            "region": region,
            "org": site.short_name,
            "n": rng.randint(2, 30),
            "year": now.year - rng.randint(0, 1),
            "month": f"{rng.randint(1, 12)}月",
            "person": rng.choice(FILLER_SURNAMES) + rng.choice(FILLER_GIVEN),
            "_site": site,
            **{name: rng.choice(values) for name, values in SLOTS.items()},
        }

    judged = entity_documents(rng, slots)
    progress(
        f"Corpus: {len(judged)} documents about the judged entities and distractors, "
        f"{documents - len(judged)} filler..."
    )
    # Judged documents are spread through the filler, at random positions and dates.
    positions = set(rng.sample(range(documents), len(judged)))
    judged_iter = iter(judged)
    next_page = dict.fromkeys(placement, 100)
    batch: list[tuple[IndexEntry, Doc]] = []
    kept: list[tuple[IndexEntry, Doc]] = []
    by_type: Counter = Counter()
    by_role: Counter = Counter()

    def flush():
        IndexEntry.objects.bulk_create([entry for entry, _ in batch], batch_size=2500)
        kept.extend((entry, doc) for entry, doc in batch if doc.role != "filler")
        batch.clear()

    for number in range(documents):
        words = slots(rng)
        doc = next(judged_iter) if number in positions else filler_document(rng, words)
        site = doc.site or words["_site"]
        page_id = next_page[site.pk]
        next_page[site.pk] += 1
        section_id, section_title, section_slug = SECTIONS[doc.page_type]
        published = now - datetime.timedelta(seconds=rng.uniform(0, 365 * 86400))
        url = f"http://{site.slug}.{DOMAIN_SUFFIX}/{section_slug}/p{page_id}/"
        entry = IndexEntry(
            site=site,
            page_id=page_id,
            page_type=doc.page_type,
            section_id=section_id,
            section_title=section_title,
            title=doc.title,
            summary=doc.summary,
            art_forms=doc.art_forms,
            tags=doc.tags,
            date=timezone.localdate(published),
            published_at=published,
            updated_at=published,
            url=url,
            canonical_url=url,
            **placement[site.pk],
        )
        # Exactly as cms.network.index._entries indexes a page
        entry.search_title = index_text(entry.title)
        entry.search_body = index_text(" ".join([entry.summary, " ".join(entry.tags), entry.section_title]))
        batch.append((entry, doc))
        by_type[doc.page_type] += 1
        by_role[doc.role] += 1
        if len(batch) >= 5000:
            flush()
            progress(f"  index: {number + 1}/{documents} documents")
    if batch:
        flush()
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {IndexEntry._meta.db_table}")

    judgments = {}
    for query in QUERIES:
        grades = {}
        for entry, doc in kept:
            if query.target in doc.subjects:
                grades[entry.pk] = 2
            elif query.target in doc.mentions or any(p in doc.subjects for p in query.partial):
                grades[entry.pk] = 1
        judgments[query.text] = grades
    return Corpus(
        documents=documents,
        sites=len(registry),
        by_type=dict(by_type),
        by_role=dict(by_role),
        queries=list(QUERIES),
        judgments=judgments,
        titles={entry.pk: entry.title for entry, _ in kept},
        seconds=time.perf_counter() - started,
    )


def add_baseline_index() -> None:
    """The expression index plain PostgreSQL search would have (not part of the models: benchmark only)."""
    with connection.cursor() as cursor:
        # Inside a transaction that just inserted rows (a test), their deferred foreign key checks must run first.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(
            f"CREATE INDEX IF NOT EXISTS {BASELINE_INDEX} ON {IndexEntry._meta.db_table} "
            f"USING gin (({BASELINE_VECTOR}))"
        )
        cursor.execute(f"ANALYZE {IndexEntry._meta.db_table}")


# --- The two systems --------------------------------------------------------------------------


def ours(query: str, first: int = TOP) -> list[int]:
    """National search as GraphQL's `search` runs it on the central host."""
    from cms.search.selectors import network_search

    return [hit.entry.pk for hit in network_search(query=query, first=first).hits]


BASELINE_SQL = f"""
SELECT id FROM {IndexEntry._meta.db_table}
WHERE page_type = ANY(%(types)s) AND {BASELINE_VECTOR} @@ plainto_tsquery('simple', %(q)s)
ORDER BY ts_rank({BASELINE_VECTOR}, plainto_tsquery('simple', %(q)s)) DESC, published_at DESC, id DESC
LIMIT %(first)s
"""  # noqa: S608 (our own table name)


def baseline(query: str, first: int = TOP) -> list[int]:
    """Plain PostgreSQL full text search on the unsegmented title and summary."""
    with connection.cursor() as cursor:
        cursor.execute(BASELINE_SQL, {"types": CONTENT_TYPES, "q": query, "first": first})
        return [row[0] for row in cursor.fetchall()]


SYSTEMS: dict[str, Callable[[str], list[int]]] = {"ours": ours, "plain": baseline}
SYSTEM_LABELS = {"ours": "ours: segmented (network_search)", "plain": "plain PostgreSQL, unsegmented"}


# --- Measuring --------------------------------------------------------------------------------


@dataclass
class Scores:
    precision: float
    recall: float
    ndcg: float


@dataclass
class Evaluation:
    per_query: dict[str, Scores]
    top: dict[str, list[int]]

    def mean(self, queries: list[Query] | None = None) -> Scores:
        rows = [self.per_query[q.text] for q in queries] if queries is not None else list(self.per_query.values())
        return Scores(
            precision=statistics.fmean(r.precision for r in rows),
            recall=statistics.fmean(r.recall for r in rows),
            ndcg=statistics.fmean(r.ndcg for r in rows),
        )


def score(ranked: list[int], grades: dict[int, int], k: int = TOP) -> Scores:
    """P@k = relevant (grade >= 1) in the top k / k; R@k = relevant in the top k / min(k, all relevant);
    nDCG@k with gain 2^grade - 1 and discount log2(rank + 1), ideal from all judged documents."""
    top = ranked[:k]
    found = sum(1 for pk in top if grades.get(pk, 0) > 0)
    relevant = sum(1 for grade in grades.values() if grade > 0)
    dcg = sum((2 ** grades.get(pk, 0) - 1) / math.log2(rank + 2) for rank, pk in enumerate(top))
    ideal = sum(
        (2**grade - 1) / math.log2(rank + 2) for rank, grade in enumerate(sorted(grades.values(), reverse=True)[:k])
    )
    return Scores(
        precision=found / k, recall=found / min(k, relevant) if relevant else 0.0, ndcg=dcg / ideal if ideal else 0.0
    )


def evaluate(corpus: Corpus, system: Callable[[str], list[int]]) -> Evaluation:
    per_query, top = {}, {}
    for query in corpus.queries:
        ranked = system(query.text)
        top[query.text] = ranked
        per_query[query.text] = score(ranked, corpus.judgments[query.text])
    return Evaluation(per_query=per_query, top=top)


def ideal(corpus: Corpus) -> Scores:
    """The best any system could score on these judgments (P@10 is below 1 when fewer than 10 are relevant)."""
    rows = []
    for query in corpus.queries:
        grades = corpus.judgments[query.text]
        best = sorted(grades, key=grades.get, reverse=True)
        rows.append(score(best, grades))
    return Scores(precision=statistics.fmean(r.precision for r in rows), recall=1.0, ndcg=1.0)


@dataclass
class Latency:
    p50_ms: float
    p95_ms: float
    samples: int
    slowest: list[tuple[str, float]] = field(default_factory=list)  # query, median ms


def measure_latency(corpus: Corpus, *, passes: int = PASSES) -> dict[str, Latency]:
    """Each system over the query set: one warm-up pass, then `passes` timed passes, the systems alternating."""
    samples: dict[str, dict[str, list[float]]] = {name: {q.text: [] for q in corpus.queries} for name in SYSTEMS}
    for number in range(passes + 1):
        for name, system in SYSTEMS.items():
            for query in corpus.queries:
                started = time.perf_counter()
                system(query.text)
                if number:
                    samples[name][query.text].append((time.perf_counter() - started) * 1000)
    return {name: _latency(per_query) for name, per_query in samples.items()}


def _latency(per_query: dict[str, list[float]]) -> Latency:
    values = [v for vs in per_query.values() for v in vs]
    slowest = sorted(((q, statistics.median(vs)) for q, vs in per_query.items()), key=lambda x: -x[1])[:3]
    return Latency(
        p50_ms=statistics.median(values), p95_ms=percentile(values, 95), samples=len(values), slowest=slowest
    )


SEARCH_QUERY = """query($q: String!) { search(query: $q, first: 10) {
  totalCount items { title url type snippet score site { name domain } } } }"""


def measure_http(
    *,
    base_url: str,
    corpus: Corpus,
    passes: int = PASSES,
    host: str = "localhost",
    progress: Callable[[str], None] = print,
) -> Latency:
    """GraphQL `search` on the central host over real HTTP (GET, Cache-Control: no-cache: every request runs)."""
    import json

    import requests as http

    session = http.Session()
    headers = {"Host": host, "Accept": "application/json", "Cache-Control": "no-cache"}
    samples: dict[str, list[float]] = {q.text: [] for q in corpus.queries}
    for number in range(passes + 1):
        progress(f"  HTTP pass {number + 1}/{passes + 1}{' (warm-up)' if not number else ''}...")
        for query in corpus.queries:
            params = {"query": SEARCH_QUERY, "variables": json.dumps({"q": query.text}, ensure_ascii=False)}
            started = time.perf_counter()
            response = session.get(base_url, params=params, headers=headers, timeout=60)
            elapsed = (time.perf_counter() - started) * 1000
            payload = response.json() if response.headers.get("Content-Type", "").startswith("application/json") else {}
            if response.status_code != 200 or payload.get("errors") or "data" not in payload:
                raise RuntimeError(f"search {query.text!r}: HTTP {response.status_code} {response.text[:300]}")
            if number:
                samples[query.text].append(elapsed)
    return _latency(samples)


# --- Report -----------------------------------------------------------------------------------

EXAMPLES = ["梅", "京剧", "秦岚月", "CCTV 春晚", "ＶＲ展览", "墨梅图在哪里展出"]


def report(
    corpus: Corpus,
    evaluations: dict[str, Evaluation],
    latency: dict[str, Latency],
    *,
    http: Latency | None = None,
    workers: int | None = None,
) -> str:
    relevant = [sum(1 for g in corpus.judgments[q.text].values() if g > 0) for q in corpus.queries]
    kinds = Counter(q.kind for q in corpus.queries)
    types = ", ".join(f"{corpus.by_type.get(t, 0):,} {t}s" for t in ("article", "notice", "profile"))
    at_bar = corpus.documents >= BAR_DOCUMENTS and corpus.sites >= BAR_SITES
    lines = [
        "Chinese search: relevance and latency. National search over the national index (one public table).",
        (
            f"Corpus: {corpus.documents:,} documents ({types}) on {corpus.sites:,} sites; "
            f"{corpus.by_role.get('entity', 0)} written about the judged entities, {corpus.by_role.get('distractor', 0)}"
            f" distractors, the rest filler in a vocabulary without the entities. Seed {SEED}; built and indexed in"
            f" {corpus.seconds:.1f} s."
        ),
        (f"Queries: {len(corpus.queries)}: " + ", ".join(f"{kind} {kinds[kind]}" for kind in KINDS) + "."),
        (
            f"Judgments come from how each document was generated (what it is about: grade 2; what it mentions: 1),"
            f" not from matching text. Relevant documents a query: min {min(relevant)}, median"
            f" {statistics.median(relevant):g}, max {max(relevant)}."
        ),
        (
            "Metrics at 10, mean over queries: P@10 = relevant (grade >= 1) in the top 10 / 10; R@10 = relevant in the"
            " top 10 / min(10, all relevant); nDCG@10 with gain 2^grade - 1, discount log2(rank + 1)."
        ),
        (
            "ours: cms.search.selectors.network_search(query=q, first=10): jieba-segmented title (weight A) and"
            " summary + tags + section (B), words or character phrases, ranked by ts_rank."
        ),
        (
            f"plain: {BASELINE_VECTOR} @@ plainto_tsquery('simple', q), ranked by ts_rank, content types only, with an"
            " expression GIN index for it."
        ),
        (
            f"Latency in-process around the call (ours includes parsing, snippets and the Python around the SQL;"
            f" plain is the SQL): {PASSES} passes over the query set after a warm-up pass."
            + (
                f" HTTP: GraphQL `search` (GET, no-cache) on the central host, gunicorn, {workers} workers,"
                f" same passes."
                if http
                else ""
            )
        ),
        "",
    ]
    header = f"{'system':34}{'P@10':>7}{'R@10':>7}{'nDCG@10':>9}{'p50 ms':>9}{'p95 ms':>9}"
    if http:
        header += f"{'HTTP p50':>10}{'HTTP p95':>10}"
    lines += [header, "-" * len(header)]
    for name, evaluation in evaluations.items():
        mean = evaluation.mean()
        line = (
            f"{SYSTEM_LABELS[name]:34}{mean.precision:>7.3f}{mean.recall:>7.3f}{mean.ndcg:>9.3f}"
            f"{latency[name].p50_ms:>9.1f}{latency[name].p95_ms:>9.1f}"
        )
        if http:
            line += f"{http.p50_ms:>10.1f}{http.p95_ms:>10.1f}" if name == "ours" else f"{'-':>10}{'-':>10}"
        lines.append(line)
    best = ideal(corpus)
    lines.append(f"{'ideal (the judgments themselves)':34}{best.precision:>7.3f}{best.recall:>7.3f}{best.ndcg:>9.3f}")
    lines += ["", "By query kind, nDCG@10 and R@10 (ours | plain):"]
    for kind in KINDS:
        group = [q for q in corpus.queries if q.kind == kind]
        if not group:
            continue
        o, p = evaluations["ours"].mean(group), evaluations["plain"].mean(group)
        lines.append(
            f"  {kind:22}{len(group):>3}   nDCG {o.ndcg:.3f} | {p.ndcg:.3f}   R@10 {o.recall:.3f} | {p.recall:.3f}"
        )
    lines += [
        "",
        "Slowest queries (median ms): "
        + "; ".join(f"{name}: " + ", ".join(f"{q} {ms:.1f}" for q, ms in latency[name].slowest) for name in latency),
    ]
    lines += ["", "Examples: our top 3 ([2] about it, [1] mentions it, [0] not relevant); plain's hits in its top 10:"]
    for text in EXAMPLES:
        if text not in corpus.judgments:
            continue
        grades = corpus.judgments[text]
        ours_top = evaluations["ours"].top[text][:3]
        plain_hits = sum(1 for pk in evaluations["plain"].top[text] if grades.get(pk, 0) > 0)
        ndcg = {name: evaluation.per_query[text].ndcg for name, evaluation in evaluations.items()}
        lines.append(
            f"  {text}  (relevant {sum(1 for g in grades.values() if g > 0)}; nDCG ours {ndcg['ours']:.2f},"
            f" plain {ndcg['plain']:.2f}; plain found {plain_hits})"
        )
        for rank, pk in enumerate(ours_top, 1):
            lines.append(f"    {rank}. [{grades.get(pk, 0)}] {corpus.titles.get(pk) or _title(pk)}")
        if not ours_top:
            lines.append("    (no results)")
    worst = max(latency["ours"].p95_ms, http.p95_ms if http else 0.0)
    size = "" if at_bar else f" (this run is smaller than the bar's {BAR_DOCUMENTS:,} documents on {BAR_SITES:,} sites)"
    lines += [
        "",
        (
            f"Bar (DESIGN.md 6): national search p95 under {BAR_MS:.0f} ms: "
            f"{'met' if worst < BAR_MS else 'NOT met'} -- ours p95 {latency['ours'].p95_ms:.1f} ms in-process"
            + (f", {http.p95_ms:.1f} ms over HTTP" if http else "")
            + f"{size}."
        ),
    ]
    return "\n".join(lines)


def _title(pk: int) -> str:
    return IndexEntry.objects.filter(pk=pk).values_list("title", flat=True).first() or f"#{pk}"
