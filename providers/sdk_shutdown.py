"""A registration the engine cancels while it stops after a failure ends quietly.

When a resource fails, the engine stops the update and cancels the program's registrations
still in flight. The Python SDK (3.272) turns the monitor's UNAVAILABLE answer into a
`RunError` ("Resource monitor has terminated, shutting down", printed without a traceback) but
a CANCELLED one ("context canceled") into a plain `Exception`, which the language host prints
with a 30-line traceback under the real error the user has to act on. `install()` treats
CANCELLED as the SDK treats UNAVAILABLE; every other gRPC error is converted as before.
"""

from __future__ import annotations

import grpc
from pulumi.errors import RunError
from pulumi.runtime import settings

_sdk_convert = settings.grpc_error_to_exception


def _convert(exn: grpc.RpcError) -> Exception:
    if exn.code() == grpc.StatusCode.CANCELLED:  # type: ignore[attr-defined]
        return RunError("Resource monitor has terminated, shutting down")
    return _sdk_convert(exn)


def install() -> None:
    """Route the SDK's gRPC error conversion through `_convert` (idempotent)."""
    settings.grpc_error_to_exception = _convert
