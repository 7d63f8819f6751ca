"""The site's content version: any saved or deleted page, image, document or setting moves it on, and so
does a change to the site's registry entry (its own version, its parents' and its children's).

Cached API answers key on it, so a change is visible on the next request, in every worker
process and on every machine, without waiting for a cache entry to expire. It is a column of
the site's registry row: routing a request reads it in the same query that finds the site.
The update runs in the transaction that changed the content, so it commits (or not) with it.
"""

from django.db import connection
from django.db.models import F, Q
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver
from wagtail.images.models import AbstractRendition
from wagtail.models import BaseLogEntry, ReferenceIndex, Revision
from wagtail.signals import page_published, page_unpublished, post_page_move

from .models import Association

CONTENT_APPS = {"wagtailcore", "pages", "media", "wagtailimages", "wagtaildocs", "taggit"}
NOT_CONTENT = (AbstractRendition, BaseLogEntry, ReferenceIndex, Revision)


def bump_version(*, schema_name: str | None = None) -> None:
    """Move on the version of the site in `schema_name` (default: the connection's schema).

    A schema with no registry row yet (a site template being built) has no answers to invalidate.
    """
    Association.objects.filter(schema_name=schema_name or connection.schema_name).update(
        content_version=F("content_version") + 1
    )


def _is_content(sender) -> bool:
    if sender.__module__ == "__fake__":  # historical models inside migrations
        return False
    return sender._meta.app_label in CONTENT_APPS and not issubclass(sender, NOT_CONTENT)


@receiver(post_save)
@receiver(post_delete)
def content_changed(sender, **kwargs):
    if kwargs.get("raw") or not _is_content(sender):
        return
    bump_version()


@receiver(page_published)
@receiver(page_unpublished)
@receiver(post_page_move)
def page_state_changed(sender, **kwargs):
    bump_version()


@receiver(pre_save, sender=Association)
def remember_parent(sender, instance: Association, raw=False, **kwargs):
    if not raw and not instance._state.adding:
        instance._parent_before = Association.objects.filter(pk=instance.pk).values_list("parent_id", flat=True).first()


@receiver(post_save, sender=Association)
def registry_entry_changed(sender, instance: Association, created, raw=False, **kwargs):
    """The registry row is content too: its name, compliance data (the footer), parent and children are read
    through the API. A change moves on the version of the site, of its parents (before and after: their
    `children`) and of its children (their `parent`)."""
    if raw or created:
        return
    parents = {instance.parent_id, getattr(instance, "_parent_before", None)} - {None}
    Association.objects.filter(Q(pk=instance.pk) | Q(pk__in=parents) | Q(parent_id=instance.pk)).update(
        content_version=F("content_version") + 1
    )
