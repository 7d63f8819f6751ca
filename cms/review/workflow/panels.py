"""The dashboard panel 待我审核: the steps the signed-in user may pass now, overdue ones flagged."""

from __future__ import annotations

import datetime

from wagtail.admin.ui.components import Component

from .selectors import pending_steps

PANEL_LIMIT = 20


class ReviewQueuePanel(Component):
    name = "review_queue"
    template_name = "review/review_queue_panel.html"
    order = 210

    def __init__(self, *, today: datetime.date | None = None):
        self.today = today  # None: today; tests pass a date

    def get_context_data(self, parent_context):
        request = parent_context["request"]
        steps = pending_steps(user=request.user, today=self.today)
        return {"steps": steps[:PANEL_LIMIT], "more": max(len(steps) - PANEL_LIMIT, 0), "request": request}
