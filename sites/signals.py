"""Signals the registry sends (receivers of others' signals are in sites.receivers)."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.dispatch import Signal

# Sent inside the transaction that made a site, once its schema, domain and content are in place;
# `restored=True` when it is a site restored from its backup under its own slug.
site_provisioned = Signal()

# The schema of the site being made (created or restored) in this thread. Its receivers index its whole
# content once, on site_provisioned, rather than again for every page, domain and setting saved on the way.
_being_provisioned: ContextVar[str | None] = ContextVar("being_provisioned", default=None)


@contextmanager
def provisioning(schema_name: str) -> Iterator[None]:
    token = _being_provisioned.set(schema_name)
    try:
        yield
    finally:
        _being_provisioned.reset(token)


def being_provisioned(schema_name: str) -> bool:
    """Whether `schema_name`'s site is being made: site_provisioned will follow, inside the same transaction."""
    return _being_provisioned.get() == schema_name


# Sent by each background worker every few seconds (from its own thread, in the public schema): apps above
# the registry hang periodic work on it (e.g. the opinions channel's daily deadline sweep), deciding among
# themselves, in the database, which worker does it.
worker_heartbeat = Signal()
