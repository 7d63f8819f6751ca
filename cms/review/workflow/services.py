"""Writes of the review workflow: the central office's per-site review policy, applied to the steps
of the site's workflows in the site's schema, in one transaction (a refused change changes nothing)."""

from __future__ import annotations

from django.db import transaction
from django_tenants.utils import get_public_schema_name, schema_context
from wagtail.models import Workflow

from sites.models import Association

from ..models import ReviewPolicy
from .models import ReviewTask

MAX_OVERDUE_DAYS = 60


class PolicyError(ValueError):
    """A review policy that cannot be set; the message says why, in Chinese."""


def set_review_policy(
    *,
    site: Association,
    actor: str,
    levels: int | None = None,
    proofreading: bool | None = None,
    overdue_working_days: int | None = None,
) -> ReviewPolicy:
    """Set what the central office chose for `site` (None keeps the current value) and switch the
    steps of the site's workflows on or off to match: a step applies when its levels include the
    site's level and, for a proofreading step, when proofreading is on. Every workflow keeps at least
    one review step, or nothing changes. A step already in progress stays where it is."""
    if site.schema_name == get_public_schema_name():
        raise PolicyError("管理中心本身不设审核级别，请选择一个网站。")
    if site.archived_at:
        raise PolicyError(f"“{site.name}”已归档，不能修改审核设置。")
    with transaction.atomic():
        policy = ReviewPolicy.objects.select_for_update().filter(site=site).first() or ReviewPolicy(site=site)
        if levels is not None:
            if levels not in ReviewPolicy.Levels.values:
                raise PolicyError(f"审核级别“{levels}”无效：应为 1（一审）、2（两审）或 3（三审）。")
            policy.levels = levels
        if proofreading is not None:
            policy.proofreading = bool(proofreading)
        if overdue_working_days is not None:
            if not 1 <= overdue_working_days <= MAX_OVERDUE_DAYS:
                raise PolicyError(f"超期天数应在 1 到 {MAX_OVERDUE_DAYS} 个工作日之间。")
            policy.overdue_working_days = overdue_working_days
        policy.updated_by = actor
        policy.save()
        with schema_context(site.schema_name):
            _apply(policy)
    return policy


def _apply(policy: ReviewPolicy) -> None:
    tasks = list(ReviewTask.objects.all())
    wanted = {
        task.pk: task.applies_at(policy.levels) and (policy.proofreading or task.kind != ReviewTask.Kind.PROOFREAD)
        for task in tasks
    }
    for workflow in Workflow.objects.filter(active=True).prefetch_related("workflow_tasks__task"):
        ids = [wt.task_id for wt in workflow.workflow_tasks.all() if wt.task_id in wanted]
        if not ids:
            continue  # no step of ours: Wagtail's own tasks are the site's business
        kinds = {task.pk: task.kind for task in tasks}
        if not any(wanted[pk] and kinds[pk] == ReviewTask.Kind.REVIEW for pk in ids):
            raise PolicyError(f"这样设置后，工作流“{workflow.name}”将没有任何审稿步骤，未作修改。")
    for active in (True, False):
        ReviewTask.objects.filter(pk__in=[pk for pk, on in wanted.items() if on is active]).exclude(
            active=active
        ).update(active=active)
