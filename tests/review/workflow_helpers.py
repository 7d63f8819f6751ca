"""A site with the theme's 三审三校 review workflow on one section, and a cast of users."""

from dataclasses import dataclass, field

from django.contrib.auth.models import Group, Permission
from django_tenants.utils import schema_context
from wagtail.models import GroupPagePermission, Page, Workflow, WorkflowPage, WorkflowTask

from cms.accounts.models import User
from cms.pages.models import ArticlePage
from cms.review.workflow.models import ReviewTask
from tests.conftest import home_page
from tests.factories import make_section
from themes.blueprint import get_theme

PAGE_PERMISSIONS = {"add": "add_page", "change": "change_page", "publish": "publish_page"}
CAST = {
    "writer": "编辑",
    "editor": "编辑",
    "editor2": "编辑",
    "proof1": "校对",
    "proof2": "校对",
    "proof3": "校对",
    "chief": "审核",
    "chief2": "审核",
    "chief3": "审核",
}


@dataclass
class ReviewSite:
    site: object
    workflow: Workflow
    section: Page
    users: dict = field(default_factory=dict)

    def user(self, name):
        return self.users[name]

    def submit(self, title, *, by="writer", body="正文内容", author=None):
        """A draft written by `author` (default: the submitter) and submitted to review by `by`."""
        with schema_context(self.site.schema_name):
            article = ArticlePage(title=title, body=[{"type": "paragraph", "value": f"<p>{body}</p>"}], live=False)
            Page.objects.get(pk=self.section.pk).add_child(instance=article)
            article.save_revision(user=self.user(author or by))
            self.workflow.start(article, self.user(by))
            return article

    def current(self, article):
        with schema_context(self.site.schema_name):
            page = Page.objects.get(pk=article.pk)
            state = page.current_workflow_task_state
            return (state, state.task.specific) if state else (None, None)

    def step_name(self, article):
        state, task = self.current(article)
        return task.name if task else None

    def approve(self, article, name):
        with schema_context(self.site.schema_name):
            state, task = self.current(article)
            return task.on_action(state, self.user(name), "approve")

    def edit(self, article, name, title):
        with schema_context(self.site.schema_name):
            page = ArticlePage.objects.get(pk=article.pk)
            page.title = title
            page.save_revision(user=self.user(name))

    def live(self, article):
        with schema_context(self.site.schema_name):
            return Page.objects.get(pk=article.pk).live


def review_site(site, theme="provincial_federation") -> ReviewSite:
    """The theme's groups and workflow (as themes/install.py makes them) on a new section of `site`."""
    theme = get_theme(theme)
    with schema_context(site.schema_name):
        home = home_page(site)
        access_admin = Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
        groups = {}
        for spec in theme.groups:
            group, _ = Group.objects.get_or_create(name=spec.name)
            group.permissions.add(access_admin)
            for name in spec.permissions:
                permission = Permission.objects.get(
                    content_type__app_label="wagtailcore", codename=PAGE_PERMISSIONS[name]
                )
                GroupPagePermission.objects.get_or_create(group=group, page=home, permission=permission)
            groups[spec.name] = group
        workflow = Workflow.objects.create(name=theme.workflow_name)
        for order, step in enumerate(theme.workflow_steps):
            task = ReviewTask.objects.create(name=step.name, kind=step.kind, levels=list(step.levels))
            task.groups.set([groups[step.group]])
            WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=order)
        section = make_section(site, "审核栏目", "reviewed")
        WorkflowPage.objects.create(page=Page.objects.get(pk=section.pk), workflow=workflow)
        users = {}
        for username, group_name in CAST.items():
            user = User.objects.create_user(username=username, password=f"pw-{username}-12345")
            user.groups.add(groups[group_name])
            users[username] = user
        return ReviewSite(site=site, workflow=workflow, section=section, users=users)
