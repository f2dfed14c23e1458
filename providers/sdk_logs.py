"""Keep the Pulumi SDK's per-resource debug lines off the wire unless someone asks for them.

The Python SDK (3.272) sends every `pulumi.log.debug` line to the engine as a blocking gRPC
call on the program's main thread, four per resource ("registering resource", "resource
registration prepared", "... successful", outputs). The engine shows debug lines only under
`pulumi up --debug`, and the program cannot tell whether that flag is set. A program of 1,000
developer apps (4,009 resources) makes 16,000 such round trips, and its main thread, the one
every registration passes through, spends about a third of its time waiting on them.

`quiet()` drops debug lines before they reach the engine. Set `KONG_OKTA_PORTAL_SDK_DEBUG=1`
(with `pulumi up --debug`) to send them as the SDK does. Info, warnings and errors are
untouched.
"""

from __future__ import annotations

import os
from typing import Any

import pulumi.log

ENV = "KONG_OKTA_PORTAL_SDK_DEBUG"
_sdk_debug = pulumi.log.debug


def _dropped(msg: str, *_args: Any, **_kwargs: Any) -> None:
    """A debug line nobody will see (see the module)."""


def quiet() -> bool:
    """Drop the SDK's debug lines unless `KONG_OKTA_PORTAL_SDK_DEBUG` is set; True if dropped."""
    keep = os.environ.get(ENV, "").strip().lower() in ("1", "true", "yes", "on")
    pulumi.log.debug = _sdk_debug if keep else _dropped
    return not keep
