"""Stop the Pulumi SDK's provider pickler from growing one wrapper per dynamic resource.

`pulumi.dynamic`'s `serialize_provider` (SDK 3.272) makes the pure-Python pickler sort dict
items by setting `pickle._Pickler._batch_setitems` to a wrapper around whatever is there, and
never puts the previous one back. Each dynamic resource adds a layer: every pickle walks all of
them, and a program with ~985 dynamic resources dies with `RecursionError` (pulumi#17803).

`install()` wraps `serialize_provider`: after each call, if the pickler's `_batch_setitems` is a
new function that closes over the one that was there before the call (the layer the SDK left
behind), it puts the previous one back. The sort still applies while the SDK pickles, so the
bytes in state are the same. Once the SDK stops leaving a layer behind, nothing matches and
this does nothing.
"""

from __future__ import annotations

import functools
import pickle
import threading
from collections.abc import Callable
from typing import Any

from pulumi.dynamic import dynamic as _dynamic

_MARK = "_kop_unchained"
_LOCK = threading.RLock()
_removed = 0  # layers taken off since install(), for tests and the bench


def _closes_over(func: Any, inner: Any) -> bool:
    """Whether `func` is a closure holding `inner` (a wrapper around it)."""
    for cell in getattr(func, "__closure__", None) or ():
        try:
            if cell.cell_contents is inner:
                return True
        except ValueError:  # an empty cell
            continue
    return False


def _current() -> Any:
    return pickle._Pickler.__dict__.get("_batch_setitems")  # type: ignore[attr-defined]


def unchained(serialize: Callable[[Any], str]) -> Callable[[Any], str]:
    """`serialize`, which puts back the pickler layer it finds `serialize` left behind."""

    @functools.wraps(serialize)
    def serialize_provider(provider: Any) -> str:
        global _removed
        with _LOCK:
            before = _current()
            try:
                return serialize(provider)
            finally:
                after = _current()
                if before is not None and after is not before and _closes_over(after, before):
                    pickle._Pickler._batch_setitems = before  # type: ignore[attr-defined]
                    _removed += 1

    setattr(serialize_provider, _MARK, True)
    return serialize_provider


def install() -> None:
    """Wrap the SDK's `serialize_provider` once (the dynamic Resource looks it up per call)."""
    with _LOCK:
        if not getattr(_dynamic.serialize_provider, _MARK, False):
            _dynamic.serialize_provider = unchained(_dynamic.serialize_provider)


def layers_removed() -> int:
    """How many wrapper layers the SDK left behind and this module took off."""
    return _removed


install()
