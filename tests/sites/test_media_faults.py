"""A write that fails half-way (a full disk) leaves no file behind; `cms media check` finds and removes
files that no row references."""

import os
import resource
import signal
import time
from contextlib import contextmanager

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import transaction
from django_tenants.utils import schema_context

from cms.media.models import SiteDocument
from sites.orphans import orphan_files
from tests.factories import make_document, make_image


@contextmanager
def file_size_limit(limit: int):
    """Writes past `limit` bytes fail with EFBIG, as a full disk fails with ENOSPC: a real failed write."""
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    previous = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, previous)


@pytest.mark.faults
def test_an_upload_that_fails_half_way_leaves_no_file_and_no_row(alpha, settings):
    folder = settings.MEDIA_ROOT / "alpha" / "documents"
    before = set(folder.iterdir()) if folder.exists() else set()
    # When a 256 KiB document is uploaded and the write fails after 64 KiB
    with schema_context(alpha.schema_name):
        document = SiteDocument(title="写到一半失败的附件")
        document.file = ContentFile(b"x" * 256 * 1024, name="big-notice.pdf")
        with file_size_limit(64 * 1024), pytest.raises(OSError, match="File too large"), transaction.atomic():
            document.save()
        # Then there is no row for it, and no partial file in the folder
        assert not SiteDocument.objects.filter(title="写到一半失败的附件").exists()
    after = set(folder.iterdir()) if folder.exists() else set()
    assert after == before, after - before


def test_media_check_lists_and_removes_files_no_row_references(committed, alpha, settings, capsys):
    # Given alpha's files, and two a failed process left behind an hour ago, plus one being uploaded right now
    kept_image, kept_document = make_image(alpha, "保留的图片"), make_document(alpha, "保留的附件")
    root = settings.MEDIA_ROOT / "alpha"
    stale = [root / "original_images" / "orphan-a.png", root / "documents" / "orphan-b.pdf"]
    for path in stale:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"left over")
        os.utime(path, (time.time() - 7200, time.time() - 7200))
    fresh = root / "documents" / "uploading-now.pdf"
    fresh.write_bytes(b"not committed yet")
    try:
        # When the check runs
        report = orphan_files(site=alpha, older_than_seconds=3600)
        # Then it names exactly the stale orphans: not the referenced files, not the fresh upload
        assert report.files == sorted(stale)
        call_command("media_check", site="alpha", delete=True)
        assert "2 orphan files" in capsys.readouterr().out
        assert not any(path.exists() for path in stale) and fresh.exists()
        with schema_context(alpha.schema_name):
            assert (root / kept_image.file.name).exists() and (root / kept_document.file.name).exists()
    finally:
        fresh.unlink(missing_ok=True)
        with schema_context(alpha.schema_name):
            kept_image.delete()
            kept_document.delete()
