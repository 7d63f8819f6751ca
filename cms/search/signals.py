"""Freshness: a page is in its site's search index the moment it is published.

Wagtail indexes saved objects in a background task; publishing also indexes the page at once,
inside the publishing transaction. Unpublished pages drop out at once because searches only
ask for live pages.
"""

from django.dispatch import receiver
from modelsearch.index import insert_or_update_object
from wagtail.signals import page_published


@receiver(page_published)
def index_published_page(sender, instance, **kwargs):
    insert_or_update_object(instance)
