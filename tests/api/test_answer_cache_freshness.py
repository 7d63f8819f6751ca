"""Kept answers never outlive what they were made from: the registry row, the site itself."""

from django.db import connection

from sites import services
from sites.models import Association, Domain
from tests.api.conftest import graphql_data
from tests.conftest import HOSTS

SITE_QUERY = "{ site { name parent { name } } siteSettings { sponsor } }"


def test_registry_changes_reach_the_next_answer_of_the_site_its_parent_and_children(client, gamma):
    before = graphql_data(client, SITE_QUERY, HOSTS["delta"])  # the city: its parent is gamma
    assert before["site"]["parent"]["name"] == "测试浙江省文联"
    assert graphql_data(client, SITE_QUERY, HOSTS["gamma"])["siteSettings"]["sponsor"] == gamma.sponsor
    # The central office edits gamma's registry entry (as its 登记信息 form does: a save of the row)
    gamma.name, gamma.sponsor = "测试浙江省文学艺术界联合会", "浙江省文联（更正）"
    gamma.save()
    mine = graphql_data(client, SITE_QUERY, HOSTS["gamma"])
    assert (mine["site"]["name"], mine["siteSettings"]["sponsor"]) == (
        "测试浙江省文学艺术界联合会",
        "浙江省文联（更正）",
    )
    assert graphql_data(client, SITE_QUERY, HOSTS["delta"])["site"]["parent"]["name"] == "测试浙江省文学艺术界联合会"


def test_a_new_primary_domain_reaches_the_next_answer(client, beta):
    query = "{ site { domain } }"
    assert graphql_data(client, query, HOSTS["beta"])["site"]["domain"] == HOSTS["beta"]
    Domain.objects.create(domain="beta-new.localhost", tenant=beta, is_primary=True)
    assert graphql_data(client, query, "beta-new.localhost")["site"]["domain"] == "beta-new.localhost"


def test_saving_a_row_read_before_a_publish_does_not_set_the_version_back(alpha):
    stale = Association.objects.get(pk=alpha.pk)
    Association.objects.filter(pk=alpha.pk).update(content_version=stale.content_version + 5)  # publishes meanwhile
    stale.sponsor = "测试主办单位"
    stale.save()
    # the five publishes' moves are kept, and the save moved it on once more
    assert Association.objects.get(pk=alpha.pk).content_version == stale.content_version + 6


def test_a_site_made_again_under_a_deleted_ones_slug_never_gets_its_answers(client, committed):
    def make(name: str) -> Association:
        return services.create_site(
            name=name,
            short_name=name[:4],
            slug="tmp-again",
            kind="provincial",
            domain="tmp-again.localhost",
            parent=Association.objects.get(slug="alpha"),
            theme="blank",
        )

    first = make("临时甲文联")
    assert graphql_data(client, SITE_QUERY, "tmp-again.localhost")["site"]["name"] == "临时甲文联"
    version = Association.objects.get(pk=first.pk).content_version
    services.delete_site(association=first)
    connection.set_schema_to_public()
    second = make("临时乙文联")
    # made from the same template, it reaches the same content version as the site before it
    assert Association.objects.get(pk=second.pk).content_version == version
    assert graphql_data(client, SITE_QUERY, "tmp-again.localhost")["site"]["name"] == "临时乙文联"
