"""`python -m sandbox`: run the sandbox servers on 127.0.0.1 in one process and one event loop.

Prints exactly one JSON line on stdout once every server accepts connections, e.g.
`{"admin": "http://127.0.0.1:8001"}`, then runs until SIGINT/SIGTERM and exits 0.
Run `python -m sandbox --help` for the flags.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import socket
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import uvicorn

from sandbox.admin.app import create_admin_app
from sandbox.admin.backend import Backend
from sandbox.faults import FaultController, FaultInjector
from sandbox.settings import DEFAULT_KONG_VERSION, PORTAL_APP_AUTH_MODES, NodeSettings
from sandbox.state import StateRegistry

HOST = "127.0.0.1"


@dataclass
class ServerSpec:
    """One server of the sandbox: its name is its key in the ready line."""

    name: str
    app: Any
    host: str
    port: int


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m sandbox",
        description="Local stand-ins for Kong Gateway Enterprise (Admin API) and its friends. "
        "Prints one JSON line with the server URLs when ready; stop with SIGINT or SIGTERM.",
    )
    parser.add_argument(
        "--admin-port",
        type=int,
        default=8001,
        help="port of the Kong Admin API (default 8001; 0 picks a free port)",
    )
    parser.add_argument(
        "--kong-version",
        default=DEFAULT_KONG_VERSION,
        help=f"Kong version to emulate (default {DEFAULT_KONG_VERSION}); 3.5+ has no classic "
        "Dev Portal nor application-registration, 3.14+ uses openid-connect consumer_claims",
    )
    parser.add_argument(
        "--portal-app-auth",
        default="external-oauth2",
        choices=PORTAL_APP_AUTH_MODES,
        help="node setting portal_app_auth (default external-oauth2)",
    )
    parser.add_argument(
        "--rbac-token",
        default=None,
        help="enable RBAC: every Admin API request must send header Kong-Admin-Token: TOKEN",
    )
    parser.add_argument(
        "--state-file",
        default=None,
        help="persist the sandbox state to this JSON file (atomic writes) and reload it on start",
    )
    return parser


class _Server(uvicorn.Server):
    """uvicorn server that leaves signal handling to `serve_all` (several servers, one loop)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def _bind(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise SystemExit(f"sandbox: cannot bind {host}:{port}: {exc}") from exc
    return sock


async def serve_all(
    specs: Sequence[ServerSpec],
    ready_extras: dict[str, Callable[[dict[str, str]], Any]],
    on_exit: Callable[[], None] = lambda: None,
) -> None:
    """Bind every server first (port 0 resolves), start them, print the ready line, wait."""
    sockets = [_bind(spec.host, spec.port) for spec in specs]
    urls = {
        spec.name: f"http://{spec.host}:{sock.getsockname()[1]}"
        for spec, sock in zip(specs, sockets, strict=True)
    }
    servers = [
        _Server(
            uvicorn.Config(
                spec.app,
                log_level="warning",
                access_log=False,
                lifespan="off",
                server_header=False,
            )
        )
        for spec in specs
    ]
    loop = asyncio.get_running_loop()

    def stop() -> None:
        for server in servers:
            server.should_exit = True

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop)
    tasks = [
        asyncio.create_task(server.serve(sockets=[sock]))
        for server, sock in zip(servers, sockets, strict=True)
    ]
    while not all(server.started for server in servers):
        if any(task.done() for task in tasks):
            stop()
            await asyncio.gather(*tasks, return_exceptions=True)
            raise SystemExit("sandbox: a server failed to start")
        await asyncio.sleep(0.01)
    ready = dict(urls)
    for key, build in ready_extras.items():
        ready[key] = build(urls)
    sys.stdout.write(json.dumps(ready) + "\n")
    sys.stdout.flush()
    await asyncio.gather(*tasks)
    on_exit()


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = NodeSettings(
            kong_version=args.kong_version,
            portal_app_auth=args.portal_app_auth,
            rbac_token=args.rbac_token,
        )
    except ValueError as exc:
        raise SystemExit(f"sandbox: {exc}") from None
    state = StateRegistry(args.state_file)
    controller = FaultController()
    backend = Backend(settings)
    state.register("admin", backend.dump_state, backend.load_state)
    controller.add_reset_hook(backend.reset)
    controller.add_reset_hook(state.save)
    admin_app = create_admin_app(backend, settings, on_change=state.save)

    # The ONE list of servers; the ready line is built from it (name -> base URL).
    servers: list[ServerSpec] = [
        ServerSpec(
            "admin",
            FaultInjector(admin_app, controller, target="admin", control=True),
            HOST,
            args.admin_port,
        ),
    ]
    # Extra ready-line keys computed from the base URLs (name -> URL), e.g.
    # {"issuer": lambda u: u["issuer"] + "/oauth2/default"}.
    ready_extras: dict[str, Callable[[dict[str, str]], Any]] = {}

    state.load()
    asyncio.run(serve_all(servers, ready_extras, on_exit=state.save))
    return 0


if __name__ == "__main__":
    sys.exit(main())
