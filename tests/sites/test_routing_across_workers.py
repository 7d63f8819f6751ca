"""Routing changes reach every worker process the moment they commit (real gunicorn, 2 workers, real HTTP)."""

import pytest
from django.db import transaction

from sites import services
from sites.models import Association, Domain
from tests.live_server import LiveServer

ROUNDS = 24  # requests per check, each on a new connection, so that both workers answer


@pytest.fixture
def server(committed):
    live = LiveServer(workers=2)
    yield live
    live.stop()


def make_site(slug: str) -> Association:
    return services.create_site(
        name=f"临时{slug}",
        short_name=slug,
        slug=slug,
        kind="provincial",
        domain=f"{slug}.localhost",
        parent=Association.objects.get(slug="alpha"),
        theme="blank",
    )


def answers(server: LiveServer, host: str) -> set:
    """What every one of ROUNDS requests for the host answered: (status, site schema or None)."""
    seen = set()
    for _ in range(ROUNDS):
        response = server.get("/healthz", host)
        seen.add((response.status_code, response.json()["site"] if response.status_code == 200 else None))
    return seen


@pytest.mark.faults
def test_archive_delete_and_domain_moves_reach_every_worker_at_once(server):
    first, second = make_site("tmp-route-a"), make_site("tmp-route-b")
    # Given both workers have served both sites (a per-process route cache would now hold them)
    for _ in range(10):  # the kernel hands connections to whichever worker accepts first: ask until both have
        assert answers(server, "tmp-route-a.localhost") == {(200, "tmp_route_a")}
        assert answers(server, "tmp-route-b.localhost") == {(200, "tmp_route_b")}
        if len(server.workers_seen()) == 2:
            break
    assert len(server.workers_seen()) == 2, "both workers should have answered"
    # When the central office archives a site, every worker refuses it on the very next request
    services.archive_site(association=first)
    assert answers(server, "tmp-route-a.localhost") == {(410, None)}
    services.unarchive_site(association=Association.objects.get(pk=first.pk))
    assert answers(server, "tmp-route-a.localhost") == {(200, "tmp_route_a")}
    # When a domain of the first site is moved to the second, every worker follows at once
    with transaction.atomic():
        alias = Domain.objects.create(domain="tmp-route-alias.localhost", tenant=first, is_primary=False)
    assert answers(server, "tmp-route-alias.localhost") == {(200, "tmp_route_a")}
    alias.tenant = second
    alias.save()
    assert answers(server, "tmp-route-alias.localhost") == {(200, "tmp_route_b")}
    # and when it is removed, no worker answers for it any more
    alias.delete()
    assert answers(server, "tmp-route-alias.localhost") == {(404, None)}
    # When a site is deleted, its host is unknown everywhere at once: never the central office's pages
    services.delete_site(association=Association.objects.get(pk=second.pk))
    assert answers(server, "tmp-route-b.localhost") == {(404, None)}
    home = server.get("/", "tmp-route-b.localhost")
    assert home.status_code == 404 and "站点不存在" in home.text and "文联网站群管理中心" not in home.text
    assert len(server.workers_seen()) == 2
