"""Limits on what a query may ask for, and HTTP caching of GET queries."""

import json

import pytest
from django.contrib.auth import get_user_model
from django_tenants.utils import schema_context

from tests.api.conftest import graphql_data, graphql_errors, post_graphql
from tests.conftest import ADMIN_PASSWORD, HOSTS


def deep_query(depth: int) -> str:
    """navigation { children { ... } } padded with nested `parent` page fields to the wanted depth."""
    inner = "title"
    for _ in range(depth - 1):
        inner = f"parent {{ {inner} }}"
    return f"{{ page(id: 1) {{ {inner} }} }}"


def test_query_at_the_depth_limit_passes_and_one_deeper_is_refused(client, db):
    assert post_graphql(client, deep_query(7)).status_code == 200  # page + 6 parents + title = depth 8
    assert graphql_errors(client, deep_query(8)) == ["Query depth 9 exceeds the maximum depth of 8."]


def test_fragments_do_not_hide_depth(client, db):
    query = "{ page(id: 1) { ...A } } fragment A on PageInterface { parent { ...B } } " \
            "fragment B on PageInterface { parent { parent { parent { parent { parent { parent { title } } } } } } }"
    assert graphql_errors(client, query) == ["Query depth 9 exceeds the maximum depth of 8."]


def test_more_than_15_aliases_are_refused(client, db):
    fields = " ".join(f"a{n}: site {{ name }}" for n in range(16))
    assert graphql_errors(client, f"{{ {fields} }}") == ["Query uses 16 aliases; the maximum is 15."]
    fifteen = " ".join(f"a{n}: site {{ name }}" for n in range(15))
    assert post_graphql(client, f"{{ {fifteen} }}").status_code == 200


def test_an_expensive_query_is_refused_by_its_cost(client, db):
    query = "{ " + " ".join(
        f'l{n}: contentPages(first: 100) {{ items {{ title url ... on ArticlePage {{ summary date cover {{ url }} }} }} }}'
        for n in range(8)
    ) + " }"
    messages = graphql_errors(client, query)
    assert len(messages) == 1 and messages[0].startswith("Query cost ") and messages[0].endswith("exceeds the maximum cost of 5000.")


def test_an_oversized_query_is_refused_by_size(client, db):
    query = "{ site { name } }" + " " * 10_001
    assert graphql_errors(client, query) == [f"Query is {len(query)} characters; the maximum query size is 10000."]


def test_batched_queries_are_refused(client, db):
    body = json.dumps([{"query": "{ site { name } }"}, {"query": "{ site { name } }"}])
    response = client.post("/graphql/", body, content_type="application/json", HTTP_HOST=HOSTS["alpha"])
    assert response.status_code == 400
    assert response.json() == {"errors": [{"message": "Batched queries are not accepted; send one query per request."}]}


def test_anonymous_introspection_is_refused_outside_development(client, db):
    messages = graphql_errors(client, "{ __schema { types { name } } }")
    assert messages == ["Introspection is disabled here; use the committed schema (cms/api/schema.graphql)."]
    # __typename is not introspection
    assert graphql_data(client, "{ site { __typename } }") == {"site": {"__typename": "SiteIdentity"}}


def test_staff_may_introspect(client, alpha):
    response = client.post("/admin/login/", {"username": "admin", "password": ADMIN_PASSWORD}, HTTP_HOST=HOSTS["alpha"])
    assert response.status_code == 302
    assert "SiteIdentity" in {t["name"] for t in graphql_data(client, "{ __schema { types { name } } }")["__schema"]["types"]}


def test_other_http_methods_are_refused(client, db):
    response = client.put("/graphql/", "{}", content_type="application/json", HTTP_HOST=HOSTS["alpha"])
    assert response.status_code == 405 and response["Allow"] == "GET, POST"


def test_get_queries_are_cacheable_with_an_etag(client, db):
    response = client.get("/graphql/", {"query": "{ site { name } }"}, HTTP_HOST=HOSTS["alpha"])
    assert response.status_code == 200
    assert response.json() == {"data": {"site": {"name": "测试全国文联"}}}
    assert "public" in response["Cache-Control"] and "max-age=60" in response["Cache-Control"]
    assert "Set-Cookie" not in response.headers and not response.cookies
    etag = response["ETag"]
    again = client.get("/graphql/", {"query": "{ site { name } }"}, HTTP_HOST=HOSTS["alpha"], HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again["ETag"] == etag and again.content == b""
    # Another site's answer differs, and so does its tag
    other = client.get("/graphql/", {"query": "{ site { name } }"}, HTTP_HOST=HOSTS["beta"], HTTP_IF_NONE_MATCH=etag)
    assert other.status_code == 200 and other["ETag"] != etag


def test_get_cannot_run_a_mutation_or_be_cached_with_errors(client, db):
    response = client.get("/graphql/", {"query": "{ nosuch }"}, HTTP_HOST=HOSTS["alpha"])
    assert response.status_code == 400 and "ETag" not in response


def test_post_queries_are_not_marked_cacheable(client, db):
    response = post_graphql(client, "{ site { name } }")
    assert response.status_code == 200 and "ETag" not in response and "public" not in response.get("Cache-Control", "")


def test_queries_with_a_preview_token_are_never_cached(client, db):
    response = client.get("/graphql/", {"query": '{ page(token: "x") { title } }'}, HTTP_HOST=HOSTS["alpha"])
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert "ETag" not in response


@pytest.mark.parametrize("host", [HOSTS["alpha"], HOSTS["central"]])
def test_graphiql_is_not_served_outside_development(client, db, host):
    assert client.get("/graphiql/", HTTP_HOST=host).status_code == 404


def test_staff_of_one_site_is_not_staff_of_another_for_introspection(client, alpha, beta):
    with schema_context(alpha.schema_name):
        get_user_model().objects.create_user("alpha_staff", password="pw-123456-x", is_staff=True)
    client.post("/admin/login/", {"username": "alpha_staff", "password": "pw-123456-x"}, HTTP_HOST=HOSTS["alpha"])
    assert post_graphql(client, "{ __schema { queryType { name } } }", host=HOSTS["alpha"]).status_code == 200
    assert post_graphql(client, "{ __schema { queryType { name } } }", host=HOSTS["beta"]).status_code == 400
