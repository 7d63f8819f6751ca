from django.db.models.signals import post_delete, post_save
from django.dispatch import Signal, receiver

from .models import Association, Domain

# Sent inside the transaction that made a site, once its schema, domain and content are in place.
site_provisioned = Signal()


@receiver(post_save, sender=Domain)
def keep_wagtail_site_on_primary_domain(sender, instance: Domain, **kwargs):
    if instance.is_primary:
        from .services import sync_wagtail_site

        sync_wagtail_site(association=instance.tenant)


@receiver(post_save, sender=Domain)
@receiver(post_delete, sender=Domain)
def forget_cached_route_of_domain(sender, instance: Domain, **kwargs):
    from .selectors import forget_hosts

    forget_hosts([instance.domain])


@receiver(post_save, sender=Association)
@receiver(post_delete, sender=Association)
def forget_cached_routes_of_site(sender, instance: Association, **kwargs):
    from .selectors import forget_hosts

    forget_hosts(list(Domain.objects.filter(tenant_id=instance.pk).values_list("domain", flat=True)))
