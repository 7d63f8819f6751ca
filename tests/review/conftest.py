import pytest


@pytest.fixture(autouse=True)
def queued_tasks(settings):
    """Tasks are recorded, not run: a test runs the one it means to."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    from django_tasks import default_task_backend

    yield default_task_backend
