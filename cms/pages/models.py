"""The shared page-type library: every site uses the same page types and the same structure rules."""

from __future__ import annotations

import graphene
from django import forms
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.core.signing import TimestampSigner
from django.db import models
from django.utils import timezone
from grapple.models import (
    GraphQLField,
    GraphQLForeignKey,
    GraphQLImage,
    GraphQLInt,
    GraphQLRichText,
    GraphQLStreamfield,
    GraphQLString,
)
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey
from taggit.models import TaggedItemBase
from wagtail import blocks
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    HelpPanel,
    MultiFieldPanel,
    ObjectList,
    TabbedInterface,
)
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index
from wagtail_headless_preview.models import HeadlessPreviewMixin, PagePreview

from cms.media.origin import complete_url, host_of, public_origin

from .blocks import BodyBlock, ImageWithCaptionBlock
from .preview import PreviewTokenError, check_preview_token, preview_signer
from .taxonomy import ArtForm

SECTION_CHILDREN = [
    "pages.SectionPage",
    "pages.ArticlePage",
    "pages.NoticePage",
    "pages.EventPage",
    "pages.ProfilePage",
    "pages.WorkPage",
    "pages.StandardPage",
]


class ArtFormType(graphene.ObjectType):
    code = graphene.String(required=True)
    name = graphene.String(required=True)


def art_forms_field():
    return GraphQLField(
        "art_forms_display", graphene.List(graphene.NonNull(ArtFormType), required=True), source="art_forms_display"
    )


class ProvenanceType(graphene.ObjectType):
    """Where a syndicated copy came from (转载来源); null on a site's own items."""

    source_site = graphene.String(required=True, description="The site the item was first published on")
    source_url = graphene.String(required=True, description="Its address there")
    canonical_url = graphene.String(
        required=True, description="The address search engines should treat as the original"
    )
    syndication_id = graphene.ID(required=True)


def provenance_field():
    return GraphQLField("provenance", ProvenanceType, source="provenance")


def tags_field():
    return GraphQLField(
        "tag_names", graphene.List(graphene.NonNull(graphene.String), required=True), source="tag_names"
    )


class SitePage(HeadlessPreviewMixin, Page):
    """Base of every page type in the library.

    Preview goes to the front end registered in the site's settings, with a token that is
    signed for this site only and expires; a site without a front end gets the built-in
    rendering instead.
    """

    class Meta:
        abstract = True

    def get_template(self, request, *args, **kwargs):
        # Sites are headless; one built-in rendering lets editors see any page without a front end.
        return "pages/page.html"

    def get_url_parts(self, request=None):
        """Wagtail's parts with the site's root on the public scheme and port (Wagtail's Site knows port 80
        only): every absolute URL of a page (full_url, the preview's request, the index) carries them."""
        parts = super().get_url_parts(request)
        if parts is None or not parts[1]:
            return parts
        site_id, root_url, page_path = parts
        return site_id, public_origin(host_of(root_url)), page_path

    def get_client_root_url(self, request) -> str:
        return SiteSettings.for_request(request).frontend_url.rstrip("/") + "/"

    def serve_preview(self, request, preview_mode):
        if not SiteSettings.for_request(request).frontend_url:
            return Page.serve_preview(self, request, preview_mode)
        return HeadlessPreviewMixin.serve_preview(self, request, preview_mode)

    @classmethod
    def get_preview_signer(cls) -> TimestampSigner:
        return preview_signer()

    @classmethod
    def get_page_from_preview_token(cls, token: str):
        """Raises PreviewTokenError (a bad request: the API answers it with a 400) for a token it refuses."""
        check_preview_token(token)
        preview = PagePreview.objects.filter(token=token).first()
        if preview is None:
            raise PreviewTokenError("The preview token is no longer known; preview again from the admin.")
        return preview.as_page()


class ContentPageForm(WagtailAdminPageForm):
    """Fields with a callable default (the date: today) would get Django's hidden "initial-" input, which the
    admin's panels never render; without it every submit counts them as changed, so a reviewer's 通过 in the page
    editor saved a revision as theirs (and was then refused as the last editor). Compared with the page's value."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.show_hidden_initial = False


class ContentPage(SitePage):
    """Fields every dated content item shares: date, summary, cover, art forms, tags."""

    base_form_class = ContentPageForm

    date = models.DateField("发布日期", default=timezone.localdate, db_index=True)
    summary = models.TextField("摘要", blank=True)
    cover = models.ForeignKey(
        "media.SiteImage", verbose_name="封面图", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    art_forms = ArrayField(
        models.CharField(max_length=20, choices=ArtForm.choices),
        verbose_name="艺术门类",
        default=list,
        blank=True,
    )
    # Provenance of a copy made by syndication (cms/network); empty on a site's own items.
    source_site_name = models.CharField("来源网站", max_length=100, blank=True, editable=False)
    source_url = models.CharField("来源地址", max_length=500, blank=True, editable=False)
    canonical_url = models.CharField("规范地址", max_length=500, blank=True, editable=False)
    syndication_id = models.IntegerField("转载记录", null=True, blank=True, editable=False)

    class Meta:
        abstract = True

    shared_panels = [
        FieldRowPanel([FieldPanel("date")]),
        FieldPanel("summary"),
        FieldPanel("cover"),
        FieldPanel("art_forms", widget=forms.CheckboxSelectMultiple(choices=ArtForm.choices)),
        FieldPanel("tags"),
    ]
    search_fields = Page.search_fields + [index.SearchField("summary"), index.FilterField("date")]
    shared_graphql_fields = [
        GraphQLString("date", required=True),
        GraphQLString("summary", required=True),
        GraphQLImage("cover"),
        art_forms_field,
        tags_field,
        provenance_field,
    ]

    @property
    def provenance(self) -> dict | None:
        if not self.syndication_id:
            return None
        return {
            "source_site": self.source_site_name,
            "source_url": complete_url(self.source_url),
            "canonical_url": complete_url(self.canonical_url),
            "syndication_id": self.syndication_id,
        }

    @property
    def art_forms_display(self) -> list[dict]:
        return [{"code": code, "name": ArtForm(code).label} for code in self.art_forms if code in ArtForm.values]

    @property
    def tag_names(self) -> list[str]:
        # .all() so that a prefetch of `tags` is used.
        return sorted(tag.name for tag in self.tags.all())


class HomePage(SitePage):
    intro = RichTextField("首页导语", blank=True, features=["bold", "italic", "link"])

    content_panels = Page.content_panels + [FieldPanel("intro")]
    graphql_fields = [GraphQLRichText("intro")]

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["pages.SectionPage", "pages.StandardPage"]
    max_count_per_parent = 1

    class Meta:
        verbose_name = "首页"
        verbose_name_plural = "首页"


class SectionPage(SitePage):
    """A section (栏目) such as 新闻动态 or 通知公告, with the update cadence it promises."""

    intro = models.TextField("栏目简介", blank=True)
    update_cadence_days = models.PositiveSmallIntegerField(
        "更新周期（天）", default=7, help_text="栏目承诺的最长更新间隔，超过即视为长期未更新。"
    )

    content_panels = Page.content_panels + [FieldPanel("intro"), FieldPanel("update_cadence_days")]
    graphql_fields = [GraphQLString("intro", required=True), GraphQLInt("update_cadence_days", required=True)]

    parent_page_types = ["pages.HomePage", "pages.SectionPage"]
    subpage_types = SECTION_CHILDREN

    class Meta:
        verbose_name = "栏目"
        verbose_name_plural = "栏目"


class ArticlePageTag(TaggedItemBase):
    content_object = ParentalKey("pages.ArticlePage", related_name="tagged_items", on_delete=models.CASCADE)


class ArticlePage(ContentPage):
    subtitle = models.CharField("副标题", max_length=255, blank=True)
    author = models.CharField("作者", max_length=100, blank=True)
    source = models.CharField("来源", max_length=100, blank=True)
    body = StreamField(BodyBlock(), verbose_name="正文", blank=True)
    tags = ClusterTaggableManager(through=ArticlePageTag, blank=True, verbose_name="标签")

    content_panels = Page.content_panels + [
        FieldPanel("subtitle"),
        FieldRowPanel([FieldPanel("author"), FieldPanel("source")]),
        *ContentPage.shared_panels,
        FieldPanel("body"),
    ]
    search_fields = ContentPage.search_fields + [
        index.SearchField("subtitle"),
        index.SearchField("author"),
        index.SearchField("body"),
    ]
    graphql_fields = [
        GraphQLString("subtitle", required=True),
        GraphQLString("author", required=True),
        GraphQLString("source", required=True),
        *ContentPage.shared_graphql_fields,
        GraphQLStreamfield("body"),
    ]

    parent_page_types = ["pages.SectionPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = "文章"
        verbose_name_plural = "文章"


class NoticePageTag(TaggedItemBase):
    content_object = ParentalKey("pages.NoticePage", related_name="tagged_items", on_delete=models.CASCADE)


class NoticePage(ContentPage):
    """通知公告: a notice that stops being current after its expiry date."""

    issuer = models.CharField("发文单位", max_length=100, blank=True)
    expiry_date = models.DateField("有效期至", null=True, blank=True, help_text="过期后前端可标注为已过期。")
    body = StreamField(BodyBlock(), verbose_name="正文", blank=True)
    tags = ClusterTaggableManager(through=NoticePageTag, blank=True, verbose_name="标签")

    content_panels = Page.content_panels + [
        FieldRowPanel([FieldPanel("issuer"), FieldPanel("expiry_date")]),
        *ContentPage.shared_panels,
        FieldPanel("body"),
    ]
    search_fields = ContentPage.search_fields + [index.SearchField("body")]
    graphql_fields = [
        GraphQLString("issuer", required=True),
        GraphQLString("expiry_date"),
        GraphQLField("is_expired", graphene.Boolean, required=True, source="is_expired"),
        *ContentPage.shared_graphql_fields,
        GraphQLStreamfield("body"),
    ]

    parent_page_types = ["pages.SectionPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = "通知公告"
        verbose_name_plural = "通知公告"

    @property
    def is_expired(self) -> bool:
        return bool(self.expiry_date and self.expiry_date < timezone.localdate())

    def clean(self):
        super().clean()
        if self.expiry_date and self.date and self.expiry_date < self.date:
            raise ValidationError({"expiry_date": "有效期不能早于发布日期。"})


class EventPageTag(TaggedItemBase):
    content_object = ParentalKey("pages.EventPage", related_name="tagged_items", on_delete=models.CASCADE)


class EventPage(ContentPage):
    start = models.DateTimeField("开始时间")
    end = models.DateTimeField("结束时间", null=True, blank=True)
    venue = models.CharField("地点", max_length=200, blank=True)
    organiser = models.CharField("主办单位", max_length=200, blank=True)
    registration_url = models.URLField("报名链接", blank=True)
    body = StreamField(BodyBlock(), verbose_name="活动介绍", blank=True)
    tags = ClusterTaggableManager(through=EventPageTag, blank=True, verbose_name="标签")

    content_panels = Page.content_panels + [
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("start"), FieldPanel("end")]),
                FieldPanel("venue"),
                FieldPanel("organiser"),
                FieldPanel("registration_url"),
            ],
            heading="活动信息",
        ),
        *ContentPage.shared_panels,
        FieldPanel("body"),
    ]
    search_fields = ContentPage.search_fields + [index.SearchField("venue"), index.SearchField("body")]
    graphql_fields = [
        GraphQLString("start", required=True),
        GraphQLString("end"),
        GraphQLString("venue", required=True),
        GraphQLString("organiser", required=True),
        GraphQLString("registration_url", required=True),
        *ContentPage.shared_graphql_fields,
        GraphQLStreamfield("body"),
    ]

    parent_page_types = ["pages.SectionPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = "活动"
        verbose_name_plural = "活动"

    def clean(self):
        super().clean()
        if self.start and self.end and self.end < self.start:
            raise ValidationError({"end": "结束时间不能早于开始时间。"})


class ProfilePageTag(TaggedItemBase):
    content_object = ParentalKey("pages.ProfilePage", related_name="tagged_items", on_delete=models.CASCADE)


class ProfilePage(ContentPage):
    """An artist or member profile (艺术家 / 会员)."""

    name = models.CharField("姓名", max_length=100)
    honorific = models.CharField("职务或称号", max_length=200, blank=True)
    birth_year = models.PositiveSmallIntegerField("出生年份", null=True, blank=True)
    hometown = models.CharField("籍贯", max_length=100, blank=True)
    biography = StreamField(BodyBlock(), verbose_name="简介", blank=True)
    tags = ClusterTaggableManager(through=ProfilePageTag, blank=True, verbose_name="标签")

    content_panels = Page.content_panels + [
        FieldRowPanel([FieldPanel("name"), FieldPanel("honorific")]),
        FieldRowPanel([FieldPanel("birth_year"), FieldPanel("hometown")]),
        *ContentPage.shared_panels,
        FieldPanel("biography"),
    ]
    search_fields = ContentPage.search_fields + [index.SearchField("name"), index.SearchField("biography")]
    graphql_fields = [
        GraphQLString("name", required=True),
        GraphQLString("honorific", required=True),
        GraphQLInt("birth_year"),
        GraphQLString("hometown", required=True),
        *ContentPage.shared_graphql_fields,
        GraphQLStreamfield("biography"),
    ]

    parent_page_types = ["pages.SectionPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = "艺术家"
        verbose_name_plural = "艺术家"


class WorkPageTag(TaggedItemBase):
    content_object = ParentalKey("pages.WorkPage", related_name="tagged_items", on_delete=models.CASCADE)


class WorkPage(ContentPage):
    """作品: a work by an artist, with its images."""

    category = models.CharField("作品类别", max_length=50, blank=True, help_text="例如：中国画、长篇小说、京剧。")
    year = models.PositiveSmallIntegerField("创作年份", null=True, blank=True)
    artist = models.ForeignKey(
        "pages.ProfilePage", verbose_name="作者", null=True, blank=True, on_delete=models.SET_NULL, related_name="works"
    )
    images = StreamField([("image", ImageWithCaptionBlock())], verbose_name="作品图片", blank=True)
    description = StreamField(BodyBlock(), verbose_name="作品介绍", blank=True)
    tags = ClusterTaggableManager(through=WorkPageTag, blank=True, verbose_name="标签")

    content_panels = Page.content_panels + [
        FieldRowPanel([FieldPanel("category"), FieldPanel("year")]),
        FieldPanel("artist"),
        FieldPanel("images"),
        *ContentPage.shared_panels,
        FieldPanel("description"),
    ]
    search_fields = ContentPage.search_fields + [index.SearchField("category"), index.SearchField("description")]
    graphql_fields = [
        GraphQLString("category", required=True),
        GraphQLInt("year"),
        GraphQLForeignKey("artist", "pages.ProfilePage"),
        GraphQLStreamfield("images"),
        *ContentPage.shared_graphql_fields,
        GraphQLStreamfield("description"),
    ]

    parent_page_types = ["pages.SectionPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = "作品"
        verbose_name_plural = "作品"


class StandardPage(SitePage):
    """A plain page: 关于我们, 联系方式 and the like."""

    body = StreamField(BodyBlock(), verbose_name="正文", blank=True)

    content_panels = Page.content_panels + [FieldPanel("body")]
    search_fields = Page.search_fields + [index.SearchField("body")]
    graphql_fields = [GraphQLStreamfield("body")]

    parent_page_types = ["pages.HomePage", "pages.SectionPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = "普通页面"
        verbose_name_plural = "普通页面"


class NavigationItemBlock(blocks.StructBlock):
    label = blocks.CharBlock(label="显示名称", required=False, help_text="留空则使用页面标题。")
    page = blocks.PageChooserBlock(label="页面", required=False)
    url = blocks.URLBlock(label="外部链接", required=False)

    class Meta:
        icon = "link"
        label = "菜单项"

    def clean(self, value):
        value = super().clean(value)
        if bool(value.get("page")) == bool(value.get("url")):
            raise blocks.StructBlockValidationError(
                block_errors={"page": ValidationError("请选择页面或填写外部链接（二选一）。")}
            )
        return value


class NavigationMenuBlock(NavigationItemBlock):
    children = blocks.ListBlock(NavigationItemBlock(), label="下级菜单", required=False, default=[])

    class Meta:
        icon = "list-ul"
        label = "菜单"


@register_setting(icon="cog")
class SiteSettings(BaseSiteSetting):
    """One site's settings: footer and compliance data, navigation, front end for previews."""

    sponsor = models.CharField("主办单位", max_length=200, blank=True)
    operator = models.CharField("承办单位", max_length=200, blank=True)
    address = models.CharField("地址", max_length=200, blank=True)
    postcode = models.CharField("邮编", max_length=10, blank=True)
    phone = models.CharField("电话", max_length=50, blank=True)
    email = models.EmailField("电子邮箱", blank=True)
    icp_number = models.CharField("ICP备案号", max_length=50, blank=True, help_text="例如：京ICP备12345678号")
    police_number = models.CharField(
        "公安备案号", max_length=50, blank=True, help_text="例如：京公网安备11010102000001号"
    )
    site_code = models.CharField("网站标识码", max_length=30, blank=True)
    copyright = models.CharField("版权声明", max_length=200, blank=True)
    logo = models.ForeignKey(
        "media.SiteImage", verbose_name="网站标志", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    navigation = StreamField([("menu", NavigationMenuBlock())], verbose_name="导航菜单", blank=True)
    design_tokens = models.JSONField(
        "设计参数", default=dict, blank=True, help_text="颜色、字体等，由网站模板提供，前端通过 GraphQL 读取。"
    )
    frontend_url = models.URLField(
        "前端地址",
        blank=True,
        help_text="本站前端网站的地址，编辑预览草稿时将跳转到这里；留空则使用内置预览。",
    )
    require_two_factor = models.BooleanField(
        "所有用户须启用两步验证",
        default=False,
        help_text="管理员始终须启用两步验证；勾选后，本站所有用户（包括编辑）登录后台时都须使用手机验证码。",
    )

    # Sponsor and filing numbers (and the fields above, kept for older data) are the central office's
    # registry's now (sites.Association): the footer and the API read them from there.
    footer_panels = [
        HelpPanel(
            "<p>主办单位、ICP备案号、公安备案号和网站标识码由中央管理平台在“网站群”登记中维护，页脚自动显示。</p>"
        ),
        FieldPanel("operator"),
        FieldRowPanel([FieldPanel("address"), FieldPanel("postcode")]),
        FieldRowPanel([FieldPanel("phone"), FieldPanel("email")]),
        FieldPanel("copyright"),
        FieldPanel("logo"),
    ]
    edit_handler = TabbedInterface(
        [
            ObjectList(footer_panels, heading="页脚与备案"),
            ObjectList([FieldPanel("navigation")], heading="导航菜单"),
            ObjectList([FieldPanel("frontend_url"), FieldPanel("design_tokens")], heading="前端与预览"),
            ObjectList([FieldPanel("require_two_factor")], heading="登录安全"),
        ]
    )

    class Meta:
        verbose_name = "网站设置"
        verbose_name_plural = "网站设置"
