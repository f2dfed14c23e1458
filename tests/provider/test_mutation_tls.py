"""The Kong Admin API over HTTPS with real TLS on loopback: a server certificate from a CA
made for the test. A private CA given as `kong.caBundle` is trusted, `kong.tlsVerify` refuses a
certificate no trusted CA signed (saying so), and `tlsVerify: false` reaches the node."""

from __future__ import annotations

import datetime
import http.server
import ipaddress
import json
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from providers import connections
from providers.kong_admin import KongAdminClient, KongAdminError, KongAdminSettings, RetryPolicy

ONCE = RetryPolicy(attempts=1, max_seconds=10)


def _cert(
    subject: str, key: Any, issuer: x509.Name | None, issuer_key: Any, *, ca: bool
) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer or name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if not ca:
        builder = builder.add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
    return builder.sign(issuer_key, hashes.SHA256())


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A CA made for the test, and a server certificate for localhost it signed."""
    out = tmp_path_factory.mktemp("pki")
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = _cert("kong-okta-portal test CA", ca_key, None, ca_key, ca=True)
    key = ec.generate_private_key(ec.SECP256R1())
    cert = _cert("localhost", key, ca.subject, ca_key, ca=False)
    paths = {"ca": out / "ca.pem", "cert": out / "server.pem", "key": out / "server.key"}
    paths["ca"].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths["cert"].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths["key"].write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return paths


class _Admin(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - the http.server hook's name
        body = json.dumps({"data": [], "next": None}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def admin(pki: dict[str, Path]) -> Iterator[str]:
    """An Admin API stand-in over HTTPS on loopback; its URL."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Admin)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(pki["cert"], pki["key"])
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://localhost:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(autouse=True)
def _fresh_pools(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    connections.clear()
    yield
    connections.clear()


def _services(admin_url: str, **tls: Any) -> Any:
    settings = KongAdminSettings(admin_url=admin_url, token=None, **tls)
    with KongAdminClient(settings, retry=ONCE) as client:
        return client.request("GET", client.path("services")).json()


def test_a_private_ca_bundle_is_trusted(admin: str, pki: dict[str, Path]) -> None:
    assert _services(admin, tls_verify=True, ca_bundle=str(pki["ca"])) == {
        "data": [],
        "next": None,
    }


def test_a_certificate_no_trusted_ca_signed_is_refused_naming_the_tls_settings(
    admin: str,
) -> None:
    with pytest.raises(KongAdminError) as info:
        _services(admin, tls_verify=True)
    text = str(info.value)
    assert text.startswith(
        "Kong Admin API GET /services failed after 1 attempts: ConnectError: "
        "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed"
    )
    assert text.endswith(
        f"{admin} presented a certificate no trusted CA signed: set "
        "`kong-okta-portal:kong.caBundle` to the PEM file of the CA that signed it, or "
        "`kong-okta-portal:kong.tlsVerify` to false for a test node"
    )

    import certifi  # a bundle that holds many CAs, but not the test's

    with pytest.raises(KongAdminError) as info:
        _services(admin, tls_verify=True, ca_bundle=certifi.where())
    assert (
        f"presented a certificate no CA in `kong-okta-portal:kong.caBundle` ({certifi.where()}) "
        "signed" in str(info.value)
    )


def test_an_unreachable_node_still_points_at_the_address() -> None:
    with pytest.raises(KongAdminError) as info:
        _services("http://127.0.0.1:9", allow_insecure_http=True)
    assert str(info.value).endswith(
        "Check `kong-okta-portal:kong.adminUrl` (http://127.0.0.1:9) and that Kong is reachable"
    )


def test_tls_verify_off_reaches_the_node(admin: str) -> None:
    assert _services(admin, tls_verify=False) == {"data": [], "next": None}
