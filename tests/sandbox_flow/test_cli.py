"""`python -m sandbox` runs all four servers, announces them in one line and stops on SIGTERM."""

from __future__ import annotations

import socket
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from sandbox.launch import start_sandbox
from tests.sandbox_flow.conftest import SERVER_PORT_FLAGS

SERVERS = ("admin", "proxy", "issuer", "upstream")


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def test_ready_line_then_sigterm_stops_all_servers(tmp_path: Path) -> None:
    started = time.perf_counter()
    sandbox = start_sandbox(SERVER_PORT_FLAGS)
    # Reported (run pytest with -s), never asserted: tests make no wall-clock assertions.
    print(f"\nsandbox ready line after {time.perf_counter() - started:.2f}s")
    try:
        urls = sandbox.urls
        assert {*SERVERS, "registration", "idp_api_token"} <= set(urls)
        assert urls["issuer"].endswith("/oauth2/default")
        assert urls["registration"].endswith("/oauth2/v1/clients")
        discovery = httpx.get(urls["issuer"] + "/.well-known/openid-configuration").json()
        assert discovery["issuer"] == urls["issuer"]
        assert discovery["registration_endpoint"] == urls["registration"]
        assert httpx.get(urls["upstream"] + "/ping?x=1").json()["query"] == {"x": "1"}
        assert httpx.get(urls["proxy"] + "/ping").status_code == 404
        ports = [urlsplit(urls[name]).port for name in SERVERS]
        assert len(set(ports)) == 4
    finally:
        code = sandbox.stop()
    assert code == 0
    assert all(port_is_free(p) for p in ports)


def test_faults_can_target_the_issuer() -> None:
    with start_sandbox(SERVER_PORT_FLAGS) as sandbox:
        urls = sandbox.urls
        rule = {"target": "issuer", "status": 503, "count": 1}
        assert httpx.post(urls["admin"] + "/_sandbox/faults", json=rule).status_code in (200, 201)
        keys = urls["issuer"] + "/v1/keys"
        assert httpx.get(keys).status_code == 503
        assert httpx.get(keys).status_code == 200


def test_issuer_keys_and_clients_survive_a_restart(tmp_path: Path) -> None:
    state = str(tmp_path / "state.json")
    args = [*SERVER_PORT_FLAGS, "--state-file", state]
    with start_sandbox(args) as first:
        kid = httpx.get(first.urls["issuer"] + "/v1/keys").json()["keys"][0]["kid"]
        client = httpx.post(
            first.urls["registration"],
            json={"client_name": "kept", "grant_types": ["client_credentials"],
                  "application_type": "service"},
            headers={"Authorization": f"SSWS {first.urls['idp_api_token']}"},
        ).json()  # fmt: skip
    assert client["client_secret"] not in Path(state).read_text()
    with start_sandbox(args) as second:
        assert httpx.get(second.urls["issuer"] + "/v1/keys").json()["keys"][0]["kid"] == kid
        token = httpx.post(
            second.urls["issuer"] + "/v1/token",
            data={"grant_type": "client_credentials", "scope": "portal_api"},
            auth=(client["client_id"], client["client_secret"]),
        )
        assert token.status_code == 200, token.text
