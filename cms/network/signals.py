"""Thin receivers: publishing, moving and deleting pages keep the national index and copies current."""

from django.db import connection, transaction
from django.db.models.signals import post_delete, post_save, pre_delete, pre_save
from django.dispatch import receiver
from django_tenants.utils import schema_exists
from wagtail.models import Page, PageViewRestriction
from wagtail.signals import page_published, page_unpublished, post_page_move

from cms.pages.models import SiteSettings
from sites.models import Association, Domain
from sites.signals import being_provisioned, site_provisioned

from . import index, jobs, syndication


@receiver(page_published)
def page_was_published(sender, instance, **kwargs):
    if not being_provisioned(connection.schema_name):  # else indexed with the whole site, once it is made
        index.page_published(instance)
    to_refresh = syndication.source_changed(page=instance, event="published")
    if to_refresh:
        transaction.on_commit(lambda: jobs.refresh_copies.enqueue(to_refresh))


@receiver(page_unpublished)
def page_was_unpublished(sender, instance, **kwargs):
    index.pages_removed([instance.pk])
    syndication.source_changed(page=instance, event="unpublished")


@receiver(post_page_move)
def page_was_moved(sender, instance, **kwargs):
    index.index_subtree(instance)


@receiver(post_delete)
def page_was_deleted(sender, instance, **kwargs):
    if sender is Page:  # once per page, for the base row
        index.pages_removed([instance.pk])
        syndication.source_changed(page=instance, event="deleted")


@receiver(post_save, sender=PageViewRestriction)
@receiver(post_delete, sender=PageViewRestriction)
def privacy_changed(sender, instance, **kwargs):
    page = Page.objects.filter(pk=instance.page_id).first()
    if page is not None:
        index.index_subtree(page)


REGISTRY_FIELDS = ("kind", "region", "parent_id", "archived_at", "name", "short_name", "slug")


@receiver(pre_save, sender=Association)
def remember_placement(sender, instance: Association, **kwargs):
    instance._placement_before = Association.objects.filter(pk=instance.pk).values(*REGISTRY_FIELDS).first()


@receiver(post_save, sender=Association)
def site_changed(sender, instance: Association, created, raw=False, **kwargs):
    before = getattr(instance, "_placement_before", None)
    if raw or created or before is None:
        return
    if instance.archived_at and not before["archived_at"]:
        index.remove_site(instance)
    elif before["archived_at"] and not instance.archived_at:
        index.reindex_site(instance)
    elif (before["kind"], before["region"], before["parent_id"]) != (
        instance.kind,
        instance.region,
        instance.parent_id,
    ):
        index.update_site_placement(instance)
    if (before["name"], before["short_name"], before["slug"]) != (instance.name, instance.short_name, instance.slug):
        index.bump_network_version()  # feeds show the site's name


@receiver(pre_delete, sender=Association)
def site_deleted(sender, instance: Association, **kwargs):
    index.remove_site(instance)


@receiver(post_save, sender=Domain)
@receiver(post_delete, sender=Domain)
def domain_changed(sender, instance: Domain, **kwargs):
    """Entries carry their site's address: a new primary domain re-addresses them."""
    site = Association.objects.filter(pk=instance.tenant_id).first()
    if (
        site is not None
        and instance.is_primary
        and kwargs.get("signal") is post_save
        and not being_provisioned(site.schema_name)
        and schema_exists(site.schema_name)
    ):
        index.reindex_site(site)
    index.bump_network_version()


@receiver(post_save, sender=SiteSettings)
def front_end_changed(sender, instance, **kwargs):
    """A site's front-end address is part of its entries' URLs."""
    if being_provisioned(connection.schema_name):
        return
    site = index.site_of_current_schema()
    if site is not None:
        index.reindex_site(site)


@receiver(site_provisioned)
def site_was_provisioned(sender, association: Association, restored: bool = False, **kwargs):
    index.reindex_site(association)
    if restored:
        syndication.relink_restored_site(site=association)
