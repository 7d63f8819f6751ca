"""pytest plugin: a throwaway embedded PostgreSQL for the test run, unless DATABASE_URL is set.

Loaded with `-p cms.testing.embedded_pg` so it runs before pytest-django reads the settings.
"""

import os
import shutil
import tempfile
from pathlib import Path

import pytest

_cluster: Path | None = None


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config, parser, args):
    global _cluster
    if os.environ.get("DATABASE_URL"):
        return
    from cms import dbserver

    _cluster = Path(tempfile.mkdtemp(prefix="cms-test-pg-"))
    os.environ["DATABASE_URL"] = dbserver.start(_cluster / "pg", fast_unsafe=True)


def pytest_unconfigure(config):
    global _cluster
    if _cluster is None:
        return
    from cms import dbserver

    from django.db import connections

    connections.close_all()
    dbserver.stop(_cluster / "pg")
    shutil.rmtree(_cluster, ignore_errors=True)
    _cluster = None
