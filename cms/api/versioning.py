"""The site's content version: any saved or deleted page, image, document or setting moves it on.

The GraphQL response cache keys on it, so a change is visible on the next request, in
every worker process, without waiting for a cache entry to expire.
"""

from django.db.models import F
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from wagtail.images.models import AbstractRendition
from wagtail.models import BaseLogEntry, ReferenceIndex, Revision
from wagtail.signals import page_published, page_unpublished, post_page_move

CONTENT_APPS = {"wagtailcore", "pages", "media", "wagtailimages", "wagtaildocs", "taggit"}
NOT_CONTENT = (AbstractRendition, BaseLogEntry, ReferenceIndex, Revision)


def current_version() -> int:
    from .models import ContentVersion

    return ContentVersion.objects.values_list("version", flat=True).first() or 0


def bump_version() -> None:
    from .models import ContentVersion

    if not ContentVersion.objects.filter(pk=1).update(version=F("version") + 1):
        ContentVersion.objects.get_or_create(pk=1, defaults={"version": 1})


def _is_content(sender) -> bool:
    if sender.__module__ == "__fake__":  # historical models inside migrations
        return False
    return sender._meta.app_label in CONTENT_APPS and not issubclass(sender, NOT_CONTENT)


@receiver(post_save)
@receiver(post_delete)
def content_changed(sender, **kwargs):
    if kwargs.get("raw") or not _is_content(sender) or sender.__name__ == "ContentVersion":
        return
    bump_version()


@receiver(page_published)
@receiver(page_unpublished)
@receiver(post_page_move)
def page_state_changed(sender, **kwargs):
    bump_version()
