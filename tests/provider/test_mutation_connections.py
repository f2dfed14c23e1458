"""TLS contexts and pools shared per process (`providers.connections`): which CAs a setting
trusts, and that a pool outlives the clients built on it."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from pathlib import Path

import certifi
import httpx
import pytest

from providers import connections


@pytest.fixture(autouse=True)
def _fresh(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    connections.clear()
    yield
    connections.clear()


def one_ca(tmp_path: Path) -> tuple[Path, dict]:
    """A bundle holding one CA (the first of certifi's), and that CA as ssl reports it."""
    pem = certifi.contents()
    end = pem.index("-----END CERTIFICATE-----") + len("-----END CERTIFICATE-----")
    start = pem.index("-----BEGIN CERTIFICATE-----")
    path = tmp_path / "one-ca.pem"
    path.write_text(pem[start:end] + "\n")
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(cafile=str(path))
    return path, ctx.get_ca_certs()[0]


def subjects(ctx: ssl.SSLContext) -> list:
    return sorted(str(c["subject"]) for c in ctx.get_ca_certs())


def test_tls_verify_off_checks_neither_certificate_nor_host_name() -> None:
    ctx = connections.ssl_context(False, "/ignored/when/off.pem")
    assert ctx.protocol == ssl.PROTOCOL_TLS_CLIENT
    assert ctx.verify_mode == ssl.CERT_NONE and ctx.check_hostname is False
    assert connections.ssl_context(False) is ctx  # the bundle means nothing when off


def test_a_ca_bundle_file_is_the_only_trust(tmp_path: Path) -> None:
    path, ca = one_ca(tmp_path)
    ctx = connections.ssl_context(True, str(path))
    assert ctx.get_ca_certs() == [ca]
    assert ctx.verify_mode == ssl.CERT_REQUIRED and ctx.check_hostname is True


def test_a_ca_bundle_directory_is_looked_up_per_certificate(tmp_path: Path) -> None:
    ctx = connections.ssl_context(True, str(tmp_path))
    # a CA directory is read when a certificate is checked, so nothing is loaded up front
    # (the system store or certifi's bundle would be)
    assert ctx.get_ca_certs() == []
    assert ctx.verify_mode == ssl.CERT_REQUIRED


def test_without_a_bundle_certifi_is_trusted() -> None:
    expected = ssl.create_default_context(cafile=certifi.where())
    assert subjects(connections.ssl_context(True)) == subjects(expected)
    assert len(connections.ssl_context(True).get_ca_certs()) == certifi.contents().count(
        "BEGIN CERTIFICATE"
    )


def test_ssl_cert_file_replaces_certifi(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path, ca = one_ca(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(path))
    assert connections.ssl_context(True).get_ca_certs() == [ca]


def test_ssl_cert_dir_replaces_certifi(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SSL_CERT_DIR", str(tmp_path))
    assert connections.ssl_context(True).get_ca_certs() == []


class _Pool(httpx.BaseTransport):
    """Stands for a process pool: answers, and remembers whether it was closed."""

    def __init__(self) -> None:
        self.closed = False

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"url": str(request.url)})

    def close(self) -> None:
        self.closed = True


def pool_of(transport: httpx.BaseTransport) -> httpx.HTTPTransport:
    return transport._pool  # type: ignore[attr-defined]


def test_one_pool_per_setting_with_short_keep_alive() -> None:
    first = pool_of(connections.shared_transport(True))
    assert pool_of(connections.shared_transport(True, None)) is first
    assert pool_of(connections.shared_transport(False)) is not first
    # with verification off the bundle means nothing: the same pool
    off = pool_of(connections.shared_transport(False))
    assert pool_of(connections.shared_transport(False, "/x.pem")) is off
    assert first._pool._keepalive_expiry == connections.KEEPALIVE_SECONDS  # type: ignore[attr-defined]


def test_closing_a_client_keeps_the_pool_and_clear_closes_it() -> None:
    pool = _Pool()
    shared = connections._SharedTransport(pool)  # type: ignore[arg-type]
    for path in ("a", "b"):  # a client per operation, each closed after use
        with httpx.Client(transport=shared) as client:
            assert client.get(f"https://kong.example/{path}").json() == {
                "url": f"https://kong.example/{path}"
            }
    assert pool.closed is False
    connections._TRANSPORTS[(True, "/rotated.pem")] = pool  # type: ignore[assignment]
    connections.clear()
    assert pool.closed is True and connections._TRANSPORTS == {}


def test_each_pool_verifies_with_its_settings_context(tmp_path: Path) -> None:
    path, _ = one_ca(tmp_path)
    for key in ((True, None), (False, None), (True, str(path))):
        pool = pool_of(connections.shared_transport(*key))
        assert pool._pool._ssl_context is connections.ssl_context(*key)  # type: ignore[attr-defined]
