"""Fleet migrations, backups, registry imports and archiving, on real schemas outside the test transaction."""

import csv
import json
import tarfile

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django_tenants.utils import schema_context, schema_exists
from wagtail.models import Page

from cms.cli import main as cms
from cms.pages.models import ArticlePage, SectionPage
from sites import backup, fleet, services
from sites.models import Association, Domain
from sites.registry_import import RegistryFileError, import_registry
from tests.conftest import HOSTS


def make_site(slug, **extra):
    national = Association.objects.get(slug="alpha")
    args = dict(
        name=f"临时{slug}",
        short_name=slug,
        slug=slug,
        kind="provincial",
        domain=f"{slug}.localhost",
        parent=national,
        theme="local_federation",
    )
    args.update(extra)
    return services.create_site(**args)


def test_fleet_check_finds_nothing_to_do_and_migrates_what_is_missing(committed):
    make_site("tmp-fleet")
    # Everything is up to date: nothing is migrated
    report = fleet.migrate_fleet(progress=lambda line: None)
    assert report.ok and report.migrated == [] and report.up_to_date == report.checked >= 4
    # When a site lacks a migration (as after a deploy that brings one)
    with connection.cursor() as cursor:
        cursor.execute(
            'DELETE FROM "tmp_fleet".django_migrations WHERE app = %s AND name = %s',
            ["wagtail_headless_preview", "0001_initial"],
        )
        cursor.execute('DROP TABLE "tmp_fleet".wagtail_headless_preview_pagepreview')
        cursor.execute("""DELETE FROM "tmp_fleet".auth_permission WHERE content_type_id IN
                          (SELECT id FROM "tmp_fleet".django_content_type WHERE app_label = 'wagtail_headless_preview')""")
        cursor.execute("""DELETE FROM "tmp_fleet".django_content_type WHERE app_label = 'wagtail_headless_preview'""")
    pending = fleet.pending_by_schema()
    assert pending["tmp_fleet"] == {("wagtail_headless_preview", "0001_initial")} and not pending["alpha"]
    lines = []
    report = fleet.migrate_fleet(progress=lines.append)
    # Then only that site is migrated, with progress, and the table is back
    assert report.migrated == ["tmp_fleet"] and report.ok
    assert any("[1/1] tmp_fleet: 1 applied" in line for line in lines)
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('tmp_fleet.wagtail_headless_preview_pagepreview') IS NOT NULL")
        assert cursor.fetchone()[0]
    assert not fleet.pending_by_schema()["tmp_fleet"]
    # as Django's migrate would, the site gets the new model's content type and permissions
    with schema_context("tmp_fleet"):
        from django.contrib.auth.models import Permission
        from django.contrib.contenttypes.models import ContentType

        ContentType.objects.clear_cache()
        assert ContentType.objects.filter(app_label="wagtail_headless_preview", model="pagepreview").exists()
        assert Permission.objects.filter(codename="add_pagepreview").exists()


def test_schema_only_migrations_render_to_sql_and_data_migrations_do_not(committed):
    sql = fleet.schema_only_sql({("wagtail_headless_preview", "0001_initial")}, "alpha")
    assert 'CREATE TABLE "wagtail_headless_preview_pagepreview"' in sql and "alpha" not in sql
    # wagtailcore 0002 creates the root page and default site in Python: not rendered
    from django.db.migrations.loader import MigrationLoader

    assert ("wagtailcore", "0002_initial_data") in MigrationLoader(None).disk_migrations
    assert fleet.schema_only_sql({("wagtailcore", "0002_initial_data")}, "alpha") is None


def test_fleet_migration_reports_a_failing_site_and_resumes(committed, monkeypatch):
    make_site("tmp-fleet-a")
    with connection.cursor() as cursor:
        cursor.execute(
            'DELETE FROM "tmp_fleet_a".django_migrations WHERE app = %s AND name = %s',
            ["wagtail_headless_preview", "0001_initial"],
        )
    # The table still exists, so applying the migration fails: the site is named, the run stops
    report = fleet.migrate_fleet(progress=lambda line: None)
    assert list(report.failed) == ["tmp_fleet_a"] and "already exists" in report.failed["tmp_fleet_a"]
    # After the cause is fixed, a rerun picks up exactly that site
    with connection.cursor() as cursor:
        cursor.execute('DROP TABLE "tmp_fleet_a".wagtail_headless_preview_pagepreview')
    assert fleet.migrate_fleet(progress=lambda line: None).migrated == ["tmp_fleet_a"]


def test_backup_and_restore_round_trip_with_nothing_lost(committed, tmp_path, settings):
    site = make_site("tmp-backup")
    with schema_context(site.schema_name):
        news = SectionPage.objects.get(slug="news")
        # Text that looks like the dump's own syntax and names the schema must come back unchanged
        tricky = "<p>第一行\n-- 不是注释\nSET 也不是语句 tmp_backup.news</p>"
        article = ArticlePage(
            title="备份前的文章 tmp_backup.x",
            date="2026-01-01",
            summary="多行\nSET x\n-- y",
            body=[{"type": "paragraph", "value": tricky}],
        )
        news.add_child(instance=article)
        article.save_revision().publish()
        logo_file = (settings.MEDIA_ROOT / "tmp_backup").rglob("logo*.png").__next__()
        pages_before = sorted(Page.objects.values_list("url_path", "title"))
    archive = backup.backup_site(association=site, target=tmp_path / "site.tar.gz")
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        assert {"site.json", "schema.sql"} <= set(names) and any(n.startswith("media/original_images/") for n in names)
        assert json.loads(tar.extractfile("site.json").read())["site"]["slug"] == "tmp-backup"
    # Restore beside the original, under another slug and domain
    copy = backup.restore_site(source=archive, slug="tmp-restored", domain="tmp-restored.localhost")
    assert copy.primary_domain == "tmp-restored.localhost" and copy.theme == "local_federation"
    with schema_context(copy.schema_name):
        assert sorted(Page.objects.values_list("url_path", "title")) == pages_before
        restored = ArticlePage.objects.get(slug=article.slug)
        assert restored.summary == "多行\nSET x\n-- y" and restored.body.raw_data[0]["value"] == tricky
    assert (
        settings.MEDIA_ROOT / "tmp_restored" / logo_file.relative_to(settings.MEDIA_ROOT / "tmp_backup")
    ).read_bytes() == logo_file.read_bytes()
    # Delete the original, restore it under its own slug: the same site again
    services.delete_site(association=site)
    assert not schema_exists("tmp_backup") and not (settings.MEDIA_ROOT / "tmp_backup").exists()
    again = backup.restore_site(source=archive)
    assert (again.slug, again.name, again.primary_domain) == ("tmp-backup", "临时tmp-backup", "tmp-backup.localhost")
    with schema_context("tmp_backup"):
        assert sorted(Page.objects.values_list("url_path", "title")) == pages_before
    # and the restored site is back in the national index
    from cms.network.models import IndexEntry

    assert IndexEntry.objects.filter(site=again, title="备份前的文章 tmp_backup.x").count() == 1


def test_restore_refuses_a_taken_slug_or_a_bad_file(committed, tmp_path):
    site = make_site("tmp-taken")
    archive = backup.backup_site(association=site, target=tmp_path / "site.tar.gz")
    with pytest.raises(ValidationError, match="已被其他网站使用"):
        backup.restore_site(source=archive)
    (tmp_path / "junk.tar.gz").write_bytes(b"not a backup")
    with pytest.raises(ValidationError, match="is not a site backup"):
        backup.restore_site(source=tmp_path / "junk.tar.gz")


def write_registry(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(
            handle, fieldnames=["name", "short_name", "slug", "kind", "domain", "parent", "region", "theme"]
        )
        writer.writeheader()
        writer.writerows(rows)


def test_registry_import_stops_at_a_bad_row_and_resumes_without_duplicates(committed, tmp_path):
    rows = [
        {
            "name": "临时甲省文联",
            "short_name": "甲省",
            "slug": "tmp-prov-a",
            "kind": "provincial",
            "domain": "tmp-prov-a.localhost",
            "parent": "alpha",
            "region": "甲省",
        },
        {
            "name": "临时甲市文联",
            "short_name": "甲市",
            "slug": "tmp-city-a",
            "kind": "municipal",
            "domain": "tmp-city-a.localhost",
            "parent": "tmp-prov-a",
        },
        {
            "name": "临时乙市文联",
            "short_name": "乙市",
            "slug": "tmp-city-b",
            "kind": "municipal",
            "domain": "alpha.localhost",
            "parent": "tmp-prov-a",
        },
        {
            "name": "临时丙县文联",
            "short_name": "丙县",
            "slug": "tmp-county-c",
            "kind": "county",
            "domain": "tmp-county-c.localhost",
            "parent": "tmp-city-a",
        },
    ]
    path = tmp_path / "registry.csv"
    write_registry(path, rows)
    lines = []
    # The third row's domain is taken: the import stops there, naming the row
    with pytest.raises(
        RegistryFileError, match=r"row 3 \(tmp-city-b\): domain: 域名“alpha.localhost”已被其他网站使用。"
    ):
        import_registry(path, progress=lines.append)
    assert set(Association.objects.filter(slug__startswith="tmp-").values_list("slug", flat=True)) == {
        "tmp-prov-a",
        "tmp-city-a",
    }
    assert "[2/4] tmp-city-a: created in" in " ".join(lines)
    # Fixed and run again: what exists is skipped, the rest is created once
    rows[2]["domain"] = "tmp-city-b.localhost"
    write_registry(path, rows)
    created, skipped = import_registry(path, progress=lambda line: None)
    assert (created, skipped) == (2, 2)
    assert Association.objects.filter(slug__startswith="tmp-").count() == 4
    assert Association.objects.get(slug="tmp-county-c").parent.slug == "tmp-city-a"


def test_registry_file_problems_are_named(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("name,slug\n甲,a\n", encoding="utf-8")
    with pytest.raises(RegistryFileError, match="missing columns domain, kind, short_name"):
        import_registry(bad)


def test_an_archived_site_answers_410_and_comes_back(client, alpha):
    services.archive_site(association=alpha)
    response = client.get("/graphql/", {"query": "{ site { name } }"}, HTTP_HOST=HOSTS["alpha"])
    assert response.status_code == 410 and response.json()["errors"][0]["message"] == "This site has been archived."
    page = client.get("/", HTTP_HOST=HOSTS["alpha"])
    assert page.status_code == 410 and "网站已归档" in page.content.decode()
    services.unarchive_site(association=alpha)
    assert client.get("/healthz", HTTP_HOST=HOSTS["alpha"]).status_code == 200


def test_sites_cli_creates_lists_backs_up_and_deletes(committed, tmp_path, capsys):
    assert (
        cms(
            [
                "sites",
                "create",
                "--name",
                "临时命令行文联",
                "--short-name",
                "命令行",
                "--slug",
                "tmp-cli",
                "--kind",
                "municipal",
                "--domain",
                "tmp-cli.localhost",
                "--parent",
                "alpha",
                "--no-admin",
            ]
        )
        == 1
    )
    assert "市级文联的上级须为：省级文联" in capsys.readouterr().err
    assert (
        cms(
            [
                "sites",
                "create",
                "--name",
                "临时命令行文联",
                "--short-name",
                "命令行",
                "--slug",
                "tmp-cli",
                "--kind",
                "provincial",
                "--domain",
                "tmp-cli.localhost",
                "--parent",
                "alpha",
                "--no-admin",
            ]
        )
        == 0
    )
    assert (
        "Created 临时命令行文联 (tmp-cli) at tmp-cli.localhost, theme provincial_federation v1."
        in capsys.readouterr().out
    )
    assert cms(["sites", "list"]) == 0
    listing = capsys.readouterr().out
    assert "tmp-cli" in listing and "provincial_federation v1" in listing and "parent=alpha" in listing
    assert cms(["sites", "backup", "tmp-cli", "--out", str(tmp_path / "b.tar.gz")]) == 0
    assert (tmp_path / "b.tar.gz").exists()
    assert cms(["sites", "delete", "tmp-cli"]) == 1
    assert "add --yes to confirm" in capsys.readouterr().err
    assert cms(["sites", "delete", "tmp-cli", "--yes"]) == 0
    assert (
        not Association.objects.filter(slug="tmp-cli").exists()
        and not Domain.objects.filter(domain="tmp-cli.localhost").exists()
    )
    assert cms(["sites", "archive", "no-such-site"]) == 1
    assert "No site with slug 'no-such-site'." in capsys.readouterr().err
