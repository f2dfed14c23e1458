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
from sandbox.issuer import IssuerSettings, IssuerState, SettingsError, create_issuer_app
from sandbox.issuer.settings import DEFAULT_IDP_API_TOKEN, DEFAULT_SCOPE, DEFAULT_TEST_USER
from sandbox.okta import AbsoluteFormPaths, OktaDirectory, OktaOrg, OktaStore, create_okta_app
from sandbox.proxy import create_proxy_app
from sandbox.settings import DEFAULT_KONG_VERSION, PORTAL_APP_AUTH_MODES, NodeSettings
from sandbox.state import StateRegistry
from sandbox.upstream import create_upstream_app

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
        "--rbac-read-only-token",
        default=None,
        help="with --rbac-token: a second RBAC user 'read-only' whose token may only read "
        "(writes get 403)",
    )
    parser.add_argument(
        "--admin-gui-auth",
        default=None,
        help="kong.conf admin_gui_auth (e.g. basic-auth); with RBAC, a request without any "
        "token gets 401 'Invalid credentials. Token or User credentials required'",
    )
    parser.add_argument(
        "--no-license",
        action="store_true",
        help="run without an Enterprise license: Enterprise endpoints answer 403",
    )
    parser.add_argument(
        "--state-file",
        default=None,
        help="persist the sandbox state to this JSON file (atomic writes) and reload it on start",
    )
    parser.add_argument(
        "--proxy-port", type=int, default=8000,
        help="port of the Kong proxy (default 8000; 0 picks a free port)",
    )  # fmt: skip
    parser.add_argument(
        "--issuer-port", type=int, default=8080,
        help="port of the Okta-style issuer (default 8080; 0 picks a free port)",
    )  # fmt: skip
    parser.add_argument(
        "--upstream-port", type=int, default=8090,
        help="port of the echo upstream (default 8090; 0 picks a free port)",
    )  # fmt: skip
    parser.add_argument(
        "--claim", action="append", default=[], metavar="NAME=EXPR",
        help="custom access-token claim on every auth server, value an Okta expression: "
        'app.clientId, app.id or a quoted string (repeatable; default application_id=app.clientId)',
    )  # fmt: skip
    parser.add_argument(
        "--scope", action="append", default=[], metavar="NAME",
        help=f"custom scope of every auth server (repeatable; default {DEFAULT_SCOPE})",
    )  # fmt: skip
    parser.add_argument(
        "--grant-type", action="append", default=[], metavar="GRANT",
        help="grant listed in the auth servers' discovery documents (repeatable; default "
        "authorization_code and client_credentials, all of which the token endpoint serves)",
    )  # fmt: skip
    parser.add_argument(
        "--auth-server", action="append", default=[], metavar="NAME",
        help="extra authorization server under /oauth2/NAME (repeatable; 'default' always exists)",
    )  # fmt: skip
    parser.add_argument(
        "--idp-api-token", default=DEFAULT_IDP_API_TOKEN,
        help="token for 'Authorization: SSWS <token>' on /oauth2/v1/clients and on the Okta "
        "management API /api/v1 (default: a fixed development token)",
    )  # fmt: skip
    parser.add_argument(
        "--test-user", default=DEFAULT_TEST_USER,
        help=f"user signed in by /v1/authorize without a form (default {DEFAULT_TEST_USER})",
    )  # fmt: skip
    return parser


class _Server(uvicorn.Server):
    """uvicorn server that leaves signal handling to `serve_all` (several servers, one loop)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def _bind(host: str, port: int) -> socket.socket:
    # proto IPPROTO_TCP: asyncio sets TCP_NODELAY on accepted sockets only then (else +40 ms
    # per keep-alive request from Nagle + delayed ACK).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
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
            rbac_read_only_token=args.rbac_read_only_token,
            admin_gui_auth=args.admin_gui_auth,
            licensed=not args.no_license,
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
    try:
        issuer_settings = IssuerSettings.build(
            extra_servers=args.auth_server, claims=args.claim, scopes=args.scope,
            idp_api_token=args.idp_api_token, test_user=args.test_user,
            grant_types=args.grant_type,
        )  # fmt: skip
    except SettingsError as exc:
        raise SystemExit(f"sandbox: {exc}") from None
    issuer_state = IssuerState(list(issuer_settings.servers))
    state.register("issuer", issuer_state.dump, issuer_state.load)
    # Okta's management API shares the issuer's address, as on a real org URL.
    okta_store = OktaStore()
    state.register("okta", okta_store.dump, okta_store.load)
    issuer_app = OktaOrg(
        create_okta_app(
            okta_store, args.idp_api_token, args.test_user, on_change=state.save
        ),
        create_issuer_app(
            issuer_settings, issuer_state, on_change=state.save,
            directory=OktaDirectory(okta_store),
        ),
    )  # fmt: skip
    proxy_app = create_proxy_app(
        backend,
        lambda: [ws["name"] for ws in backend.workspace_page({"size": "1000"})["data"]],
        kong_version=settings.kong_version, consumer_claim_field=settings.consumer_claim_field,
    )  # fmt: skip

    # The ONE list of servers; the ready line is built from it (name -> base URL).
    servers: list[ServerSpec] = [
        ServerSpec(
            "admin",
            FaultInjector(admin_app, controller, target="admin", control=True),
            HOST,
            args.admin_port,
        ),
        ServerSpec("proxy", proxy_app, HOST, args.proxy_port),
        ServerSpec("issuer",
                   AbsoluteFormPaths(FaultInjector(issuer_app, controller, target="issuer")),
                   HOST, args.issuer_port),
        ServerSpec("upstream", create_upstream_app(), HOST, args.upstream_port),
    ]  # fmt: skip
    # Extra ready-line keys computed from the base URLs (name -> URL), e.g.
    # {"issuer": lambda u: u["issuer"] + "/oauth2/default"}.
    ready_extras: dict[str, Callable[[dict[str, str]], Any]] = {
        "issuer": lambda u: u["issuer"] + "/oauth2/default",
        "registration": lambda u: u["issuer"] + "/oauth2/v1/clients",
        "idp_api_token": lambda u: args.idp_api_token,
        "test_user": lambda u: issuer_settings.test_user,
        "test_user_password": lambda u: issuer_settings.test_user_password,
        # Okta's org URL (management API + /oauth2 servers); its API token is idp_api_token.
        "okta": lambda u: u["issuer"],
    }

    state.load()
    asyncio.run(serve_all(servers, ready_extras, on_exit=state.save))
    return 0


if __name__ == "__main__":
    sys.exit(main())
