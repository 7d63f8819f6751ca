"""The network-wide part of the opinions channel, in the public schema: receipts and rate counters.

A receipt holds no personal data: the hash of an opinion's tracking code, the site that currently holds it,
its status, dates, category and public reply. Code lookups and the central office's figures read receipts
only, never a site's schema.
"""
