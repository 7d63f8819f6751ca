from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "cms.feedback"
    label = "feedback"
    verbose_name = "意见建议"

    def ready(self):
        from cms.pages.models import SectionPage

        from . import receivers  # noqa: F401 - the worker's heartbeat starts the deadline sweep

        # The page library knows nothing of the channel (it sits below it): the channel adds its two page
        # types to what a section may hold, before Wagtail first reads the rule.
        extra = ["feedback.CampaignPage", "feedback.MailboxPage"]
        SectionPage.subpage_types = [
            *SectionPage.subpage_types,
            *(t for t in extra if t not in SectionPage.subpage_types),
        ]
