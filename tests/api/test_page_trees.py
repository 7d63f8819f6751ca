"""The page-tree cache (cms/api/page_trees.py): each published page's resolved subtree, reused by executed
queries, equal to what execution without it gives, moved on by every change, never shared between sites."""

from urllib.parse import parse_qs, urlparse

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from cms.api import page_trees
from cms.api.examples import TYPICAL_PAGE_QUERY
from cms.media.models import SiteDocument
from cms.pages.models import ArticlePage, EventPage, NoticePage, ProfilePage, SiteSettings, WorkPage
from tests.api.conftest import post_graphql
from tests.api.test_preview import preview_as_editor
from tests.conftest import HOSTS
from tests.factories import make_document, make_image, make_section, publish, rich_body

NO_CACHE = {"HTTP_CACHE_CONTROL": "no-cache"}  # the answer cache is skipped: every request executes

# Every block type of the library, every content page type, and the page fields around them.
EVERY_BLOCK = """
fragment Body on StreamFieldInterface {
  blockType field id __typename
  ... on RichTextBlock { value rawValue }
  ... on ImageWithCaptionBlock { caption image { id title width height url srcSet(sizes: [320, 640])
                                                 rendition(width: 800) { url width height } } }
  ... on GalleryBlock { title images { ... on ImageWithCaptionBlock { caption image { rendition(fill: "320x240") { url } } } } }
  ... on QuoteBlock { text attribution }
  ... on AttachmentBlock { title document { id url title } }
  ... on TableBlock { rows firstRowIsHeader firstColIsHeader caption }
  ... on EmbedBlock { url }
}
query Every($kind: ContentKind!, $fill: String = "640x360") {
  contentPages(kind: $kind, first: 10) {
    items {
      id title url slug depth seoTitle searchDescription firstPublishedAt lastPublishedAt contentType __typename
      parent { id title url }
      ... on ArticlePage { subtitle author source date summary tagNames artFormsDisplay { code name }
                           cover { url rendition(fill: $fill) { url width height } } body { ...Body } }
      ... on NoticePage { issuer expiryDate isExpired body { ...Body } }
      ... on EventPage { start end venue organiser registrationUrl body { ...Body } }
      ... on ProfilePage { name honorific birthYear hometown biography { ...Body } }
      ... on WorkPage { category year artist { id title } images { ...Body } description { ...Body } }
    }
  }
}
"""


def execute(client, query, host=HOSTS["alpha"], variables=None):
    response = post_graphql(client, query, host, variables, **NO_CACHE)
    assert response.status_code == 200, response.content
    payload = response.json()
    assert "errors" not in payload, payload["errors"]
    return payload["data"]


@pytest.fixture
def library(alpha):
    """One published page of every content type in alpha, each body holding every block type, with links."""
    section = make_section(alpha, "新闻动态", "news")
    image, document = make_image(alpha, "封面"), make_document(alpha, "会议材料")
    with schema_context(alpha.schema_name):
        profile = publish(
            section,
            ProfilePage(
                title="秦岚舟", name="秦岚舟", honorific="京剧表演艺术家", biography=rich_body(image, document)
            ),
        )
        article = ArticlePage(
            title="京剧专场演出",
            date="2026-11-30",
            summary="摘要",
            author="宣传部",
            cover=image,
            art_forms=["theatre"],
            body=rich_body(image, document, text="正文", link_to=profile),
        )
        article.tags.add("演出", "京剧")
        pages = {
            "article": publish(section, article),
            "notice": publish(
                section,
                NoticePage(
                    title="通知",
                    issuer="办公室",
                    date="2026-01-05",
                    expiry_date="2026-01-31",
                    body=rich_body(image, document),
                ),
            ),
            "event": publish(
                section,
                EventPage(
                    title="活动", start="2026-12-01T19:30:00+08:00", venue="大剧院", body=rich_body(image, document)
                ),
            ),
            "profile": profile,
            "work": publish(
                section,
                WorkPage(
                    title="墨梅图",
                    category="中国画",
                    artist=profile,
                    images=[{"type": "image", "value": {"image": image.pk, "caption": "局部"}}],
                    description=rich_body(image, document),
                ),
            ),
        }
    return {"section": section, "image": image, "document": document, "pages": pages}


def test_answers_with_the_cache_equal_answers_without_it_for_every_block_and_page_type(client, library, settings):
    # Given every content type with every block type, and the answers of execution without the page-tree cache
    settings.CMS_GRAPHQL_PAGE_CACHE_MB = 0
    queries = [(TYPICAL_PAGE_QUERY, None)] + [(EVERY_BLOCK, {"kind": kind}) for kind in library["pages"]]
    queries.append((EVERY_BLOCK, {"kind": "ARTICLE", "fill": "320x240"}))  # a variable inside the page's selection
    queries = [(q, {**v, "kind": v["kind"].upper()} if v else None) for q, v in queries]
    expected = [execute(client, query, variables=variables) for query, variables in queries]
    assert page_trees.stats()["entries"] == 0
    # When the same queries run with the cache, first filling it, then answered from it
    settings.CMS_GRAPHQL_PAGE_CACHE_MB = 32
    filled = [execute(client, query, variables=variables) for query, variables in queries]
    hits_before = page_trees.stats()["hits"]
    reused = [execute(client, query, variables=variables) for query, variables in queries]
    # Then every answer is the same, and the second round came from the cache
    assert filled == expected and reused == expected
    assert (
        page_trees.stats()["hits"] - hits_before == 7
    )  # one page per EVERY_BLOCK query; the typical one has 1 article
    kinds = {item["__typename"] for answer in expected[1:] for item in answer["contentPages"]["items"]}
    assert kinds == {"ArticlePage", "NoticePage", "EventPage", "ProfilePage", "WorkPage"}
    article = expected[1]["contentPages"]["items"][0]
    assert {block["blockType"] for block in article["body"]} == {
        "RichTextBlock",
        "ImageWithCaptionBlock",
        "GalleryBlock",
        "QuoteBlock",
        "AttachmentBlock",
        "TableBlock",
        "EmbedBlock",
    }
    # (the variable in the selection is part of the key: another fill is another rendition)
    assert expected[-1] != expected[1]


def test_publishing_an_edit_or_changing_a_document_changes_the_next_answer(client, alpha, library):
    # Given an executed answer cached in the page-tree cache
    query, variables = EVERY_BLOCK, {"kind": "ARTICLE"}
    before = execute(client, query, variables=variables)
    assert execute(client, query, variables=variables) == before
    # When an editor publishes a new body and title for the article
    with schema_context(alpha.schema_name):
        article = ArticlePage.objects.get(pk=library["pages"]["article"].pk)
        article.title = "京剧专场演出（改期）"
        article.body = [{"type": "quote", "value": {"text": "新的引文", "attribution": ""}}]
        article.save_revision().publish()
    # Then the next executed answer has the edit
    edited = execute(client, query, variables=variables)["contentPages"]["items"][0]
    assert edited["title"] == "京剧专场演出（改期）"
    assert [block["blockType"] for block in edited["body"]] == ["QuoteBlock"]
    # When a document the notice's body links to is renamed (the page itself is not saved)
    notice_query = {"kind": "NOTICE"}
    execute(client, query, variables=notice_query)
    with schema_context(alpha.schema_name):
        document = SiteDocument.objects.get(pk=library["document"].pk)
        document.title = "会议材料（修订）"
        document.save()
    # Then the next answer names it
    notice = execute(client, query, variables=notice_query)["contentPages"]["items"][0]
    assert [b["document"]["title"] for b in notice["body"] if b["blockType"] == "AttachmentBlock"] == [
        "会议材料（修订）"
    ]


def _align_sequences(alpha, beta):
    """The next page and revision ids of alpha and beta made equal (each schema has its own sequences)."""
    for table in ("wagtailcore_page", "wagtailcore_revision"):
        values = {}
        for site in (alpha, beta):
            with schema_context(site.schema_name), connection.cursor() as cursor:
                cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
                sequence = cursor.fetchone()[0]
                cursor.execute(f"SELECT last_value FROM {sequence}")  # noqa: S608 (a sequence's own name)
                values[site.slug] = (sequence, cursor.fetchone()[0])
        target = max(value for _, value in values.values()) + 100
        for site in (alpha, beta):
            with schema_context(site.schema_name), connection.cursor() as cursor:
                cursor.execute("SELECT setval(%s, %s)", [values[site.slug][0], target])


def test_two_sites_pages_with_the_same_id_and_revision_never_share_a_subtree(client, alpha, beta):
    # Given a page in alpha and one in beta with the same id and the same revision id
    _align_sequences(alpha, beta)
    sections = {site.slug: make_section(site, "新闻动态", "news") for site in (alpha, beta)}
    _align_sequences(alpha, beta)
    pages = {}
    for site, title in ((alpha, "甲站的文章"), (beta, "乙站的文章")):
        with schema_context(site.schema_name):
            pages[site.slug] = publish(sections[site.slug], ArticlePage(title=title, date="2026-11-30", summary=title))
    assert pages["alpha"].pk == pages["beta"].pk
    assert pages["alpha"].live_revision_id == pages["beta"].live_revision_id
    query = "{ contentPages(first: 1) { items { id title ... on ArticlePage { summary } } } }"
    # When both sites answer the same query, twice each, alternating
    answers = [execute(client, query, host=HOSTS[slug]) for slug in ("alpha", "beta", "alpha", "beta")]
    # Then each site answers with its own page every time
    assert [a["contentPages"]["items"][0]["title"] for a in answers] == ["甲站的文章", "乙站的文章"] * 2
    assert page_trees.stats()["hits"] >= 2
    # (and every cached subtree is keyed by the schema it was read from)
    assert {key[0] for key in page_trees._store._entries} == {alpha.schema_name, beta.schema_name}


def test_the_cached_path_keeps_the_query_count_constant_and_low(client, alpha, library, settings):
    # Given the typical front page over 1 article (run once without the cache: renditions are made on first use)
    settings.CMS_GRAPHQL_PAGE_CACHE_MB = 0
    execute(client, TYPICAL_PAGE_QUERY)
    settings.CMS_GRAPHQL_PAGE_CACHE_MB = 32
    # When it is executed with the page-tree cache empty, then again with it filled
    with CaptureQueriesContext(connection) as cold:
        first = execute(client, TYPICAL_PAGE_QUERY)
    with CaptureQueriesContext(connection) as warm:
        assert execute(client, TYPICAL_PAGE_QUERY) == first
    # And again after 10 more articles are published (every subtree's key moves with the content version)
    image, document = library["image"], library["document"]
    with schema_context(alpha.schema_name):
        for number in range(10):
            publish(library["section"], ArticlePage(title=f"文章{number}", body=rich_body(image, document)))
    with CaptureQueriesContext(connection) as cold_large:
        large = execute(client, TYPICAL_PAGE_QUERY)
    with CaptureQueriesContext(connection) as warm_large:
        assert execute(client, TYPICAL_PAGE_QUERY) == large
    # Then executing costs the same few queries at 1 article and at 11, and fewer once the subtrees are cached
    assert len(large["contentPages"]["items"]) == 11
    # (a `SET search_path` is sent only when the connection was last in another schema)
    cold, warm, cold_large, warm_large = (
        [q["sql"] for q in c if not q["sql"].startswith("SET search_path")]
        for c in (cold, warm, cold_large, warm_large)
    )
    assert len(cold) == len(cold_large) <= 10, "\n".join(q[:150] for q in cold_large)
    assert len(warm) == len(warm_large) < len(cold_large), warm_large
    print(f"typical front page, executed: {len(cold_large)} SQL cold, {len(warm_large)} with the page-tree cache")


def test_a_preview_token_gets_the_draft_even_when_the_live_page_is_cached(client, alpha):
    # Given a published section (its site has a front end to preview on), its subtree in the cache
    section = make_section(alpha, "已发布的栏目", "published-section")
    with schema_context(alpha.schema_name):
        site_settings = SiteSettings.for_site(section.get_site())
        site_settings.frontend_url = "https://www.alpha.example/preview"
        site_settings.save()
    live = f"{{ page(id: {section.pk}) {{ id title ... on SectionPage {{ intro }} }} }}"
    assert execute(client, live)["page"]["title"] == "已发布的栏目"
    assert execute(client, live)["page"]["title"] == "已发布的栏目"
    assert page_trees.stats()["hits"] == 1
    # When an editor previews a draft and the front end asks for it by token
    token = parse_qs(urlparse(preview_as_editor(client, alpha, section, "栏目的草稿标题")["Location"]).query)["token"][
        0
    ]
    client.logout()
    query = "query($t: String) { page(token: $t) { id title ... on SectionPage { intro } } }"
    draft = execute(client, query, variables={"t": token})["page"]
    # Then the draft is answered, and the published page is still what others get
    assert draft == {"id": str(section.pk), "title": "栏目的草稿标题", "intro": "草稿导语"}
    assert execute(client, live)["page"]["title"] == "已发布的栏目"


def test_a_huge_page_is_not_kept_and_a_full_cache_drops_the_oldest():
    store = page_trees._Store()
    store.put(("a",), {"x": 1}, 10, 100)
    store.put(("huge",), {"x": 2}, 50, 100)  # over an eighth of the budget: not kept
    assert store.get(("huge",)) is None and store.get(("a",)) == {"x": 1}
    for number in range(20):
        store.put((number,), number, 10, 100)
    assert store.stats()["bytes"] <= 100 and store.get(("a",)) is None and store.get((19,)) == 19
