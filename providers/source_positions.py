"""Register this package's dynamic resources without the SDK's Python stack capture.

For every resource it registers, the Pulumi Python SDK (3.272) walks the whole call stack with
`traceback.extract_stack` (reading each frame's source line) and turns every frame below the
resource's constructor into a `file://` URI with `pathlib`, then sends the list to the engine,
which stores it in state (`sourcePosition`, `stackTrace`). For the Kong objects and identity
clients every entry points inside this package (`kong_resources.py`, `portal.py`, the language
host, asyncio), the same for all of them, so it tells a reader nothing; yet at 1,000 developer
apps it was about a fifth of the program's CPU and 40% of the state's bytes (1.4 KB of 3.4 KB
per resource).

`without_source_position()` marks the registrations made inside it; the SDK's `_get_stack_trace`
is wrapped once so that a marked registration gets an empty trace (the engine then records no
position, as for a resource registered from another language). Every other resource (the
components, pulumi-okta's, a user's own) keeps the SDK's capture. If the SDK no longer has the
function, nothing is wrapped and our resources keep their traces too.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import threading
from collections.abc import Callable, Iterator
from typing import Any

from pulumi.runtime import resource as _sdk_resource

_MARK = "_kop_marked_only"
_SKIP: contextvars.ContextVar[bool] = contextvars.ContextVar("kop_skip_stack", default=False)
_LOCK = threading.Lock()


def _skipping(capture: Callable[[], Any], empty: Callable[[], Any]) -> Callable[[], Any]:
    """`capture`, except inside `without_source_position()`: `empty()` instead."""

    @functools.wraps(capture)
    def get_stack_trace() -> Any:
        return empty() if _SKIP.get() else capture()

    setattr(get_stack_trace, _MARK, True)
    return get_stack_trace


def install() -> bool:
    """Wrap the SDK's stack capture once; False when this SDK has none to wrap."""
    with _LOCK:
        capture = getattr(_sdk_resource, "_get_stack_trace", None)
        empty = getattr(getattr(_sdk_resource, "source_pb2", None), "StackTrace", None)
        if capture is None or empty is None:
            return False
        if not getattr(capture, _MARK, False):
            _sdk_resource._get_stack_trace = _skipping(capture, empty)
        return True


@contextlib.contextmanager
def without_source_position() -> Iterator[None]:
    """Registrations made inside carry no Python stack (see the module docstring)."""
    token = _SKIP.set(True)
    try:
        yield
    finally:
        _SKIP.reset(token)


install()
