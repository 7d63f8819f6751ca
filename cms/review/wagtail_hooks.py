"""The editor's publish: a refusal shown as a message on the edit page (the revision stays a draft).
The same check guards every other path (publishing.py); this only makes the editor's case friendly."""

from django.shortcuts import redirect
from wagtail import hooks
from wagtail.admin import messages

from .publishing import refusal
from .screening import site_of_schema


@hooks.register("before_publish_page")
def refuse_unscreened_publish(request, page):
    revision = page.get_latest_revision()
    if revision is None:
        return None
    problem = refusal(revision=revision, site=site_of_schema())
    if problem is None:
        return None
    messages.error(request, str(problem))
    return redirect("wagtailadmin_pages:edit", page.pk)
