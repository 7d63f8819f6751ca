"""A review step that cannot be passed alone (in each site's schema).

`ReviewTask` is Wagtail's group approval with three refusals, checked where approval is taken
(`on_action`, which every path goes through: the edit view, the workflow action modal, the dashboard),
not merely hidden from the menus:

- the submitter of the workflow run (WorkflowState.requested_by) may not approve any step of it;
- the last editor may not approve: the author of the revision handed to the step, and for a review
  step (审) also the author of the latest revision that changed the content (someone who edits during
  the step and then approves; a revision saying the same as the one handed over is no edit). A
  proofreading step (校) exists to correct the text, so a proofreader's own corrections made during the
  step do not disqualify him; the next review step is refused to him anyway;
- whoever approved another step of the same run may not approve a second one.

Superusers are held to the same rules. Which steps are active on a site follows the site's review
policy (cms.review.models.ReviewPolicy): each task lists the levels (三审 / 两审 / 一审) it belongs to.
"""

from __future__ import annotations

import json

from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.urls import reverse
from wagtail.actions.publish_revision import PublishPermissionError
from wagtail.admin import messages
from wagtail.models import AbstractGroupApprovalTask, TaskState

from .context import current_request


class ApprovalRefused(PermissionDenied):
    """An approval the separation-of-duties rules refuse; the message says why, in Chinese."""


class ReviewTask(AbstractGroupApprovalTask):
    class Kind(models.TextChoices):
        REVIEW = "review", "审稿"
        PROOFREAD = "proofread", "校对"

    kind = models.CharField("步骤类型", max_length=10, choices=Kind.choices, default=Kind.REVIEW)
    levels = models.JSONField(
        "适用审核级别",
        default=list,
        blank=True,
        help_text="本步骤在哪些审核级别下启用（1 一审、2 两审、3 三审）；留空为始终启用。",
    )

    admin_form_fields = [*AbstractGroupApprovalTask.admin_form_fields, "kind"]

    class Meta:
        verbose_name = "审核步骤（不得自审）"
        verbose_name_plural = "审核步骤（不得自审）"
        permissions = [("manage_screening", "可管理本站敏感词库、复查结果与放行记录")]

    @classmethod
    def get_description(cls):
        return "所选用户组的成员审核本步骤；提交人、最后编辑人和已审核过本稿其他步骤的人不能通过。"

    def applies_at(self, level: int) -> bool:
        return not self.levels or level in self.levels

    # --- the rules ---

    def refusal(self, task_state: TaskState, user) -> str | None:
        """Why `user` may not approve `task_state`, in Chinese, or None."""
        if user is None or not user.is_authenticated:
            return "请先登录。"
        workflow_state = task_state.workflow_state
        latest = workflow_state.content_object.get_latest_revision()
        approvals = {
            user_id: (task_id, name)
            for user_id, task_id, name in TaskState.objects.filter(
                workflow_state=workflow_state, status=TaskState.STATUS_APPROVED, finished_by_id=user.pk
            ).values_list("finished_by_id", "task_id", "task__name")
        }
        handed_over = task_state.revision if task_state.revision_id else None
        return refusal_reason(
            task=self,
            user_id=user.pk,
            submitter_id=workflow_state.requested_by_id,
            handed_over_by_id=handed_over.user_id if handed_over is not None else None,
            latest_editor_id=last_editor_id(latest=latest, handed_over=handed_over),
            approvals=approvals,
        )

    def refusal_for_object(self, obj, user) -> str | None:
        task_state = getattr(obj, "current_workflow_task_state", None)
        if task_state is None or task_state.task_id != self.pk:
            return None
        return self.refusal(task_state, user)

    # --- where Wagtail asks ---

    def get_actions(self, obj, user):
        actions = super().get_actions(obj, user)
        if actions and self.refusal_for_object(obj, user) is not None:
            return []  # refused: neither approve nor request changes on one's own work
        return actions

    def on_action(self, task_state, user, action_name, **kwargs):
        """Approve or request changes; an approval the rules refuse raises ApprovalRefused, and one whose
        publish is refused (screening on the last step) raises that refusal, with nothing changed (the
        step stays in progress). In an admin request both become a message on the page's edit view,
        where the editor is sent (the workflow modal and the dashboard follow the returned URL)."""
        try:
            with transaction.atomic():
                if action_name == "approve":
                    problem = self.refusal(task_state, user)
                    if problem is not None:
                        raise ApprovalRefused(problem)
                return super().on_action(task_state, user, action_name, **kwargs)
        except (ApprovalRefused, PublishPermissionError) as refused:
            request = current_request.get()
            if request is None:
                raise
            page_id = task_state.workflow_state.object_id
            result = getattr(refused, "result", None)  # screening's refusal carries its hits
            buttons = []
            if result is not None and result.needs_review and not result.blocked:
                buttons = [messages.button(reverse("review_override_new", args=[page_id]), "填写理由放行")]
            messages.error(request, str(refused) or "未能通过本步骤。", buttons=buttons)
            return reverse("wagtailadmin_pages:edit", args=[page_id])

    def get_task_states_user_can_moderate(self, user, **kwargs):
        states = super().get_task_states_user_can_moderate(user, **kwargs)
        if not user.is_authenticated:
            return states
        approved_elsewhere = TaskState.objects.filter(status=TaskState.STATUS_APPROVED, finished_by_id=user.pk).exclude(
            task_id=self.pk
        )
        return (
            states.exclude(workflow_state__requested_by_id=user.pk)
            .exclude(revision__user_id=user.pk)
            .exclude(workflow_state__in=approved_elsewhere.values("workflow_state"))
        )


# Page fields that are bookkeeping, not what the reviewer reads: a revision that differs from the one handed
# to the step only in these is no edit (Wagtail's editor saves a revision when a reviewer approves from the
# edit form, whenever its form reports a change, even one the reviewer never made).
BOOKKEEPING_FIELDS = frozenset(
    {
        "pk", "id", "path", "depth", "numchild", "url_path", "live", "has_unpublished_changes", "draft_title",
        "first_published_at", "last_published_at", "latest_revision", "latest_revision_created_at",
        "live_revision", "locked", "locked_at", "locked_by", "owner", "content_type", "translation_key",
        "locale", "alias_of", "wagtail_admin_comments", "comments", "expired",
    }
)  # fmt: skip


def same_content(first: dict, second: dict) -> bool:
    """Whether two revisions' contents say the same thing to a reader (bookkeeping fields aside, and a
    StreamField's block ids, which are given afresh to blocks saved without one)."""
    keys = (set(first) | set(second)) - BOOKKEEPING_FIELDS
    return all(_comparable(first.get(key)) == _comparable(second.get(key)) for key in keys)


def _comparable(value):
    if isinstance(value, str) and value.startswith("[{"):
        try:
            value = json.loads(value)
        except ValueError:
            return value
    if isinstance(value, list):
        return [_comparable(item) for item in value]
    if isinstance(value, dict):
        return {key: _comparable(item) for key, item in value.items() if key != "id"}
    return value


def last_editor_id(*, latest, handed_over) -> int | None:
    """Who last changed the content: the author of the latest revision, unless it says the same as the
    revision handed to the step (then that revision's author)."""
    if latest is None:
        return None
    if handed_over is not None and latest.pk != handed_over.pk and same_content(latest.content, handed_over.content):
        return handed_over.user_id
    return latest.user_id


def refusal_reason(
    *,
    task: ReviewTask,
    user_id: int,
    submitter_id: int | None,
    handed_over_by_id: int | None,
    latest_editor_id: int | None,
    approvals: dict[int, tuple[int, str]],
) -> str | None:
    """The rules, on plain facts: the run's submitter, the author of the revision handed to the step,
    the author of the latest revision, and who approved which step of the run (user -> (task, name))."""
    if submitter_id == user_id:
        return f"您是本稿的送审人，不能审核通过“{task.name}”：请由其他审核人处理。"
    if handed_over_by_id == user_id:
        return f"您是本稿的最后编辑人，不能审核通过“{task.name}”：请由其他审核人处理。"
    if task.kind == ReviewTask.Kind.REVIEW and latest_editor_id == user_id:
        return f"您在审核中修改过本稿，是最后编辑人，不能再审核通过“{task.name}”：请由其他审核人处理。"
    earlier = approvals.get(user_id)
    if earlier is not None and earlier[0] != task.pk:
        return f"您已审核通过本稿的“{earlier[1]}”，同一人不能通过两个步骤：“{task.name}”须由其他审核人处理。"
    return None
