"""Signals the registry sends (receivers of others' signals are in sites.receivers)."""

from django.dispatch import Signal

# Sent inside the transaction that made a site, once its schema, domain and content are in place;
# `restored=True` when it is a site restored from its backup under its own slug.
site_provisioned = Signal()
