"""pytest plugin: a throwaway embedded PostgreSQL for the test run, unless DATABASE_URL is set.

Loaded with `-p cms.testing.embedded_pg` so it runs before pytest-django reads the settings.
"""

import os
import shutil
import tempfile
from pathlib import Path

import pytest

_run_dir: Path | None = None
_owns_cluster = False


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config, parser, args):
    """One folder per run for the cluster, media and static files; removed at the end."""
    global _run_dir, _owns_cluster
    _run_dir = Path(tempfile.mkdtemp(prefix="cms-test-"))
    os.environ["CMS_DATA_DIR"] = str(_run_dir)
    os.environ["CMS_MEDIA_ROOT"] = str(_run_dir / "media")
    (_run_dir / "static").mkdir()
    if os.environ.get("DATABASE_URL"):
        return
    from cms import dbserver

    os.environ["DATABASE_URL"] = dbserver.start(_run_dir / "pg", fast_unsafe=True)
    _owns_cluster = True


def pytest_unconfigure(config):
    global _run_dir, _owns_cluster
    if _run_dir is None:
        return
    if _owns_cluster:
        from django.db import connections

        from cms import dbserver

        connections.close_all()
        dbserver.stop(_run_dir / "pg")
    shutil.rmtree(_run_dir, ignore_errors=True)
    _run_dir, _owns_cluster = None, False
