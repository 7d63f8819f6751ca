"""Reads of the review workflow in the connection's schema: each step in progress, who must act next,
and whether it is overdue (in Chinese working days, cms.workdays, after the site's policy)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone
from django_tenants.utils import get_public_schema_name
from wagtail.models import Page, Revision, TaskState

from cms.workdays import add_working_days, working_days_between
from sites.models import Association

from ..models import ReviewPolicy
from .models import ReviewTask, last_editor_id, refusal_reason

MAX_STEPS = 200


def policy_for(*, site: Association | None) -> ReviewPolicy:
    """The site's review policy (the defaults when the central office set none)."""
    if site is not None and site.pk:
        policy = ReviewPolicy.objects.filter(site=site).first()
        if policy is not None:
            return policy
    return ReviewPolicy(site=site if site is not None and site.pk else None)


def site_of_connection() -> Association | None:
    """The site whose schema the connection is in (None for the central office's public schema)."""
    if connection.schema_name == get_public_schema_name():
        return None
    tenant = getattr(connection, "tenant", None)
    if isinstance(tenant, Association) and tenant.pk and tenant.schema_name == connection.schema_name:
        return tenant
    return Association.objects.filter(schema_name=connection.schema_name).first()


@dataclass
class PendingStep:
    task_state: TaskState
    page_id: int
    page_title: str
    step: str
    workflow: str
    submitter: str
    started: datetime.date
    due: datetime.date
    waited_days: int
    overdue: bool
    reviewers: list[str] = field(default_factory=list)  # who may act next (names), the refused left out
    any_superuser: bool = False
    refused: dict[int, str] = field(default_factory=dict)  # user id -> why not

    @property
    def who(self) -> str:
        if self.reviewers:
            shown = "、".join(self.reviewers[:8])
            return shown + (f" 等 {len(self.reviewers)} 人" if len(self.reviewers) > 8 else "")
        return "管理员（审核组中没有其他可审核的成员）" if self.any_superuser else "无人可审核：请为审核组添加成员"

    def refusal_for(self, user) -> str | None:
        return self.refused.get(user.pk)


def _name(user) -> str:
    if user is None:
        return "（已删除的用户）"
    full = (user.get_full_name() or "").strip()
    return full or user.get_username()


def pending_steps(
    *, user=None, today: datetime.date | None = None, page_id: int | None = None, limit: int = MAX_STEPS
) -> list[PendingStep]:
    """The steps in progress in this schema, oldest first: with `user`, only those the user may pass
    now (the next reviewer's list); with `page_id`, only that page's. A fixed number of queries,
    whatever the number of steps (bounded by `limit`)."""
    today = today or timezone.localdate()
    policy = policy_for(site=site_of_connection())
    states = (
        TaskState.objects.filter(status=TaskState.STATUS_IN_PROGRESS, workflow_state__status="in_progress")
        .select_related("task", "revision__user", "workflow_state__requested_by", "workflow_state__workflow")
        .order_by("started_at", "pk")
    )
    if page_id is not None:
        states = states.filter(workflow_state__object_id=str(page_id))
    states = list(states[:limit])
    if not states:
        return []
    page_ids = {int(state.workflow_state.object_id) for state in states}
    titles = dict(Page.objects.filter(pk__in=page_ids).values_list("pk", "title"))
    latest_revision = {
        int(revision.object_id): revision
        for revision in Revision.page_revisions.filter(object_id__in=[str(pk) for pk in page_ids])
        .order_by("object_id", "-created_at", "-pk")
        .distinct("object_id")
        .only("pk", "object_id", "user_id", "content")
    }
    approvals: dict[int, dict[int, tuple[int, str]]] = {}  # workflow state -> user -> (task, name)
    for workflow_state_id, user_id, task_id, task_name in TaskState.objects.filter(
        workflow_state_id__in={state.workflow_state_id for state in states},
        status=TaskState.STATUS_APPROVED,
        finished_by__isnull=False,
    ).values_list("workflow_state_id", "finished_by_id", "task_id", "task__name"):
        approvals.setdefault(workflow_state_id, {})[user_id] = (task_id, task_name)
    review_tasks = {task.pk: task for task in ReviewTask.objects.filter(pk__in={state.task_id for state in states})}
    task_groups: dict[int, set[int]] = {}
    for task_id, group_id in ReviewTask.groups.through.objects.filter(reviewtask_id__in=review_tasks).values_list(
        "reviewtask_id", "group_id"
    ):
        task_groups.setdefault(task_id, set()).add(group_id)
    all_groups = set().union(*task_groups.values()) if task_groups else set()
    User = get_user_model()
    members: dict[int, list] = {}
    for membership in User.groups.through.objects.filter(group_id__in=all_groups, user__is_active=True).select_related(
        "user"
    ):
        members.setdefault(membership.group_id, []).append(membership.user)
    any_superuser = User.objects.filter(is_superuser=True, is_active=True).exists()

    steps = []
    for state in states:
        workflow_state = state.workflow_state
        pid = int(workflow_state.object_id)
        task = review_tasks.get(state.task_id)
        started = timezone.localtime(state.started_at).date()
        waited = working_days_between(started, today)
        step = PendingStep(
            task_state=state,
            page_id=pid,
            page_title=titles.get(pid, "（已删除的页面）"),
            step=state.task.name,
            workflow=workflow_state.workflow.name,
            submitter=_name(workflow_state.requested_by),
            started=started,
            due=add_working_days(started, policy.overdue_working_days),
            waited_days=waited,
            overdue=waited > policy.overdue_working_days,
            any_superuser=any_superuser,
        )
        candidates = {}
        for group_id in task_groups.get(state.task_id, ()):
            for member in members.get(group_id, []):
                candidates[member.pk] = member
        approved = approvals.get(state.workflow_state_id, {})
        editor_id = last_editor_id(latest=latest_revision.get(pid), handed_over=state.revision)
        for candidate in candidates.values():
            why = _refusal(task, state, candidate.pk, editor_id, approved)
            if why:
                step.refused[candidate.pk] = why
            else:
                step.reviewers.append(_name(candidate))
        step.reviewers.sort()
        if user is not None:
            may_act = user.pk in candidates or user.is_superuser
            if not may_act or _refusal(task, state, user.pk, editor_id, approved):
                continue
        steps.append(step)
    return steps


def _refusal(task, state, user_id, latest_editor_id, approved) -> str | None:
    if task is None:
        return None  # not a ReviewTask: Wagtail's own rules
    return refusal_reason(
        task=task,
        user_id=user_id,
        submitter_id=state.workflow_state.requested_by_id,
        handed_over_by_id=state.revision.user_id,
        latest_editor_id=latest_editor_id,
        approvals=approved,
    )
