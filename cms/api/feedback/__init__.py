"""The opinions channel over GraphQL: channels, the form token, submission, lookup by tracking code, public Q&A.
Nothing here returns personal data."""
