from django.apps import AppConfig


class ReceiptsConfig(AppConfig):
    name = "cms.feedback.receipts"
    label = "feedback_receipts"
    verbose_name = "意见建议回执（全网）"
