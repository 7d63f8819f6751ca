"""Malformed or out-of-bounds requests get a 400 with a JSON message that says what is wrong (issue 10)."""

import base64
import json

import pytest

from tests.api.conftest import graphql_data, graphql_errors
from tests.conftest import HOSTS


def error_messages(response, status=400) -> list[str]:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    return [error["message"] for error in response.json()["errors"]]


# Invalid UTF-8 and lone surrogates (item 8)


def test_a_graphql_body_with_invalid_utf8_is_refused(client, db):
    response = client.post(
        "/graphql/", b"{ site { name } }\xff", content_type="application/graphql", HTTP_HOST=HOSTS["alpha"]
    )
    assert error_messages(response) == ["The request is not valid UTF-8: the body (byte 0xff at position 17)."]


def test_a_json_body_with_invalid_utf8_is_refused(client, db):
    response = client.post(
        "/graphql/", b'{"query": "{ site { name } }\xff"}', content_type="application/json", HTTP_HOST=HOSTS["alpha"]
    )
    assert error_messages(response) == ["The request is not valid UTF-8: the body (byte 0xff at position 28)."]


@pytest.mark.parametrize(
    "query_string", ["query=%7Bsite%7Bname%7D%7D%FF", "query=%7Bsite%7Bname%7D%7D&variables=%ED%A0%80"]
)
def test_a_get_query_string_with_invalid_utf8_is_refused(client, db, query_string):
    response = client.get(f"/graphql/?{query_string}", HTTP_HOST=HOSTS["alpha"])
    assert error_messages(response) == ["The request is not valid UTF-8: the query string."]


@pytest.mark.parametrize(
    "variables",
    [
        {"q": "\ud800京剧"},
        {"q": ["京剧", {"deep": "\udfff"}]},
        {"\ud800": "京剧"},
    ],
)
def test_lone_surrogates_in_variables_are_refused(client, db, variables):
    body = json.dumps({"query": "query($q: String) { pages(searchQuery: $q) { id } }", "variables": variables})
    response = client.post("/graphql/", body, content_type="application/json", HTTP_HOST=HOSTS["alpha"])
    assert error_messages(response) == ["`variables` contain a lone surrogate (\\ud800-\\udfff), which is not text."]


def test_a_lone_surrogate_in_the_query_is_refused(client, db):
    body = json.dumps({"query": '{ pages(searchQuery: "\ud800") { id } }'})
    response = client.post("/graphql/", body, content_type="application/json", HTTP_HOST=HOSTS["alpha"])
    assert error_messages(response) == ["`query` contains a lone surrogate (\\ud800-\\udfff), which is not text."]
    escaped_in_get = client.get(
        "/graphql/", {"query": "{ site { name } }", "variables": '{"q": "\\ud800"}'}, HTTP_HOST=HOSTS["alpha"]
    )
    assert "lone surrogate" in error_messages(escaped_in_get)[0]


def test_deeply_nested_variables_are_refused(client, db):
    body = '{"query": "{ site { name } }", "variables": {"v": ' + "[" * 100_000 + "]" * 100_000 + "}}"
    response = client.post("/graphql/", body, content_type="application/json", HTTP_HOST=HOSTS["alpha"])
    assert error_messages(response)[0] in (
        "The request's JSON nests too deeply.",
        "`variables` nest more than 32 levels deep.",
    )
    body = json.dumps({"query": "{ site { name } }", "variables": {"v": json.loads("[" * 40 + "]" * 40)}})
    response = client.post("/graphql/", body, content_type="application/json", HTTP_HOST=HOSTS["alpha"])
    assert error_messages(response) == ["`variables` nest more than 32 levels deep."]


def test_chinese_text_in_variables_is_still_fine(client, db):
    data = graphql_data(client, "query($q: String) { pages(searchQuery: $q) { id } }", variables={"q": "京剧 𝄞"})
    assert data == {"pages": []}


# grapple's list arguments and cursors out of bounds (item 10)


def test_a_content_pages_cursor_beyond_the_deepest_page_is_refused(client, db):
    cursor = base64.b64encode(f"offset:{10**23}".encode()).decode()
    messages = graphql_errors(client, f'{{ contentPages(after: "{cursor}") {{ items {{ id }} }} }}')
    assert messages == ["`after` cursor goes 100000000000000000000000 items deep; contentPages goes 0 to 10000 deep."]


@pytest.mark.parametrize(
    "arguments, message",
    [
        ("offset: 99999999999", "`offset` of `pages` must be between 0 and 10000; got 99999999999."),
        ("offset: 10001", "`offset` of `pages` must be between 0 and 10000; got 10001."),
        ("limit: 101", "`limit` of `pages` must be between 1 and 100 (page size limit); got 101."),
        ("limit: 0", "`limit` of `pages` must be between 1 and 100 (page size limit); got 0."),
    ],
)
def test_grapple_offsets_and_limits_out_of_range_are_refused(client, db, arguments, message):
    assert graphql_errors(client, f"{{ pages({arguments}) {{ id }} }}") == [message]


def test_offsets_and_limits_from_variables_are_checked_too(client, db):
    query = (
        "query($o: PositiveInt, $l: PositiveInt = 500) { pages(limit: 1) { children(offset: $o, limit: $l) { id } } }"
    )
    assert graphql_errors(client, query, variables={"l": 5, "o": 10**30}) == [
        f"`offset` of `children` must be between 0 and 10000; got {10**30}."
    ]
    assert graphql_errors(client, query) == [
        "`limit` of `children` must be between 1 and 100 (page size limit); got 500."
    ]
    negative = graphql_errors(client, query, variables={"o": -1})[0]
    assert "$o" in negative and "PositiveInt" in negative
    assert graphql_data(client, query, variables={"o": 10_000, "l": 100}) == {"pages": [{"children": []}]}


PAGE_ORDER = "Allowed: id, title, first_published_at, last_published_at, latest_revision_created_at"


@pytest.mark.parametrize(
    "query, field",
    [
        ('{ pages(order: "owner__password") { id } }', "pages"),
        ('{ pages(order: "title, owner__password") { id } }', "pages"),
        ('{ pages { children(order: "-owner__password") { id } } }', "children"),
        (
            "query($o: String) { pages { ...P } } fragment P on PageInterface { descendants(order: $o) { id } }",
            "descendants",
        ),
    ],
)
def test_pages_cannot_be_ordered_by_private_or_unknown_fields(client, db, query, field):
    messages = graphql_errors(client, query, variables={"o": "owner__password"})
    assert len(messages) == 1
    assert messages[0].startswith(f"`order` of `{field}` cannot be ") and PAGE_ORDER in messages[0]


def test_an_unknown_order_field_does_not_list_the_model_s_fields(client, db):
    message = graphql_errors(client, '{ pages(order: "nosuch") { id } }')[0]
    assert message == (
        f"`order` of `pages` cannot be 'nosuch'. {PAGE_ORDER}, each optionally with a leading '-' "
        "for descending, several separated by commas."
    )
    assert "_revisions" not in message and "password" not in message


def test_images_and_documents_have_their_own_order_fields(client, alpha):
    from tests.factories import make_document, make_image

    make_image(alpha, "乙图"), make_image(alpha, "甲图")
    make_document(alpha, "附件")
    data = graphql_data(client, '{ images(order: "-created_at") { title } documents(order: "title, -id") { title } }')
    titles = [image["title"] for image in data["images"]]
    assert titles.index("甲图") < titles.index("乙图")  # newest first
    assert data["documents"] == [{"title": "附件"}]
    assert "Allowed: id, title, created_at" in graphql_errors(client, '{ images(order: "file") { id } }')[0]
    assert (
        "Allowed: id, title, created_at"
        in graphql_errors(client, '{ documents(order: "uploaded_by_user__password") { id } }')[0]
    )


def test_allowed_orders_still_order(client, alpha):
    from tests.conftest import add_article

    add_article(alpha, "乙文章"), add_article(alpha, "甲文章")
    query = '{ pages(contentType: "pages.ArticlePage", order: "-first_published_at, title") { title } }'
    assert [page["title"] for page in graphql_data(client, query)["pages"]] == ["甲文章", "乙文章"]


# Values that reach a resolver and fail there (found by an attack over real HTTP)


def test_a_nul_character_in_variables_is_refused_before_it_reaches_the_database(client, db):
    response = client.post(
        "/graphql/",
        json.dumps({"query": "query($s: String) { page(slug: $s) { id } }", "variables": {"s": "a\u0000b"}}),
        content_type="application/json",
        HTTP_HOST=HOSTS["alpha"],
    )
    assert error_messages(response) == ["`variables` contain a NUL character (\\u0000), which text fields cannot hold."]


@pytest.mark.parametrize(
    "query",
    [
        '{ page(slug: "a\\u0000b") { id } }',
        '{ page(id: "abc") { id } }',
        '{ contentPages(tag: "a\\u0000b") { items { id } } }',
    ],
)
def test_a_value_a_resolver_cannot_use_is_a_400_naming_the_field_not_the_database(client, db, query):
    response = client.post(
        "/graphql/", json.dumps({"query": query}), content_type="application/json", HTTP_HOST=HOSTS["alpha"]
    )
    messages = error_messages(response)
    assert len(messages) == 1 and messages[0].startswith("A value given for ") and "was not accepted" in messages[0]
    assert "PostgreSQL" not in messages[0] and "Field 'id'" not in messages[0]
