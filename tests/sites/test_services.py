"""Creating sites: bad input is refused before anything is made; a failure half-way leaves nothing."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django_tenants.utils import schema_context, schema_exists
from wagtail.models import Site

from sites import services
from sites.models import Association, Domain


def schema_count() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM information_schema.schemata")
        return cursor.fetchone()[0]


def new_site_args(**overrides):
    args = dict(name="测试省文联", short_name="测试省", slug="tmp-city", kind="provincial", domain="tmp-city.localhost")
    args.update(overrides)
    return args


@pytest.fixture
def national(db):
    return Association.objects.get(slug="alpha")


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        ({"slug": "alpha"}, "slug", "已被其他网站使用"),
        ({"slug": "Bad Slug!"}, "slug", "标识“Bad Slug!”无效"),
        ({"slug": "x"}, "slug", "无效"),
        ({"name": "测试全国文联"}, "name", "已被其他网站使用"),
        ({"domain": "alpha.localhost"}, "domain", "已被其他网站使用"),
        ({"domain": "not a domain"}, "domain", "无效"),
        ({"domain": "WWW.Alpha.localhost"}, "domain", "只差“www.”"),  # routing would treat it as alpha's
        ({"domain": "127.0.0.1"}, "domain", "是 IP 地址"),
        ({"kind": "galaxy"}, "kind", "级别“galaxy”无效"),
        ({"kind": "municipal"}, "parent", "市级文联的上级须为：省级文联"),
        ({"name": "  "}, "name", "不能为空"),
        ({"theme": "no_such_theme"}, "theme", "unknown theme 'no_such_theme'; available: blank, local_federation,"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message_before_anything_is_made(national, overrides, field, message):
    before = (schema_count(), Association.objects.count(), Domain.objects.count())
    with pytest.raises(ValidationError) as raised:
        services.create_site(parent=national, **new_site_args(**overrides))
    assert any(message in text for text in raised.value.message_dict[field]), raised.value.message_dict
    assert (schema_count(), Association.objects.count(), Domain.objects.count()) == before


def test_all_problems_are_reported_together(national):
    with pytest.raises(ValidationError) as raised:
        services.create_site(parent=None, **new_site_args(slug="Bad", domain="alpha.localhost"))
    assert set(raised.value.message_dict) == {"slug", "domain", "parent"}


FAILING_STEPS = ["replay_template", "copy_template_media", "_personalise", "_create_admin", "populate", "domain"]


@pytest.mark.parametrize("failing_step", FAILING_STEPS)
def test_failure_half_way_leaves_no_schema_no_rows_no_files(committed, monkeypatch, settings, failing_step):
    # Given a step of site creation that fails
    def boom(*args, **kwargs):
        raise RuntimeError(f"injected failure in {failing_step}")

    populate = None
    if failing_step == "populate":
        populate = boom
    elif failing_step == "domain":
        monkeypatch.setattr(Domain.objects, "create", boom)  # the last step, after the media is copied
    else:
        monkeypatch.setattr(services, failing_step, boom)
    national = Association.objects.get(slug="alpha")
    # When the central office creates a site
    with pytest.raises(RuntimeError, match="injected failure"):
        services.create_site(
            parent=national,
            admin=services.SiteAdmin("admin", "pw-123456-city-admin"),
            populate=populate,
            **new_site_args(),
        )
    # Then nothing of it remains: no schema, no registry rows, no media folder
    assert not schema_exists("tmp_city")
    assert not Association.objects.filter(slug="tmp-city").exists()
    assert not Domain.objects.filter(domain="tmp-city.localhost").exists()
    assert not (settings.MEDIA_ROOT / "tmp_city").exists()


def test_a_created_site_is_complete(committed, settings):
    national = Association.objects.get(slug="alpha")
    site = services.create_site(
        parent=national, region="测试省", admin=services.SiteAdmin("chief", "pw-123456-city-chief"), **new_site_args()
    )
    assert site.schema_name == "tmp_city" and schema_exists("tmp_city")
    assert site.primary_domain == "tmp-city.localhost"
    assert (site.parent_id, site.kind, site.region) == (national.pk, "provincial", "测试省")
    assert (site.theme, site.theme_version) == ("provincial_federation", 1)
    with schema_context("tmp_city"):
        from django.contrib.auth import get_user_model
        from django.contrib.auth.models import Group
        from wagtail.models import Page, Workflow

        from cms.pages.models import SiteSettings

        wagtail_site = Site.objects.get()
        assert (wagtail_site.hostname, wagtail_site.site_name) == ("tmp-city.localhost", "测试省文联")
        home = wagtail_site.root_page
        assert (home.specific_class.__name__, home.title, home.live) == ("HomePage", "测试省文联", True)
        # the theme's sections and pages, its groups and workflow, navigation, tokens and logo
        assert [p.slug for p in home.get_children()] == [
            "news",
            "notices",
            "about",
            "artists",
            "events",
            "party",
            "feedback",
        ]
        assert Page.objects.get(slug="contact").title == "联系我们"
        assert set(Group.objects.values_list("name", flat=True)) >= {"编辑", "审核"}
        assert Workflow.objects.get().name == "三审三校"
        settings_row = SiteSettings.for_site(wagtail_site)
        assert len(settings_row.navigation) == 7 and settings_row.sponsor == "测试省文联"
        assert settings_row.design_tokens["colors"]["primary"] == "#b3261e"
        assert settings_row.logo and (settings.MEDIA_ROOT / "tmp_city" / settings_row.logo.file.name).exists()
        assert get_user_model().objects.get(username="chief").is_superuser


def test_a_creation_indexes_the_new_site_once_with_every_published_page(committed):
    # Given a receiver counting the national index's syncs, site by site
    from cms.network.index import entries_synced
    from cms.network.models import IndexEntry

    synced: list[str] = []

    def count(sender, site, **kwargs):
        synced.append(site.slug)

    entries_synced.connect(count, weak=False)
    try:
        # When a site is created (its home page published, its domain and settings saved along the way)
        site = services.create_site(parent=Association.objects.get(slug="alpha"), **new_site_args())
    finally:
        entries_synced.disconnect(count)
    # Then its content was indexed once, when it was complete, and every published page is in the index
    assert synced.count(site.slug) == 1, synced
    with schema_context(site.schema_name):
        from wagtail.models import Page

        published = Page.objects.live().filter(depth__gt=1).exclude(first_published_at=None, last_published_at=None)
        live = set(published.values_list("pk", flat=True))
    indexed = set(IndexEntry.objects.filter(site=site).values_list("page_id", flat=True))
    assert live and indexed == live


def test_theme_pages_have_urls_under_the_home_page(committed):
    national = Association.objects.get(slug="alpha")
    site = services.create_site(parent=national, **new_site_args())
    with schema_context(site.schema_name):
        from wagtail.models import Page

        home = Site.objects.get().root_page
        assert home.url_path == "/home/"
        assert all(
            path.startswith("/home/") for path in Page.objects.filter(depth__gt=2).values_list("url_path", flat=True)
        )
        assert Page.objects.get(slug="contact").url == "/about/contact/"


def test_a_spare_schema_becomes_the_site_and_a_failure_returns_it(committed, monkeypatch):
    from django_tasks_db.models import DBTaskResult

    from sites.models import SpareSchema
    from sites.provisioning import ensure_template, refill_spares
    from themes.blueprint import get_theme

    national = Association.objects.get(slug="alpha")
    template = ensure_template(get_theme("provincial_federation"))
    SpareSchema.objects.filter(template=template).delete()  # start from an empty pool
    assert refill_spares(template, target=1) == 1
    spare = SpareSchema.objects.get(template=template).schema_name
    # A creation that fails after taking the spare gives it back
    monkeypatch.setattr(services, "_personalise", lambda **kwargs: (_ for _ in ()).throw(RuntimeError("injected")))
    with pytest.raises(RuntimeError, match="injected"):
        services.create_site(parent=national, **new_site_args())
    assert SpareSchema.objects.filter(schema_name=spare).exists() and schema_exists(spare)
    assert not schema_exists("tmp_city")
    monkeypatch.undo()
    # The next creation renames the spare into the site, and asks the worker for a new spare
    queued_before = DBTaskResult.objects.filter(task_path="sites.jobs.refill_spare_schemas").count()
    site = services.create_site(parent=national, **new_site_args())
    assert not schema_exists(spare) and not SpareSchema.objects.filter(schema_name=spare).exists()
    with schema_context(site.schema_name):
        from wagtail.models import Page

        assert Site.objects.get().root_page.title == "测试省文联"
        assert Page.objects.filter(slug="contact").exists()
    assert DBTaskResult.objects.filter(task_path="sites.jobs.refill_spare_schemas").count() == queued_before + 1


@pytest.mark.faults
def test_a_creation_killed_half_way_leaves_nothing_that_blocks_trying_again(committed, settings):
    import subprocess
    import sys

    from tests.live_server import subprocess_env

    command = [
        sys.executable,
        "-m",
        "cms.cli",
        "sites",
        "create",
        "--name",
        "临时中断站",
        "--short-name",
        "中断",
        "--slug",
        "tmp-killed",
        "--kind",
        "provincial",
        "--domain",
        "tmp-killed.localhost",
        "--parent",
        "alpha",
        "--theme",
        "blank",
        "--no-admin",
    ]
    # Given `cms sites create` killed (kill -9) right after it copied the site's media
    killed = subprocess.run(
        command,
        env=subprocess_env(CMS_FAILPOINTS="sites.create.media_copied"),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert killed.returncode == -9
    # the database rolled back, the folder stayed
    assert not Association.objects.filter(slug="tmp-killed").exists()
    assert (settings.MEDIA_ROOT / "tmp_killed").exists()
    # When it is run again, it just works: the leftover is cleared, the site is made
    again = subprocess.run(command, env=subprocess_env(), capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert Association.objects.filter(slug="tmp-killed").exists()
    # And a mistake in the input is one sentence, never a traceback
    wrong = subprocess.run(command, env=subprocess_env(), capture_output=True, text=True, timeout=300)
    assert wrong.returncode == 1 and "Traceback" not in wrong.stderr
    assert (
        wrong.stderr.strip().startswith("cms: ")
        and "已被其他网站使用" in wrong.stderr
        and len(wrong.stderr.strip().splitlines()) == 1
    )


def test_pg_dump_is_checked_against_the_servers_version(db, tmp_path, monkeypatch):
    import stat

    from sites.provisioning import ProvisioningError, dump_schema

    # By default the wheel's pg_dump, which matches the embedded server, dumps a schema
    assert "CREATE TABLE" in dump_schema("alpha")
    # A pg_dump older than the server (as CMS_PG_DUMP, or first on PATH) is refused with what to do
    old = tmp_path / "pg_dump"
    old.write_text("#!/bin/sh\necho 'pg_dump (PostgreSQL) 12.22'\n")
    old.chmod(old.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("CMS_PG_DUMP", str(old))
    with pytest.raises(
        ProvisioningError, match=r"No pg_dump for PostgreSQL \d+: tried .*version 12\). Install pg_dump"
    ):
        dump_schema("alpha")


def test_creating_and_deleting_a_site_leave_a_line_in_the_log(committed, caplog):
    import logging

    caplog.set_level(logging.INFO, logger="sites")
    site = services.create_site(
        name="临时日志站",
        short_name="日志",
        slug="tmp-logged",
        kind="provincial",
        domain="tmp-logged.localhost",
        parent=Association.objects.get(slug="alpha"),
        theme="blank",
    )
    services.archive_site(association=site)
    services.delete_site(association=Association.objects.get(pk=site.pk))
    lines = [record.getMessage() for record in caplog.records if record.name.startswith("sites")]
    assert any(line.startswith("Created site tmp-logged (schema tmp_logged, theme blank") for line in lines), lines
    assert "Archived site tmp-logged" in lines
    assert any(line.startswith("Deleted site tmp-logged: schema tmp_logged dropped") for line in lines), lines
