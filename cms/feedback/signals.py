"""What the opinions channel tells the layers above it (the opinion watch) without importing them."""

from django.dispatch import Signal

# Sent inside the submission's transaction once an opinion is stored. Arguments: site (the Association or
# None), external_id ("<schema>:<opinion id>"), title (the channel's), text (the content with personal
# data masked: the watch lives in the public schema and never holds personal data), published_at.
opinion_submitted = Signal()
