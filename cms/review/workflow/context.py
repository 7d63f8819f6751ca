"""The admin request being answered, for the one place Wagtail gives no request: a workflow task's
`on_action`. Set by cms.review.middleware.RefusalMiddleware for the duration of each request."""

from __future__ import annotations

from contextvars import ContextVar

current_request: ContextVar = ContextVar("review_current_request", default=None)
