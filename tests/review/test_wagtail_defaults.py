"""Wagtail's default groups, task and workflow: absent from new sites, removed from existing ones by
the migration review_workflow 0002, which leaves alone whatever an editor made or is using."""

import importlib

from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django_tenants.utils import schema_context
from wagtail.models import (
    Collection,
    GroupApprovalTask,
    GroupCollectionPermission,
    GroupPagePermission,
    Page,
    Task,
    TaskState,
    Workflow,
    WorkflowPage,
    WorkflowState,
    WorkflowTask,
)

from cms.accounts.models import User
from cms.review.workflow.models import ReviewTask
from sites import services
from sites.models import Association
from tests.conftest import add_article

migration = importlib.import_module("cms.review.workflow.migrations.0002_remove_wagtail_defaults")
DEFAULT_NAMES = ["Editors", "Moderators"]


def test_a_new_site_has_only_the_theme_s_groups_and_review_steps(committed):
    # when a site is created from a theme with 三审三校
    site = services.create_site(
        name="临时审核文联",
        short_name="临时审核",
        slug="tmp-review",
        kind="provincial",
        domain="tmp-review.localhost",
        parent=Association.objects.get(slug="alpha"),
        admin=None,
        theme="provincial_federation",
    )
    with schema_context(site.schema_name):
        # then Wagtail's defaults are gone and the theme's groups remain
        assert sorted(Group.objects.values_list("name", flat=True)) == ["审核", "校对", "编辑"]
        assert not Task.objects.filter(name="Moderators approval").exists()
        assert list(Workflow.objects.values_list("name", flat=True)) == ["三审三校"]
        # the workflow's steps are review steps that cannot be passed alone, 校 included
        steps = list(
            ReviewTask.objects.order_by("workflow_tasks__sort_order").values_list("name", "kind", "levels", "active")
        )
        assert [name for name, *_ in steps] == ["一校", "初审", "二校", "复审", "三校", "终审"]
        assert [kind for _, kind, *_ in steps] == ["proofread", "review"] * 3
        assert dict((name, levels) for name, _, levels, _ in steps)["复审"] == [3]
        assert Task.objects.count() == ReviewTask.objects.filter(active=True).count() == 6
        # and those who publish may keep the site's screening
        assert Group.objects.get(name="审核").permissions.filter(codename="manage_screening").exists()
        assert not Group.objects.get(name="编辑").permissions.filter(codename="manage_screening").exists()


def _wagtail_defaults():
    """Wagtail's default groups, task and workflow, as a site made before this change has them."""
    root = Page.get_first_root_node()
    root_collection = Collection.get_first_root_node()
    global_permissions = Permission.objects.filter(
        content_type__app_label__in=["wagtailadmin", "wagtaildocs", "wagtailimages"],
        codename__in=[
            "access_admin",
            *(f"{verb}_{model}" for model in ("document", "image") for verb in ("add", "change", "choose", "delete")),
        ],
    )
    collection_permissions = Permission.objects.filter(
        codename__in=[f"{verb}_{model}" for model in ("document", "image") for verb in ("add", "change", "choose")]
    )
    groups = {}
    for name, codenames in migration.PAGE.items():
        group = Group.objects.create(name=name)
        group.permissions.set(global_permissions)
        for codename in codenames:
            GroupPagePermission.objects.create(
                group=group, page=root, permission=Permission.objects.get(codename=codename)
            )
        for permission in collection_permissions:
            GroupCollectionPermission.objects.create(group=group, collection=root_collection, permission=permission)
        groups[name] = group
    task = GroupApprovalTask.objects.create(name="Moderators approval")
    task.groups.set([groups["Moderators"]])
    workflow = Workflow.objects.create(name="Moderators approval")
    WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
    WorkflowPage.objects.create(page=root, workflow=workflow)
    return groups, task, workflow


def test_the_migration_removes_untouched_defaults_from_an_existing_site(gamma):
    # given a site made before the change, with Wagtail's defaults untouched
    with schema_context(gamma.schema_name):
        _wagtail_defaults()
        # when the migration runs
        migration.remove_defaults(apps, None)
        # then they are gone, and the theme's group stays
        assert not Group.objects.filter(name__in=DEFAULT_NAMES).exists()
        assert not Task.objects.filter(name="Moderators approval").exists()
        assert not Workflow.objects.filter(name="Moderators approval").exists()
        assert Group.objects.filter(name="编辑").exists()


def test_the_migration_leaves_what_editors_made_or_use(gamma):
    # given the defaults, where an editor put a user in Editors, gave Moderators one more permission,
    # and a page is in review on the default workflow
    article = add_article(gamma, "默认流程中的稿件")
    with schema_context(gamma.schema_name):
        groups, task, workflow = _wagtail_defaults()
        member = User.objects.create_user(username="old-editor", password="pw-old-editor-1")
        member.groups.add(groups["Editors"])
        groups["Moderators"].permissions.add(Permission.objects.get(codename="add_user"))
        page = Page.objects.get(pk=article.pk).specific
        page.save_revision(user=member)
        workflow.start(page, member)
        # when the migration runs
        migration.remove_defaults(apps, None)
        # then nothing of it is touched
        assert sorted(Group.objects.filter(name__in=DEFAULT_NAMES).values_list("name", flat=True)) == DEFAULT_NAMES
        assert Task.objects.get(pk=task.pk).active
        assert Workflow.objects.get(pk=workflow.pk).active and WorkflowPage.objects.filter(workflow=workflow).exists()
        # when the review ends (history kept) and the editor leaves, the migration runs again
        TaskState.objects.filter(task=task).update(status="approved")
        WorkflowState.objects.filter(workflow=workflow).update(status="approved")
        member.groups.clear()
        migration.remove_defaults(apps, None)
        # then the task and the workflow are only deactivated (their history stays), the untouched
        # Editors group goes, the Moderators group with its extra permission stays
        assert not Task.objects.get(pk=task.pk).active
        assert not Workflow.objects.get(pk=workflow.pk).active
        assert not WorkflowPage.objects.filter(workflow=workflow).exists()
        assert list(Group.objects.filter(name__in=DEFAULT_NAMES).values_list("name", flat=True)) == ["Moderators"]


def test_an_existing_site_s_theme_steps_become_review_steps_in_place(gamma):
    # given a site made before the change: the theme's 三审三校 of group approval tasks, a page in
    # review at 初审 submitted by the writer, and a workflow an editor made
    import pytest

    from cms.pages.models import ArticlePage
    from cms.review.workflow.models import ApprovalRefused
    from tests.factories import make_section

    converting = importlib.import_module("cms.review.workflow.migrations.0003_theme_steps_refuse_self_approval")
    with schema_context(gamma.schema_name):
        editors, chiefs = Group.objects.get(name="编辑"), Group.objects.create(name="审核")
        workflow = Workflow.objects.create(name="三审三校")
        tasks = {}
        for order, (name, group) in enumerate((("初审", editors), ("复审", chiefs), ("终审", chiefs))):
            tasks[name] = GroupApprovalTask.objects.create(name=name)
            tasks[name].groups.set([group])
            WorkflowTask.objects.create(workflow=workflow, task=tasks[name], sort_order=order)
        own = Workflow.objects.create(name="自建流程")
        own_task = GroupApprovalTask.objects.create(name="初审")
        WorkflowTask.objects.create(workflow=own, task=own_task, sort_order=0)
        section = make_section(gamma, "旧流程栏目", "old-review")
        WorkflowPage.objects.create(page=Page.objects.get(pk=section.pk), workflow=workflow)
        writer = User.objects.create_user(username="old-writer", password="pw-old-writer-1")
        editor = User.objects.create_user(username="old-editor2", password="pw-old-editor-2")
        for user in (writer, editor):
            user.groups.add(editors)
        article = ArticlePage(title="旧流程中的稿件", live=False)
        section.add_child(instance=article)
        article.save_revision(user=writer)
        workflow.start(article, writer)
        # when the migration runs
        converting.convert(apps, None)
        # then the theme's steps are review steps, same ids, groups and levels as the themes give them
        first = Task.objects.get(pk=tasks["初审"].pk).specific
        assert isinstance(first, ReviewTask) and (first.name, first.levels, first.kind) == ("初审", [2, 3], "review")
        assert list(first.groups.all()) == [editors]
        assert Task.objects.get(pk=tasks["复审"].pk).specific.levels == [3]
        assert not GroupApprovalTask.objects.filter(pk__in=[t.pk for t in tasks.values()]).exists()
        assert type(Task.objects.get(pk=own_task.pk).specific) is GroupApprovalTask  # the editor's: untouched
        # and the review in progress goes on under the new rules
        page = Page.objects.get(pk=article.pk)
        state = page.current_workflow_task_state
        assert state.task_id == first.pk and state.status == "in_progress"
        with pytest.raises(ApprovalRefused, match="送审人"):
            first.on_action(state, writer, "approve")
        first.on_action(state, editor, "approve")
        assert Page.objects.get(pk=article.pk).current_workflow_task.name == "复审"
