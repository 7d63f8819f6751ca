"""Named points where the fault tests (and `cms faults`) make a process die, as `kill -9` would.

CMS_FAILPOINTS="syndication.deliver.before_commit:2" kills the process (SIGKILL: no cleanup, no
`finally`) the second time it passes that point. Unset, as in normal operation, a point costs one
dictionary lookup. Each process reads the variable once, when this module is imported.
"""

from __future__ import annotations

import os
import signal


def _parse(spec: str) -> dict[str, int]:
    points = {}
    for item in filter(None, (part.strip() for part in spec.split(","))):
        name, _, hits = item.partition(":")
        points[name] = int(hits or 1)
    return points


POINTS = _parse(os.environ.get("CMS_FAILPOINTS", ""))
_passed: dict[str, int] = {}


def failpoint(name: str) -> None:
    """Die here if CMS_FAILPOINTS names this point and this is the pass it names."""
    hits = POINTS.get(name)
    if hits is None:
        return
    _passed[name] = _passed.get(name, 0) + 1
    if _passed[name] == hits:
        os.kill(os.getpid(), signal.SIGKILL)
