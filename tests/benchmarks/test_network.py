"""The benchmark network (`cms benchmark network`) has the registry's shape, and the feeds read it newest first."""

from benchmarks.network import build_network, registry_shape
from cms.network import selectors
from cms.network.models import IndexEntry
from sites.models import Association, Domain


def test_a_small_benchmark_network_has_every_level_and_consistent_ancestors(db):
    # Given a benchmark network of 20 sites with 5 items each
    network = build_network(sites=20, items_per_site=5, progress=lambda line: None)
    bench = {site.pk: site for site in Association.objects.filter(slug__startswith="bench-")}
    # Then the registry has one national federation on top and every level below it
    assert len(bench) == 20
    assert (
        network.sites_by_kind
        == registry_shape(20)
        == {"national_federation": 1, "national_association": 2, "provincial": 4, "municipal": 4, "county": 9}
    )
    national = bench[network.national_id]
    assert national.kind == "national_federation" and national.parent_id is None
    expected_parent_kind = {
        "national_association": "national_federation",
        "provincial": "national_federation",
        "municipal": "provincial",
        "county": "municipal",
    }
    for site in bench.values():
        if site.parent_id is not None:
            assert bench[site.parent_id].kind == expected_parent_kind[site.kind]
        if site.kind in ("municipal", "county"):
            assert site.region == bench[site.parent_id].region
    assert len({site.schema_name for site in bench.values()}) == 20
    assert Domain.objects.filter(tenant_id__in=bench).count() == 20
    # and every entry carries its site's kind, region and parent chain, nearest first
    entries = IndexEntry.objects.filter(site_id__in=bench)
    assert entries.filter(page_type__in=["article", "notice", "event", "work", "profile"]).count() == 100
    for entry in entries.filter(page_id=100):
        site, chain = bench[entry.site_id], []
        parent = site.parent_id
        while parent is not None:
            chain.append(parent)
            parent = bench[parent].parent_id
        assert (entry.site_kind, entry.region, entry.ancestor_ids) == (site.kind, site.region, chain)
    assert network.province_descendants == sum(
        1 for e in entries.filter(page_id=100) if network.province_id in e.ancestor_ids
    )


def test_the_feed_over_the_benchmark_network_is_newest_first(db):
    network = build_network(sites=20, items_per_site=5, progress=lambda line: None)
    # When the national feed under the national federation is read in two pages
    first = selectors.page_of(selectors.feed_entries(under_id=network.national_id), first=20, after=None)
    second = selectors.page_of(selectors.feed_entries(under_id=network.national_id), first=20, after=first.end_cursor)
    # Then the items are content items, newest first, and the second page follows on
    items = first.items + second.items
    assert len(items) == 40 and first.has_next
    assert {item.page_type for item in items} <= {"article", "notice", "event", "work", "profile"}
    keys = [(item.published_at, item.pk) for item in items]
    assert keys == sorted(keys, reverse=True)
    assert len(set(keys)) == 40
    # and the province's children's feed holds only its cities' items
    province = Association.objects.get(pk=network.province_id)
    children = list(selectors.children_entries(site=province, descendants=False)[:10])
    assert children and all(item.ancestor_ids[0] == province.pk for item in children)


def test_the_full_size_registry_has_distinct_place_names_and_the_design_shape():
    from benchmarks.network import place_name

    assert len({place_name(n) for n in range(3000)}) == 3000
    assert registry_shape(1000) == {
        "national_federation": 1,
        "national_association": 12,
        "provincial": 31,
        "municipal": 239,
        "county": 717,
    }
