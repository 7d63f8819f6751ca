"""The editor's publish: a refusal shown as a message on the edit page (the revision stays a draft).
The same check guards every other path (publishing.py); this only makes the editor's case friendly.
Below: the 内容安全 admin menu, the 待我审核 dashboard panel, and who must act on a page in review."""

from django.shortcuts import redirect
from django.urls import reverse
from wagtail import hooks
from wagtail.admin import messages
from wagtail.admin.menu import Menu, MenuItem, SubmenuMenuItem

from . import admin_views
from .publishing import refusal
from .screening import site_of_schema
from .workflow.panels import ReviewQueuePanel
from .workflow.selectors import pending_steps


@hooks.register("before_publish_page")
def refuse_unscreened_publish(request, page):
    revision = page.get_latest_revision()
    if revision is None:
        return None
    problem = refusal(revision=revision, site=site_of_schema())
    if problem is None:
        return None
    messages.error(request, str(problem), buttons=override_buttons(problem, page.pk))
    return redirect("wagtailadmin_pages:edit", page.pk)


def override_buttons(problem, page_id: int) -> list:
    """A review-level refusal offers the reviewer the override form (block-level hits cannot be overridden)."""
    result = getattr(problem, "result", None)
    if result is None or result.blocked or not result.needs_review:
        return []
    return [messages.button(reverse("review_override_new", args=[page_id]), "填写理由放行")]


# --- The 内容安全 admin, the review queue on the dashboard, and who must act on a page in review ---


@hooks.register("register_admin_urls")
def register_review_urls():
    from django.urls import path

    from . import admin_views as views

    return [
        path("review/lexicon/", views.lexicon_view, name="review_lexicon"),
        path("review/lexicon/remove/", views.lexicon_remove_view, name="review_lexicon_remove"),
        path("review/lexicon/import/", views.lexicon_import_view, name="review_lexicon_import"),
        path("review/lexicon/export/", views.lexicon_export_view, name="review_lexicon_export"),
        path("review/lexicon/history/", views.lexicon_history_view, name="review_history"),
        path("review/findings/", views.findings_view, name="review_findings"),
        path("review/overrides/", views.overrides_view, name="review_overrides"),
        path("review/overrides/pages/<int:page_id>/", views.override_new_view, name="review_override_new"),
        path("review/steps/", views.steps_view, name="review_steps"),
        path("review/policies/", views.policies_view, name="review_policies"),
        path("review/policies/<int:site_id>/", views.policy_edit_view, name="review_policy_edit"),
    ]


class ScreeningMenuItem(MenuItem):
    def is_shown(self, request):
        return admin_views.can_manage_screening(request.user)


class CentralMenuItem(MenuItem):
    def is_shown(self, request):
        return admin_views.is_central(request) and admin_views.can_manage_screening(request.user)


class SafetyMenu(SubmenuMenuItem):
    def is_shown(self, request):
        return request.user.is_active


@hooks.register("register_admin_menu_item")
def register_review_menu():
    items = [
        MenuItem("审核进度", reverse("review_steps"), name="review-steps", icon_name="tasks", order=10),
        ScreeningMenuItem("敏感词库", reverse("review_lexicon"), name="review-lexicon", icon_name="warning", order=20),
        ScreeningMenuItem(
            "词库变更记录", reverse("review_history"), name="review-history", icon_name="history", order=30
        ),
        ScreeningMenuItem("复查命中", reverse("review_findings"), name="review-findings", icon_name="search", order=40),
        ScreeningMenuItem("放行记录", reverse("review_overrides"), name="review-overrides", icon_name="tick", order=50),
        CentralMenuItem(
            "各网站审核设置", reverse("review_policies"), name="review-policies", icon_name="cog", order=60
        ),
    ]
    return SafetyMenu("内容安全", Menu(items=items), name="content-safety", icon_name="warning", order=170)


@hooks.register("construct_homepage_panels")
def add_review_queue_panel(request, panels):
    # 待我审核 replaces Wagtail's "Awaiting your review": the same steps, without those the user may not
    # pass, with who sent them and whether they are overdue.
    panels[:] = [panel for panel in panels if getattr(panel, "name", "") != "workflow_objects_to_moderate"]
    panels.append(ReviewQueuePanel())


@hooks.register("before_edit_page")
def show_who_must_act(request, page):
    """On the edit page of a page in review: the step, who must act next, overdue or not, and, for a
    reviewer the rules refuse, why (the approve action is not offered to them)."""
    if request.method != "GET" or not page.workflow_in_progress:
        return None
    steps = pending_steps(page_id=page.pk)
    if not steps:
        return None
    step = steps[0]
    overdue = f"，已等待 {step.waited_days} 个工作日，已超期" if step.overdue else f"，请于 {step.due:%Y-%m-%d} 前处理"
    messages.info(request, f"审核中：{step.workflow}“{step.step}”步骤，待 {step.who} 处理{overdue}。")
    why = step.refusal_for(request.user)
    if why:
        messages.warning(request, why)
    return None
