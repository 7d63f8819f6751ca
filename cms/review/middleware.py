"""Keeps the request at hand for workflow steps: a refused approval (separation of duties, or screening
on "approve and publish") is then shown to the editor as a message on the page's edit view instead of
Wagtail's generic "no permission" page (see cms/review/workflow/models.py, ReviewTask.on_action)."""

from .workflow.context import current_request


class RefusalMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = current_request.set(request)
        try:
            return self.get_response(request)
        finally:
            current_request.reset(token)
