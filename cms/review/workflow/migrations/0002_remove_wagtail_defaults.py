"""Remove Wagtail's default groups ("Editors", "Moderators"), task and workflow ("Moderators approval").

They sit beside the theme's groups (编辑, 审核) and review workflow, and nobody uses them. Runs in
every schema (each site's and the central office's) and touches nothing an editor made:

- a group is removed only if it has no members and exactly the permissions Wagtail gave it (page
  permissions on the tree's root, collection permissions on the root collection, the same global
  permissions); a group with members or changed permissions stays;
- the task is left alone if an editor gave it other groups, or while a workflow state is in progress on it; if it was ever used (its
  finished task states are the review history of pages) it is only deactivated, else removed;
- the workflow is left alone while a page is in review or sent back on it, or if an editor changed its
  steps; otherwise it no longer applies to any page, and is deactivated if it was ever used
  (history kept), else removed.

Reversing does nothing: Wagtail's defaults are not recreated.
"""

from django.db import migrations

TASK_AND_WORKFLOW = "Moderators approval"
GLOBAL = {
    ("wagtailadmin", "access_admin"),
    *(
        (app, f"{verb}_{model}")
        for app, model in (("wagtaildocs", "document"), ("wagtailimages", "image"))
        for verb in ("add", "change", "choose", "delete")
    ),
}
COLLECTION = {f"{verb}_{model}" for model in ("document", "image") for verb in ("add", "change", "choose")}
PAGE = {
    "Editors": {"add_page", "change_page"},
    "Moderators": {"add_page", "change_page", "lock_page", "publish_page", "unlock_page"},
}
ACTIVE = ("in_progress", "needs_changes")


def untouched_group(apps, group) -> bool:
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    GroupCollectionPermission = apps.get_model("wagtailcore", "GroupCollectionPermission")
    if group.user_set.exists():
        return False
    if set(group.permissions.values_list("content_type__app_label", "codename")) != GLOBAL:
        return False
    pages = list(GroupPagePermission.objects.filter(group=group).values_list("page__depth", "permission__codename"))
    if {depth for depth, _ in pages} != {1} or {codename for _, codename in pages} != PAGE[group.name]:
        return False
    collections = list(
        GroupCollectionPermission.objects.filter(group=group).values_list("collection__depth", "permission__codename")
    )
    return {depth for depth, _ in collections} == {1} and {codename for _, codename in collections} == COLLECTION


def remove_defaults(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    GroupApprovalTask = apps.get_model("wagtailcore", "GroupApprovalTask")
    TaskState = apps.get_model("wagtailcore", "TaskState")
    Workflow = apps.get_model("wagtailcore", "Workflow")
    WorkflowState = apps.get_model("wagtailcore", "WorkflowState")
    WorkflowPage = apps.get_model("wagtailcore", "WorkflowPage")
    WorkflowContentType = apps.get_model("wagtailcore", "WorkflowContentType")

    task = GroupApprovalTask.objects.filter(name=TASK_AND_WORKFLOW).first()
    if task is not None and set(task.groups.values_list("name", flat=True)) - {"Moderators"}:
        task = None  # an editor gave it other reviewers: theirs now
    task_in_use = task is not None and TaskState.objects.filter(task_id=task.pk, status="in_progress").exists()

    for workflow in Workflow.objects.filter(name=TASK_AND_WORKFLOW):
        steps = set(workflow.workflow_tasks.values_list("task_id", flat=True))
        if steps - ({task.pk} if task is not None else set()):
            continue  # an editor added steps: it is theirs now
        states = WorkflowState.objects.filter(workflow=workflow)
        if states.filter(status__in=ACTIVE).exists():
            continue
        WorkflowPage.objects.filter(workflow=workflow).delete()
        WorkflowContentType.objects.filter(workflow=workflow).delete()
        if states.exists():
            Workflow.objects.filter(pk=workflow.pk).update(active=False)
        else:
            workflow.delete()

    if task is not None and not task_in_use:
        if TaskState.objects.filter(task_id=task.pk).exists() or task.workflow_tasks.exists():
            GroupApprovalTask.objects.filter(pk=task.pk).update(active=False)
        else:
            task.delete()

    for group in Group.objects.filter(name__in=PAGE):
        if group.name == "Moderators" and task_in_use:
            continue  # the step in progress still names it
        if untouched_group(apps, group):
            group.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("review_workflow", "0001_review_task"),
        ("wagtailcore", "0098_apitoken"),
        ("wagtailadmin", "0006_formstate"),
        ("wagtaildocs", "0014_alter_document_file_size"),
        ("wagtailimages", "0027_image_description"),
    ]

    operations = [migrations.RunPython(remove_defaults, migrations.RunPython.noop)]
