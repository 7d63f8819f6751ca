"""A push (下发) to 9 sites survives its worker being killed (`kill -9`) at any point of a delivery."""

import pytest
from django_tasks_db.models import DBTaskResult
from django_tenants.utils import schema_context

from cms.network import syndication
from cms.network.jobs import deliver_pushed
from cms.network.models import Syndication
from cms.pages.models import ArticlePage
from sites import services
from sites.models import Association
from tests.conftest import add_article
from tests.live_server import run_worker

RECEIVERS = 9
# Where each run of the worker is killed: after a delivery committed, or inside one (rolled back).
KILLS = [
    "syndication.deliver.after_commit:3",  # 3 delivered, killed right after the third commit
    "syndication.deliver.before_commit:2",  # 1 more delivered, killed inside the next (rolled back)
    "syndication.deliver.before_commit:1",  # killed inside that same delivery again
    "syndication.deliver.after_commit:2",  # 2 more delivered, killed after the commit
    "",  # the rest, undisturbed
]


def make_site(slug, kind, parent):
    return services.create_site(
        name=f"临时{slug}",
        short_name=slug,
        slug=slug,
        kind=kind,
        domain=f"{slug}.localhost",
        parent=parent,
        theme="blank",
    )


@pytest.mark.faults
def test_a_push_killed_at_each_point_lands_exactly_once_on_every_receiver(committed):
    # Given a province with 9 cities and a published notice, pushed to all of them
    province = make_site("tmp-push-src", "provincial", Association.objects.get(slug="alpha"))
    receivers = [make_site(f"tmp-push-{n}", "municipal", province) for n in range(RECEIVERS)]
    notice = add_article(province, "全省通知：下发测试")
    result = syndication.push(source_site=province, page_id=notice.pk, targets=None, user_name="central")
    ids = [record.pk for record in result.created]
    assert len(ids) == RECEIVERS
    with schema_context(province.schema_name):
        task = deliver_pushed.enqueue(ids)
    # When the worker is killed again and again, at different points, and restarted each time
    exits = [run_worker(CMS_FAILPOINTS=kill, CMS_TASK_LEASE_GRACE_SECONDS="0") for kill in KILLS]
    print("\nworker run | killed at | exit code")
    for number, (kill, code) in enumerate(zip(KILLS, exits, strict=True), 1):
        print(f"{number} | {kill or '(not killed)'} | {code}")
    # Then it died where it was told to, and the last run finished the job
    assert exits == [-9, -9, -9, -9, 0]
    assert DBTaskResult.objects.get(id=task.id).status == "SUCCESSFUL"
    # And every receiver has the item exactly once, delivered
    assert set(Syndication.objects.filter(pk__in=ids).values_list("status", flat=True)) == {"delivered"}
    for site in receivers:
        with schema_context(site.schema_name):
            assert ArticlePage.objects.filter(title="全省通知：下发测试").count() == 1, site.slug
    # And a new push of the same item is refused only because every receiver already has it
    again = syndication.push(source_site=province, page_id=notice.pk, targets=None, user_name="central")
    assert again.created == [] and len(again.skipped) == RECEIVERS
