"""The public address of a site: its registered domain with the configured scheme and port.

Built in cms.media.origin (the lowest layer that needs it: pages and media build absolute URLs too);
named here as well for the tenancy layer and the commands.
"""

from cms.media.origin import DEFAULT_PORTS, complete_url, portable_url, public_origin, public_port

__all__ = ["DEFAULT_PORTS", "complete_url", "portable_url", "public_origin", "public_port"]
