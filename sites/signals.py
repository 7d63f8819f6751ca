"""Signals the registry sends (receivers of others' signals are in sites.receivers)."""

from django.dispatch import Signal

# Sent inside the transaction that made a site, once its schema, domain and content are in place;
# `restored=True` when it is a site restored from its backup under its own slug.
site_provisioned = Signal()

# Sent by each background worker every few seconds (from its own thread, in the public schema): apps above
# the registry hang periodic work on it (e.g. the opinions channel's daily deadline sweep), deciding among
# themselves, in the database, which worker does it.
worker_heartbeat = Signal()
