"""The demo network that `cms up` builds on first run: four sites with real Chinese content."""

from __future__ import annotations

import datetime
import io
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.files.images import ImageFile
from django.utils import timezone

from sites.models import Association
from sites.services import SiteAdmin, create_site

DEMO_MILESTONE = "demo-network-built"


@dataclass(frozen=True)
class DemoSite:
    slug: str
    name: str
    short_name: str
    kind: str
    domain: str
    region: str
    parent_slug: str | None
    colour: tuple[int, int, int]
    about: str
    address: str
    icp_number: str
    police_number: str
    site_code: str
    art_forms: list[str]
    news: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)


Kind = Association.Kind

SITES = [
    DemoSite(
        slug="cflac",
        name="中国文学艺术界联合会",
        short_name="中国文联",
        kind=Kind.NATIONAL_FEDERATION,
        domain="cflac.localhost",
        region="全国",
        parent_slug=None,
        colour=(178, 34, 34),
        address="北京市朝阳区北四环东路",
        icp_number="京ICP备00000001号",
        police_number="京公网安备11010502000001号",
        site_code="bm00000001",
        art_forms=[],
        about="中国文学艺术界联合会是中国共产党领导的由全国性文艺家协会，各省、自治区、直辖市文联和全国性产业文联组成的人民团体。",
        news=[
            "中国文联召开网络和信息化工作会议",
            "全国文联系统网站群建设推进会在京举行",
            "文艺志愿服务团走进基层开展慰问演出",
            "中国文联文艺评论奖评选结果揭晓",
            "中国文联举办新时代文艺人才培训班",
            "深入生活扎根人民主题实践活动启动",
            "中国文联发布年度文艺发展报告",
            "文艺界学习贯彻全国文代会精神座谈会召开",
        ],
        notices=[
            "关于征集文艺工作者意见建议的通知",
            "关于开展文联系统网站年度检查的通知",
            "关于举办全国文联网络信息员培训班的通知",
        ],
    ),
    DemoSite(
        slug="zuoxie",
        name="中国作家协会",
        short_name="中国作协",
        kind=Kind.NATIONAL_ASSOCIATION,
        domain="zuoxie.localhost",
        region="全国",
        parent_slug="cflac",
        colour=(25, 80, 150),
        address="北京市朝阳区农展馆南里",
        icp_number="京ICP备00000002号",
        police_number="京公网安备11010502000002号",
        site_code="bm00000002",
        art_forms=["literature"],
        about="中国作家协会是中国共产党领导的各民族作家自愿结合的专业性人民团体，是党和政府联系广大作家和文学工作者的桥梁和纽带。",
        news=[
            "中国作协召开新时代文学创作座谈会",
            "茅盾文学奖评奖工作启动",
            "网络文学重点作品扶持计划公布",
            "青年作家创作研讨班开班",
            "文学期刊编辑工作交流会举行",
            "中国作协组织作家深入乡村采风",
            "儿童文学创作论坛在沪举行",
            "少数民族文学翻译工程成果发布",
        ],
        notices=[
            "关于申报中国作家协会会员的通知",
            "关于报送年度重点作品选题的通知",
            "关于举办文学评论骨干培训班的通知",
        ],
    ),
    DemoSite(
        slug="meixie",
        name="中国美术家协会",
        short_name="中国美协",
        kind=Kind.NATIONAL_ASSOCIATION,
        domain="meixie.localhost",
        region="全国",
        parent_slug="cflac",
        colour=(34, 120, 70),
        address="北京市朝阳区北四环东路",
        icp_number="京ICP备00000003号",
        police_number="京公网安备11010502000003号",
        site_code="bm00000003",
        art_forms=["fine_arts"],
        about="中国美术家协会是中国共产党领导的、由全国各民族美术工作者组成的专业性人民团体。",
        news=[
            "全国美术作品展览开幕",
            "中国美协举办写生创作活动",
            "青年美术家提名展在京开展",
            "中国画创作研讨会召开",
            "美术馆公共教育工作交流会举行",
            "版画艺术大展巡展启动",
            "漫画艺术创作座谈会召开",
            "美术理论研究成果发布",
        ],
        notices=[
            "关于征集全国美术作品展览参展作品的通知",
            "关于申报中国美术家协会会员的通知",
            "关于举办美术评论人才培训班的通知",
        ],
    ),
    DemoSite(
        slug="beijing",
        name="北京市文学艺术界联合会",
        short_name="北京市文联",
        kind=Kind.PROVINCIAL,
        domain="beijing.localhost",
        region="北京",
        parent_slug="cflac",
        colour=(150, 90, 20),
        address="北京市西城区",
        icp_number="京ICP备00000004号",
        police_number="京公网安备11010202000004号",
        site_code="1100000004",
        art_forms=["theatre", "folk_art"],
        about="北京市文学艺术界联合会是北京市各文艺家协会和区文联组成的人民团体，团结首都广大文艺工作者繁荣文艺事业。",
        news=[
            "北京市文联召开全委会",
            "首都文艺界举办新春联欢活动",
            "北京国际文学艺术周开幕",
            "北京市文艺志愿者走进社区",
            "京剧传承创新研讨会召开",
            "北京民间文艺展演举行",
            "首都青年文艺人才扶持计划启动",
            "北京市文艺评论工作座谈会召开",
        ],
        notices=[
            "关于开展北京市文艺精品项目申报的通知",
            "关于征集首都文艺工作者意见建议的通知",
            "关于举办基层文联干部培训班的通知",
        ],
    ),
]

OPENINGS = [
    "{date}，{title}。{org}主要负责同志出席并讲话，来自各地的文艺工作者代表参加。",
    "{date}，由{org}主办的活动在北京举行，{title}，受到社会各界广泛关注。",
    "{title}。{date}，{org}有关负责同志介绍了相关工作的总体安排和主要特点。",
]
MIDDLES = [
    "会议指出，要坚持以人民为中心的创作导向，推出更多思想精深、艺术精湛、制作精良的优秀作品。",
    "与会代表围绕网络文艺、文艺评论和文艺志愿服务等议题深入交流，提出了许多具有建设性的意见建议。",
    "活动期间，文艺工作者深入基层、深入群众，用心用情用功开展创作，把优秀的文艺作品送到群众身边。",
    "会议强调，要推动文联系统网站互联互通，做到内容更新及时、信息准确权威，更好服务广大文艺工作者。",
]
CLOSINGS = [
    "下一步，{org}将认真总结经验，进一步完善工作机制，推动各项工作落地见效。",
    "{org}表示，将持续做好联络、协调、服务工作，为繁荣发展社会主义文艺作出新的贡献。",
]
NOTICE_BODY = (
    "各团体会员单位、各有关单位：\n根据年度工作安排，现就有关事项通知如下。请各单位高度重视，认真组织，"
    "于规定时间内将有关材料报送{org}办公室。\n特此通知。"
)


def network_is_built() -> bool:
    from cms.core.models import Milestone

    return Milestone.objects.filter(name=DEMO_MILESTONE).exists()


def build_demo_network(*, admin_password: str, progress: Callable[[str], None] = print) -> list[Association]:
    """Create every demo site that does not exist yet, then record that the demo is complete.

    Each site is created whole or not at all, so an interrupted first run resumes here.
    """
    from cms.core.models import Milestone

    built = []
    for index, spec in enumerate(SITES, start=1):
        existing = Association.objects.filter(slug=spec.slug).first()
        if existing:
            built.append(existing)
            continue
        progress(f"  [{index}/{len(SITES)}] {spec.name} ({spec.domain})")
        parent = Association.objects.get(slug=spec.parent_slug) if spec.parent_slug else None
        site = create_site(
            name=spec.name,
            short_name=spec.short_name,
            slug=spec.slug,
            kind=spec.kind,
            domain=spec.domain,
            parent=parent,
            region=spec.region,
            admin=SiteAdmin(username="admin", password=admin_password),
            populate=lambda spec=spec: populate_site(spec),
            progress=progress,
        )
        built.append(site)
    if not Milestone.objects.filter(name=DEMO_MILESTONE).exists():
        progress("  报送与下发示例")
        syndicate_demo_items(admin_password=admin_password)
    Milestone.objects.get_or_create(name=DEMO_MILESTONE)
    return built


def syndicate_demo_items(*, admin_password: str) -> None:
    """Items travelling along the hierarchy: two submissions to 中国文联 (one adopted, one declined)
    and a notice it pushes down to every site below it. Skipped where already done."""
    from django_tenants.utils import schema_context

    from cms.accounts.models import User
    from cms.network import syndication
    from cms.network.models import Syndication
    from cms.pages.models import ArticlePage, NoticePage, SectionPage

    if Syndication.objects.exists():
        return
    cflac, zuoxie, beijing = (Association.objects.get(slug=slug) for slug in ("cflac", "zuoxie", "beijing"))

    def first(site, model, slug):
        with schema_context(site.schema_name):
            return model.objects.get(slug=slug)

    adopted = syndication.submit(
        source_site=zuoxie,
        page_id=first(zuoxie, ArticlePage, "news-1").pk,
        target_site=cflac,
        user_name="admin",
        note="本会重要活动，请予采用。",
    )
    with schema_context(cflac.schema_name):
        news_section, editor = SectionPage.objects.get(slug="news"), User.objects.get(username="admin")
    syndication.accept(syndication_id=adopted.pk, receiver=cflac, section_id=news_section.pk, user=editor)
    declined = syndication.submit(
        source_site=beijing, page_id=first(beijing, ArticlePage, "news-2").pk, target_site=cflac, user_name="admin"
    )
    syndication.decline(
        syndication_id=declined.pk,
        receiver=cflac,
        reason="内容与全国文联网站栏目定位不符，建议在本地发布。",
        user_name="admin",
    )
    pushed = syndication.push(
        source_site=cflac,
        page_id=first(cflac, NoticePage, "notice-1").pk,
        targets=None,
        user_name="admin",
        note="请各单位转载。",
    )
    syndication.deliver_all(syndication_ids=[record.pk for record in pushed.created])


def populate_site(spec: DemoSite) -> None:
    """Articles, notices and the introduction, into the sections the site's theme made."""
    from wagtail.models import Site

    from cms.feedback.models import MailboxPage
    from cms.pages.models import ArticlePage, NoticePage, SectionPage, SiteSettings, StandardPage

    site = Site.objects.get(is_default_site=True)
    news = SectionPage.objects.get(slug="news")
    notices = SectionPage.objects.get(slug="notices")
    cover = _make_cover(spec)
    today = timezone.localdate()
    for number, title in enumerate(spec.news):
        date = today - datetime.timedelta(days=2 * number + 1)
        article = ArticlePage(
            title=title,
            slug=f"news-{number + 1}",
            author=f"{spec.short_name}宣传部",
            source=spec.short_name,
            date=date,
            summary=_opening(number, title, spec, date),
            cover=cover if number < 4 else None,
            art_forms=spec.art_forms,
            body=_news_body(number, title, spec, date, cover),
        )
        article.tags.add(*(["工作动态", "要闻"] if number < 3 else ["工作动态"]))
        _add(news, article)
    for number, title in enumerate(spec.notices):
        date = today - datetime.timedelta(days=5 * number + 2)
        body = [
            {
                "type": "paragraph",
                "value": "".join(f"<p>{line}</p>" for line in NOTICE_BODY.format(org=spec.short_name).split("\n")),
            }
        ]
        notice = NoticePage(
            title=title,
            slug=f"notice-{number + 1}",
            issuer=f"{spec.short_name}办公室",
            date=date,
            summary=title,
            expiry_date=date + datetime.timedelta(days=30),
            body=body,
        )
        notice.tags.add("通知")
        _add(notices, notice)
    feedback = SectionPage.objects.filter(slug="feedback").first()
    if feedback is not None:  # the opinions channel's standing mailbox, so the demo shows its form
        _add(
            feedback,
            MailboxPage(
                title="意见箱",
                slug="mailbox",
                description=f"欢迎文艺工作者和社会各界对{spec.short_name}的工作提出意见建议，我们将在15个工作日内答复。",
                categories="文艺创作\n权益保障\n组织建设\n其他",
            ),
        )
    introduction = StandardPage.objects.get(slug="introduction")
    introduction.body = [{"type": "paragraph", "value": f"<p>{spec.about}</p>"}]
    introduction.save_revision().publish()

    settings = SiteSettings.for_site(site)
    settings.address = spec.address
    settings.phone = "010-00000000"
    settings.save()
    # The filing data is the registry's (the central office keeps it; the footer reads it from there).
    Association.objects.filter(slug=spec.slug).update(
        sponsor=spec.name,
        icp_number=spec.icp_number,
        police_number=spec.police_number,
        site_code=spec.site_code,
        contact_phone="010-00000000",
        launch_date=datetime.date(2026, 1, 1),
    )


def _add(parent, page):
    parent.add_child(instance=page)
    page.save_revision().publish()
    return page


def _opening(number: int, title: str, spec: DemoSite, date: datetime.date) -> str:
    return OPENINGS[number % len(OPENINGS)].format(date=f"{date.month}月{date.day}日", title=title, org=spec.short_name)


def _news_body(number: int, title: str, spec: DemoSite, date: datetime.date, image) -> list:
    paragraphs = [
        _opening(number, title, spec, date),
        MIDDLES[number % len(MIDDLES)],
        MIDDLES[(number + 1) % len(MIDDLES)],
        CLOSINGS[number % len(CLOSINGS)].format(org=spec.short_name),
    ]
    # StreamField's raw (JSON) form: chooser blocks take ids.
    body = [{"type": "paragraph", "value": "".join(f"<p>{text}</p>" for text in paragraphs)}]
    if number % 3 == 0:
        body.append(
            {
                "type": "quote",
                "value": {
                    "text": "文艺是时代前进的号角，最能代表一个时代的风貌，最能引领一个时代的风气。",
                    "attribution": "",
                },
            }
        )
    if number % 2 == 0:
        body.insert(1, {"type": "image", "value": {"image": image.pk, "caption": f"{spec.short_name}活动现场"}})
    return body


def _make_cover(spec: DemoSite):
    """A plain cover image in the site's colour, stored in the site's own media folder."""
    from PIL import Image as PILImage

    from cms.media.models import SiteImage

    buffer = io.BytesIO()
    PILImage.new("RGB", (1200, 675), spec.colour).save(buffer, format="PNG")
    image = SiteImage(title=f"{spec.short_name}封面", caption=f"{spec.short_name}", credit=spec.short_name)
    image.file = ImageFile(buffer, name=f"{spec.slug}-cover.png")
    image.save()
    return image
