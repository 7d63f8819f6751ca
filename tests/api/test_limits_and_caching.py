"""Limits on what a query may ask for, and HTTP caching of GET queries."""

import json
import threading
import uuid

import pytest
from django.contrib.auth import get_user_model
from django_tenants.utils import schema_context

from cms.api.execution import one_execution, remember_response
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
    query = (
        "{ page(id: 1) { ...A } } fragment A on PageInterface { parent { ...B } } "
        "fragment B on PageInterface { parent { parent { parent { parent { parent { parent { title } } } } } } }"
    )
    assert graphql_errors(client, query) == ["Query depth 9 exceeds the maximum depth of 8."]


def test_more_than_15_aliases_are_refused(client, db):
    fields = " ".join(f"a{n}: site {{ name }}" for n in range(16))
    assert graphql_errors(client, f"{{ {fields} }}") == ["Query uses 16 aliases; the maximum is 15."]
    fifteen = " ".join(f"a{n}: site {{ name }}" for n in range(15))
    assert post_graphql(client, f"{{ {fifteen} }}").status_code == 200


def test_an_expensive_query_is_refused_by_its_cost(client, db):
    query = (
        "{ "
        + " ".join(
            f"l{n}: contentPages(first: 100) {{ items {{ title url ... on ArticlePage {{ summary date cover {{ url }} }} }} }}"
            for n in range(9)  # each: the connection, its items, and 6 fields of each of 100 items = 602
        )
        + " }"
    )
    messages = graphql_errors(client, query)
    assert (
        len(messages) == 1
        and messages[0].startswith("Query cost ")
        and messages[0].endswith("exceeds the maximum cost of 5000.")
    )


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
    assert "SiteIdentity" in {
        t["name"] for t in graphql_data(client, "{ __schema { types { name } } }")["__schema"]["types"]
    }


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


def test_each_cacheable_answer_says_whether_the_answer_cache_gave_it(client, db, settings):
    settings.CMS_GRAPHQL_CACHE_STATUS_HEADER = True  # as `cms loadtest` turns it on
    query = f"query Probe{uuid.uuid4().hex} {{ site {{ name }} }}"  # a text no other test has cached
    first = post_graphql(client, query)
    again = post_graphql(client, query)
    assert first["X-Cache"] == "MISS" and again["X-Cache"] == "HIT" and again.content == first.content
    # A client that asks for a fresh answer gets one executed; another site's answer is its own
    assert post_graphql(client, query, HTTP_CACHE_CONTROL="no-cache")["X-Cache"] == "MISS"
    assert post_graphql(client, query, HOSTS["beta"])["X-Cache"] == "MISS"
    # What is never cached does not claim to have been looked up
    assert "X-Cache" not in post_graphql(client, '{ page(token: "x") { title } }')


def test_in_service_no_answer_tells_what_others_asked(client, db):
    query = f"query Probe{uuid.uuid4().hex} {{ site {{ name }} }}"
    post_graphql(client, query)
    again = post_graphql(client, query)
    assert again.status_code == 200 and "X-Cache" not in again  # else a HIT would say someone asked it before


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


# The cost estimate is an upper bound of what the answer holds (issue 10, item 5)


def answer_size(value) -> int:
    """The fields an answer holds: every key of every object, at any depth."""
    if isinstance(value, dict):
        return sum(1 + answer_size(item) for item in value.values())
    if isinstance(value, list):
        return sum(answer_size(item) for item in value)
    return 0


def estimated_cost(query: str, variables: dict | None = None) -> int:
    from graphene_django.settings import graphene_settings
    from graphql import get_operation_ast
    from graphql.execution.values import get_variable_values

    from cms.api.execution import parsed
    from cms.api.limits import estimate_cost

    schema, document = graphene_settings.SCHEMA.graphql_schema, parsed(query)
    operation = get_operation_ast(document)
    coerced = get_variable_values(schema, operation.variable_definitions, variables or {})
    return estimate_cost(schema, document, operation, coerced)


@pytest.fixture
def page_tree(alpha):
    """Three sections of four articles each, under alpha's home page: 16 pages in all."""
    from cms.pages.models import ArticlePage
    from tests.factories import make_section, publish

    for number in range(3):
        section = make_section(alpha, f"栏目{number}", f"section-{number}")
        with schema_context(alpha.schema_name):
            for article in range(4):
                publish(section, ArticlePage(title=f"栏目{number}文章{article}", date="2026-01-01"))


NESTED_QUERIES = [
    ("{ pages { id title } }", None),
    ("{ pages { id children { id title } } }", None),
    (
        "{ pages(limit: 5) { id children(limit: 3) { title descendants(limit: 4) { id ancestors(limit: 2) { id } } } } }",
        None,
    ),
    (
        "query Q($n: PositiveInt = 3) { pages(limit: $n) { ancestors(limit: $n) { descendants(limit: $n) {"
        " ancestors(limit: $n) { descendants(limit: $n) { id } } } } } }",
        None,
    ),
    (
        "query Q($n: PositiveInt = 3) { pages(limit: $n) { siblings(limit: $n) { id children(limit: $n) { id } } } }",
        {"n": 6},
    ),
    (
        "{ pages(limit: 8) { ...P } } fragment P on PageInterface { id nextSiblings { id }"
        " ... on SectionPage { children { ... on ArticlePage { title date } } } }",
        None,
    ),
    ("{ contentPages(first: 3) { items { id title ancestors { id title } } pageInfo { hasNextPage } } }", None),
    (
        "{ contentPages { totalCount items { ...C } } } fragment C on PageInterface { id parent { id children { id } } }",
        None,
    ),
]


@pytest.mark.parametrize("query, variables", NESTED_QUERIES)
def test_the_cost_estimate_is_at_least_what_the_answer_holds(client, page_tree, query, variables):
    # Given a page tree; when a nested query over it runs
    data = graphql_data(client, query, variables=variables)
    # Then its estimated cost is at least the number of fields in the answer
    assert estimated_cost(query, variables) >= answer_size(data) > 0


def test_list_sizes_from_variable_defaults_and_unsized_lists_count_in_the_cost(client, db):
    # Given the query of the security review: sizes from a variable's default, five nested lists
    query = (
        "query Q($n: PositiveInt = 100) { pages(limit:$n) { ancestors(limit:$n) { descendants(limit:$n) {"
        " ancestors(limit:$n) { descendants(limit:$n) { id } } } } } }"
    )
    # Then it is estimated at 100 ** 5 items (it was estimated at 51) and refused before running
    assert estimated_cost(query) > 100**5
    assert graphql_errors(client, query) == [f"Query cost {estimated_cost(query)} exceeds the maximum cost of 5000."]
    # And grapple's lists left without `limit` count as the page grapple then returns (GRAPPLE["PAGE_SIZE"], 10)
    assert estimated_cost("{ pages { children { id } } }") == 1 + 10 * (1 + 10 * 1)
    # And a connection's items count at the size asked of the connection
    assert estimated_cost("{ contentPages(first: 7) { items { id } } }") == 1 + 1 + 7


# Repeated fragment spreads are measured once each (item 6)


def doubling_fragments(levels: int, leaf: str = "site { name }") -> str:
    """A 2 ** levels expansion in a few hundred characters."""
    fragments = " ".join(f"fragment F{n} on Query {{ ...F{n + 1} ...F{n + 1} }}" for n in range(levels))
    return f"query {{ ...F0 }} {fragments} fragment F{levels} on Query {{ {leaf} }}"


def test_doubling_fragment_spreads_are_refused_by_cost_at_once(client, db):
    import time

    # Given a 1.6 kB query whose fragments expand to 2 ** 40 fields
    query = doubling_fragments(40)
    started = time.monotonic()
    messages = graphql_errors(client, query)
    # Then it is refused by its cost, the arithmetic capped, in well under a second
    assert messages == ["Query cost over 1000000000000 exceeds the maximum cost of 5000."]
    # And a smaller one (2 ** 20, which took seconds to walk spread by spread) is as quick
    graphql_errors(client, doubling_fragments(20))
    assert time.monotonic() - started < 1


def test_depth_through_repeated_spreads_is_measured_once_per_fragment(client, db):
    import time

    started = time.monotonic()
    query = doubling_fragments(
        20,
        leaf="page(id: 1) { parent { parent { parent { parent { parent { parent { parent { parent { title } } } } } } } } }",
    )
    messages = graphql_errors(client, query)
    assert "Query depth 10 exceeds the maximum depth of 8." in messages
    assert time.monotonic() - started < 1


def test_aliases_in_fragments_count_every_time_they_are_spread(client, db):
    aliases = " ".join(f"a{n}: site {{ name }}" for n in range(8))
    twice = (
        f"query {{ ...A ...B }} fragment A on Query {{ ...C }} fragment B on Query {{ ...C }}"
        f" fragment C on Query {{ {aliases} }}"
    )
    assert graphql_errors(client, twice) == ["Query uses 16 aliases; the maximum is 15."]
    once = f"query {{ ...A }} fragment A on Query {{ ...C }} fragment C on Query {{ {aliases} }}"
    assert post_graphql(client, once).status_code == 200


def test_aliases_of_doubling_fragments_are_counted_at_once(client, db):
    import time

    started = time.monotonic()
    messages = graphql_errors(client, doubling_fragments(40, leaf="a: site { name }"))
    assert "Query uses 1000000000000 aliases; the maximum is 15." in messages
    assert time.monotonic() - started < 1


# Execution is bounded in time (item 7)


def test_a_query_past_the_time_limit_ends_with_a_json_error_and_a_log_line(client, alpha, settings, caplog):
    import hashlib

    query = "{ site { name } pages(limit: 20) { id title children { id title } } }"
    assert post_graphql(client, query).status_code == 200  # within the default 10 s
    # Given a time limit smaller than the query needs
    settings.CMS_GRAPHQL_LIMITS = {**settings.CMS_GRAPHQL_LIMITS, "MAX_SECONDS": 0.000001}
    settings.CMS_GRAPHQL_RESPONSE_CACHE_SECONDS = 0
    # When it runs
    with caplog.at_level("WARNING", logger="cms.api.views"):
        response = post_graphql(client, query)
    # Then the answer is a JSON error naming the limit, with HTTP 503, and no partial data
    assert response.status_code == 503
    assert response.json() == {
        "errors": [
            {
                "message": "The query ran past the time limit of 1e-06 seconds and was stopped; ask for fewer items or fields.",
                "extensions": {"code": "TIME_LIMIT"},
            }
        ]
    }
    # And a warning names the query by its hash and size
    digest = hashlib.sha256(query.encode()).hexdigest()[:16]
    assert any(
        digest in record.getMessage() and f"{len(query)} characters" in record.getMessage()
        for record in caplog.records
        if record.levelname == "WARNING"
    )


def test_a_slow_sql_statement_is_cancelled_at_the_deadline(db):
    import time

    from django.db import OperationalError, connection, transaction

    from cms.api.execution import Deadline, statements_cancelled_at

    deadline = Deadline(0.3)
    started = time.monotonic()
    with pytest.raises(OperationalError, match="cancel"):
        with transaction.atomic(), statements_cancelled_at(deadline):
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_sleep(5)")
    assert time.monotonic() - started < 2 and deadline.passed
    # And the connection serves the next statements, none of them cancelled late
    with statements_cancelled_at(Deadline(0.2)):
        pass
    time.sleep(0.4)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_sleep(0.2), 1")
        assert cursor.fetchone()[1] == 1


def test_concurrent_misses_of_one_answer_wait_for_a_single_execution(db):
    # Given a request executing an answer that is not in the cache
    key = f"cms:graphql:test:{uuid.uuid4().hex}"
    executions, answers = [], []
    executing, release = threading.Event(), threading.Event()

    def first():
        with one_execution(key, wait_seconds=10) as meanwhile:
            assert meanwhile is None
            executions.append("first")
            executing.set()
            release.wait(10)
            remember_response(key, '{"data": {"site": 1}}')

    def another():
        with one_execution(key, wait_seconds=10) as meanwhile:
            if meanwhile is None:
                executions.append("another")
            answers.append(meanwhile)

    leader = threading.Thread(target=first)
    leader.start()
    executing.wait(10)
    # When three more requests for the same answer arrive meanwhile
    others = [threading.Thread(target=another) for _ in range(3)]
    for thread in others:
        thread.start()
    # Then they wait (none has an answer while the first is still executing)
    for thread in others:
        thread.join(0.3)
    assert answers == [] and all(thread.is_alive() for thread in others)
    # and once it is done they all have its answer, executed once
    release.set()
    for thread in [leader, *others]:
        thread.join(10)
    assert executions == ["first"] and answers == ['{"data": {"site": 1}}'] * 3


def test_a_waiting_request_executes_on_its_own_when_the_first_execution_fails(db):
    key = f"cms:graphql:test:{uuid.uuid4().hex}"
    executing, release, answers = threading.Event(), threading.Event(), []

    def failing():
        with pytest.raises(RuntimeError), one_execution(key, wait_seconds=10):
            executing.set()
            release.wait(10)
            raise RuntimeError("the execution failed")

    def another():
        with one_execution(key, wait_seconds=10) as meanwhile:
            answers.append(meanwhile)

    leader = threading.Thread(target=failing)
    leader.start()
    executing.wait(10)
    waiter = threading.Thread(target=another)
    waiter.start()
    release.set()
    for thread in (leader, waiter):
        thread.join(10)
    assert answers == [None]  # nothing was cached: it executes itself rather than failing or waiting again
