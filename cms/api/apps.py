from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "cms.api"
    label = "api"
    verbose_name = "GraphQL 接口"

    def ready(self):
        from . import images  # noqa: F401 - clear errors for rendition filters, before grapple builds its schema
        from .blocks import register_block_types
        from .pages.lists import patch_positive_int

        patch_positive_int()  # before grapple builds its schema: huge offsets get a clear refusal

        register_block_types()
        register_feedback_pages()


def register_feedback_pages() -> None:
    """The opinions channel's page types (mailbox, campaign) in grapple's page registry, so that page lists
    can hold them. Only the pages: listing the whole app in GRAPPLE["APPS"] would also give its settings,
    reply templates and opinions types."""
    from grapple.actions import register_page_model

    from cms.feedback.models import CampaignPage, MailboxPage

    for model in (MailboxPage, CampaignPage):
        register_page_model(model, "")
