"""The shared page-type library: every site uses the same page types and rules."""

from django.db import models
from django.utils import timezone
from grapple.models import GraphQLImage, GraphQLInt, GraphQLStreamfield, GraphQLString
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index

from .blocks import BodyBlock


class SitePage(Page):
    """Base of every page type in the library."""

    def get_template(self, request, *args, **kwargs):
        # Sites are headless; one built-in rendering lets editors see any page without a front end.
        return "pages/page.html"

    class Meta:
        abstract = True


class HomePage(SitePage):
    intro = RichTextField("首页导语", blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    graphql_fields = [GraphQLString("intro")]

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["pages.SectionPage"]
    max_count_per_parent = 1

    class Meta:
        verbose_name = "首页"
        verbose_name_plural = "首页"


class SectionPage(SitePage):
    """A section (栏目) such as 新闻动态 or 通知公告, with the cadence it promises."""

    intro = models.TextField("栏目简介", blank=True)
    update_cadence_days = models.PositiveSmallIntegerField(
        "更新周期（天）", default=7, help_text="栏目承诺的最长更新间隔，超过即视为长期未更新。"
    )

    content_panels = Page.content_panels + [FieldPanel("intro"), FieldPanel("update_cadence_days")]
    graphql_fields = [GraphQLString("intro"), GraphQLInt("update_cadence_days")]

    parent_page_types = ["pages.HomePage", "pages.SectionPage"]
    subpage_types = ["pages.SectionPage", "pages.ArticlePage"]

    class Meta:
        verbose_name = "栏目"
        verbose_name_plural = "栏目"


class ArticlePage(SitePage):
    subtitle = models.CharField("副标题", max_length=255, blank=True)
    author = models.CharField("作者", max_length=100, blank=True)
    source = models.CharField("来源", max_length=100, blank=True)
    date = models.DateField("发布日期", default=timezone.localdate)
    cover = models.ForeignKey(
        "media.SiteImage", verbose_name="封面图", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    summary = models.TextField("摘要", blank=True)
    body = StreamField(BodyBlock(), verbose_name="正文", blank=True)

    content_panels = Page.content_panels + [
        FieldPanel("subtitle"),
        FieldPanel("author"),
        FieldPanel("source"),
        FieldPanel("date"),
        FieldPanel("cover"),
        FieldPanel("summary"),
        FieldPanel("body"),
    ]
    search_fields = Page.search_fields + [index.SearchField("summary"), index.SearchField("body")]
    graphql_fields = [
        GraphQLString("subtitle"),
        GraphQLString("author"),
        GraphQLString("source"),
        GraphQLString("date"),
        GraphQLImage("cover"),
        GraphQLString("summary"),
        GraphQLStreamfield("body"),
    ]

    parent_page_types = ["pages.SectionPage"]
    subpage_types = []

    class Meta:
        verbose_name = "文章"
        verbose_name_plural = "文章"
