from django.db.models.signals import post_save
from django.dispatch import Signal, receiver

from .models import Domain

# Sent inside the transaction that made a site, once its schema, domain and content are in place.
site_provisioned = Signal()


@receiver(post_save, sender=Domain)
def keep_wagtail_site_on_primary_domain(sender, instance: Domain, **kwargs):
    if instance.is_primary:
        from .services import sync_wagtail_site

        sync_wagtail_site(association=instance.tenant)
