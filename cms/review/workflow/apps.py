from django.apps import AppConfig


class ReviewWorkflowConfig(AppConfig):
    """The review steps of each site's workflow: in every site's schema (and the central office's)."""

    name = "cms.review.workflow"
    label = "review_workflow"
    verbose_name = "审核流程"
