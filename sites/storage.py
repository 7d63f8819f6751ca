from django.conf import settings
from django_tenants.files.storage import TenantFileSystemStorage


class TenantMediaStorage(TenantFileSystemStorage):
    """Files live under MEDIA_ROOT/<schema>/, but URLs carry no schema name.

    The media view serves /media/<path> from the folder of the host's own site,
    so a file of one site cannot be fetched through another site's host.
    """

    @property
    def base_url(self):
        return settings.MEDIA_URL
