"""Screening at the one point every publish goes through.

Wagtail's `before_publish_page` hook runs only in the page editor's create and edit views: not for
"approve and publish" in a workflow, not for scheduled publishing (`publish_scheduled`), not for bulk
publishing, the admin API, or code that calls `revision.publish()` (syndication, theme installation).
All of them end in `wagtail.actions.publish_revision.PublishRevisionAction.execute`: the editor's
view builds a `PublishPageRevisionAction` itself, and `Page.publish` / `Revision.publish` build one
too. Wagtail offers no way to replace that class for pages (its `action_registry` is consulted only
by the generic snippet views, and `Page.publish` and the edit view name the class directly), so this
module wraps `PublishRevisionAction.execute` once, at start-up (`install`, called by the app's
`ready`). It is the only monkeypatch of the project; it adds a check before Wagtail's own code and
changes nothing else. `tests/review/test_enforcement.py` proves every path is covered.

The check: the revision's text (selectors.revision_text) screened against the effective lexicon of the
site whose schema the connection is in (a syndicated copy: the receiver's). A block-level hit refuses;
a review-level hit refuses unless a named reviewer recorded an override for that very revision
(models.ScreeningOverride); note-level hits pass. Scheduling a publish is checked too, and checked
again when the schedule makes the page live (the lexicon may have changed meanwhile).
"""

from __future__ import annotations

from wagtail.actions.publish_revision import PublishPermissionError, PublishRevisionAction
from wagtail.models import Page

from sites.models import Association

from .models import ScreeningOverride
from .screening import ScreeningResult, screen, site_of_schema
from .selectors import revision_text

MAX_HITS_NAMED = 5


class PublishRefused(PublishPermissionError):
    """A publish refused by screening; the message names word, field and context, in Chinese."""

    def __init__(self, message: str, result: ScreeningResult):
        super().__init__(message)
        self.result = result


def check_revision_text(*, revision, site: Association | None) -> ScreeningResult:
    return screen(text_fields=revision_text(revision), site=site)


def refusal(*, revision, site: Association | None) -> PublishRefused | None:
    """Why this revision may not go live on `site`, or None."""
    result = check_revision_text(revision=revision, site=site)
    if result.blocked:
        return PublishRefused(refusal_message(result, blocked=True), result)
    if result.needs_review:
        overridden = site is not None and any(
            set(result.review_words) <= set(words)
            for words in ScreeningOverride.objects.filter(
                site=site, page_id=revision.object_id, revision_id=revision.pk
            ).values_list("words", flat=True)
        )
        if not overridden:
            return PublishRefused(refusal_message(result, blocked=False), result)
    return None


def refusal_message(result: ScreeningResult, *, blocked: bool) -> str:
    hits = result.at("block" if blocked else "review")
    named = "；".join(hit.describe() for hit in hits[:MAX_HITS_NAMED])
    more = f"；另有 {len(hits) - MAX_HITS_NAMED} 处" if len(hits) > MAX_HITS_NAMED else ""
    if blocked:
        return f"未能发布：内容含有禁止发布的词语。{named}{more}。请修改后再发布。"
    return f"未能发布：内容含有需审核的词语，须由审核人填写理由放行后才能发布。{named}{more}。"


def check_publish(action: PublishRevisionAction) -> None:
    """Raise PublishRefused if the action's revision may not go live (pages only)."""
    if not isinstance(action.object, Page):
        return
    problem = refusal(revision=action.revision, site=site_of_schema())
    if problem is not None:
        raise problem


def install() -> None:
    original = PublishRevisionAction.execute
    if getattr(original, "screened", False):
        return

    def execute(self, skip_permission_checks=False):
        self.check(skip_permission_checks=skip_permission_checks)
        check_publish(self)
        return original(self, skip_permission_checks=skip_permission_checks)

    execute.screened = True
    execute.__doc__ = original.__doc__
    PublishRevisionAction.execute = execute
