#!/usr/bin/env python
"""Django's command-line utility; `cms manage ...` is the same with the embedded database started."""

import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.dev")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(sys.argv)
    except ImproperlyConfigured as error:  # a setting is missing or wrong: say which, in one sentence
        sys.exit(f"manage.py: {error}")
