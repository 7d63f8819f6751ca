import contextlib
import os

from django.conf import settings
from django_tenants.files.storage import TenantFileSystemStorage

from cms.media.origin import request_origin


class TenantMediaStorage(TenantFileSystemStorage):
    """Files live under MEDIA_ROOT/<schema>/, but URLs carry no schema name.

    The media view serves /media/<path> from the folder of the host's own site, so a
    file of one site cannot be fetched through another site's host. During a request,
    URLs are absolute on the requesting site's own host (front ends on other domains
    can use them as they are); outside a request they are relative.
    """

    @property
    def base_url(self):
        origin = request_origin.get()
        return f"{origin}{settings.MEDIA_URL}" if origin else settings.MEDIA_URL

    def _save(self, name, content):
        try:
            return super()._save(name, content)
        except OSError:
            # A write that failed half-way (a full disk, a file-size limit) leaves no partial file behind:
            # the name was new (the file is opened exclusively), so what is there is ours.
            with contextlib.suppress(OSError):
                os.remove(self.path(name))
            raise
