"""Append-only audit log of every security-relevant action on every site (issue 12, section 3)."""
