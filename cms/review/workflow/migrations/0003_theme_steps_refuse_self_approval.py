"""Existing sites: the steps of the theme's review workflow become review steps that cannot be passed
alone (ReviewTask), in place.

Sites made before this change have the theme's workflow (三审三校 or 两级审核) built of Wagtail group
approval tasks named 初审, 复审, 终审 (a theme's 校 steps too, if any). Each such task keeps its row,
id, name, groups and whatever is in progress on it; only its type changes (the group-approval row is
replaced by a review-step row, and the task's content type follows), with the levels the themes give
it. A task of another name or in a workflow an editor made is left alone. New 校 steps are not added
to existing workflows: the central office adds them in Wagtail's workflow editor if a site wants them.
"""

from django.db import migrations

THEME_WORKFLOWS = ["三审三校", "两级审核"]
LEVELS = {"一校": [], "初审": [2, 3], "二校": [2, 3], "复审": [3], "三校": [3], "终审": []}
PROOFREADING = {"一校", "二校", "三校"}


def convert(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Task = apps.get_model("wagtailcore", "Task")
    GroupApprovalTask = apps.get_model("wagtailcore", "GroupApprovalTask")
    ReviewTask = apps.get_model("review_workflow", "ReviewTask")
    review_type, _ = ContentType.objects.get_or_create(app_label="review_workflow", model="reviewtask")
    tasks = GroupApprovalTask.objects.filter(
        name__in=LEVELS, workflow_tasks__workflow__name__in=THEME_WORKFLOWS
    ).distinct()
    for task in list(tasks):
        pk, name, group_ids = task.pk, task.name, list(task.groups.values_list("pk", flat=True))
        task.delete(keep_parents=True)  # the group-approval row and its groups; the Task row stays
        step = ReviewTask(
            task_ptr_id=pk,
            kind="proofread" if name in PROOFREADING else "review",
            levels=LEVELS[name],
        )
        step.save_base(raw=True)  # the review-step row only, beside the existing Task row
        step.groups.set(group_ids)
        Task.objects.filter(pk=pk).update(content_type=review_type)


class Migration(migrations.Migration):
    dependencies = [("review_workflow", "0002_remove_wagtail_defaults")]

    operations = [migrations.RunPython(convert, migrations.RunPython.noop)]
