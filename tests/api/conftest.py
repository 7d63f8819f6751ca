import json

import pytest
from django_tenants.utils import schema_context

from cms.pages.models import ArticlePage, SiteSettings
from sites.models import Association
from tests.conftest import HOSTS
from tests.factories import make_document, make_image, make_section, publish, rich_body


def post_graphql(client, query, host=HOSTS["alpha"], variables=None, **extra):
    body = {"query": query}
    if variables is not None:
        body["variables"] = variables
    return client.post("/graphql/", json.dumps(body), content_type="application/json", HTTP_HOST=host, **extra)


def graphql_data(client, query, host=HOSTS["alpha"], variables=None):
    response = post_graphql(client, query, host, variables)
    assert response.status_code == 200, response.content
    payload = response.json()
    assert "errors" not in payload, payload["errors"]
    return payload["data"]


def graphql_errors(client, query, host=HOSTS["alpha"], variables=None, status=400):
    response = post_graphql(client, query, host, variables)
    assert response.status_code == status, response.content
    return [error["message"] for error in response.json()["errors"]]


@pytest.fixture
def news(alpha):
    """A news section in alpha with articles of known dates, tags and art forms, and navigation to it."""
    section = make_section(alpha, "新闻动态", "news")
    other = make_section(alpha, "专题", "special")
    image, document = make_image(alpha, "封面"), make_document(alpha)
    specs = [
        ("音乐会在京举行", "2026-01-10", ["music"], ["演出"], section),
        ("书法展开幕", "2026-02-20", ["calligraphy"], ["展览"], section),
        ("戏剧节闭幕", "2026-03-05", ["theatre", "music"], ["演出", "节庆"], section),
        ("专题：民间文艺", "2026-04-01", ["folk_art"], ["专题"], other),
    ]
    pages = {}
    with schema_context(alpha.schema_name):
        for title, date, art_forms, tags, parent in specs:
            article = ArticlePage(
                title=title,
                date=date,
                art_forms=art_forms,
                summary=f"{title}摘要",
                cover=image,
                body=rich_body(image, document, text=title),
            )
            article.tags.add(*tags)
            pages[title] = publish(parent, article)
        settings = SiteSettings.for_site(section.get_site())
        Association.objects.filter(pk=alpha.pk).update(icp_number="京ICP备00000001号")
        settings.navigation = [
            {
                "type": "menu",
                "value": {
                    "label": "",
                    "page": section.pk,
                    "url": "",
                    "children": [
                        {"type": "item", "value": {"label": "专题", "page": other.pk, "url": ""}},
                        {
                            "type": "item",
                            "value": {"label": "外部链接", "page": None, "url": "https://www.cflac.org.cn/"},
                        },
                    ],
                },
            },
        ]
        settings.save()
    return {"section": section, "other": other, "pages": pages, "image": image, "document": document}
