"""The 上级 list of the site creation form: the registry as a searchable tree, without "---------"."""

import re

from django.db import connection

from sites.forms import NewSiteForm
from sites.models import Association
from sites.selectors import site_tree
from tests.conftest import ADMIN_PASSWORD, HOSTS


def test_the_parent_list_is_the_tree_of_sites_with_a_search_box(client, alpha, beta, gamma, delta):
    # Given the central office on the site creation form
    client.post("/admin/login/", {"username": "admin", "password": ADMIN_PASSWORD}, HTTP_HOST=HOSTS["central"])
    html = client.get("/admin/network/sites/new/", HTTP_HOST=HOSTS["central"]).content.decode()
    select = re.search(r'<select name="parent".*?</select>', html, re.S).group(0)
    options = [
        (value, label.strip(" \n"))
        for value, label in re.findall(r'<option value="(\d*)"[^>]*>(.*?)</option>', select, re.S)
    ]
    # Then it opens with "no parent" in words, never "---------"
    assert "---------" not in select and options[0] == ("", "（无上级）")
    # and lists each site after its parent, indented by level, with its level named
    labels = {int(value): label for value, label in options[1:]}
    order = [int(value) for value, _ in options[1:]]
    assert order.index(alpha.pk) < order.index(gamma.pk) < order.index(delta.pk)
    assert labels[alpha.pk] == "测试全国文联（全国文联）"
    assert labels[beta.pk].startswith("\u3000└ 测试作家协会")
    assert labels[delta.pk].startswith("\u3000\u3000└ 测试杭州市文联")
    # and every option carries its path for the search box beside it
    assert 'data-path="测试全国文联 › 测试浙江省文联 › 测试杭州市文联"' in select
    assert "data-site-tree-search" in html and 'placeholder="搜索上级网站' in html


def test_the_tree_is_read_in_one_query(alpha, beta, gamma, delta, django_assert_num_queries):
    with django_assert_num_queries(1):
        tree = site_tree(queryset=Association.objects.exclude(kind=Association.Kind.CENTRAL))
    depths = {site.slug: depth for site, depth, _ in tree}
    assert depths["alpha"] == 0 and depths["beta"] == depths["gamma"] == 1 and depths["delta"] == 2


def test_a_chosen_parent_still_validates_and_an_unknown_one_is_refused(alpha):
    connection.set_schema_to_public()
    base = {
        "name": "某市文联",
        "short_name": "某市",
        "slug": "tmp-tree",
        "kind": "municipal",
        "domain": "tmp-tree.localhost",
        "no_admin": "on",
    }
    assert NewSiteForm(data={**base, "parent": alpha.pk}).is_valid()
    refused = NewSiteForm(data={**base, "parent": 999999})
    assert not refused.is_valid() and "parent" in refused.errors
