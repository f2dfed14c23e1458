"""Issuer state with no HTTP in it: signing keys, registered clients, authorization codes.

Client secrets are kept only as SHA-256 digests, so neither memory dumps nor the state
file ever hold a usable secret.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import string
import threading
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from joserfc.jwk import KeySet, RSAKey

_ALPHABET = string.ascii_letters + string.digits


def okta_id(prefix: str, length: int = 20) -> str:
    """An Okta-looking id: a 3-character type prefix and random base62 (``0oa…`` apps)."""
    return prefix + "".join(secrets.choice(_ALPHABET) for _ in range(length - len(prefix)))


def user_id_for(login: str) -> str:
    """A stable Okta-style user id (``00u…``) for the configured test user."""
    digest = hashlib.sha256(login.encode()).digest()
    tail = "".join(_ALPHABET[b % len(_ALPHABET)] for b in digest[:17])
    return "00u" + tail


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass
class RegisteredClient:
    """An OAuth client as registered through ``/oauth2/v1/clients``."""

    client_id: str
    client_name: str
    client_id_issued_at: int
    grant_types: list[str]
    response_types: list[str]
    redirect_uris: list[str]
    token_endpoint_auth_method: str
    application_type: str
    secret_digest: str | None = None
    client_secret_expires_at: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def is_public(self) -> bool:
        return self.token_endpoint_auth_method == "none"

    def check_secret(self, secret: str) -> bool:
        if self.secret_digest is None:
            return False
        return hmac.compare_digest(self.secret_digest, _digest(secret))

    def metadata(self) -> dict[str, Any]:
        """The registration response body without any secret."""
        body: dict[str, Any] = {
            "client_id": self.client_id,
            "client_id_issued_at": self.client_id_issued_at,
            "client_name": self.client_name,
            "redirect_uris": list(self.redirect_uris),
            "response_types": list(self.response_types),
            "grant_types": list(self.grant_types),
            "token_endpoint_auth_method": self.token_endpoint_auth_method,
            "application_type": self.application_type,
            **self.extra,
        }
        if not self.is_public:
            body["client_secret_expires_at"] = self.client_secret_expires_at
        return body


@dataclass
class AuthorizationCode:
    server: str
    client_id: str
    redirect_uri: str
    scopes: list[str]
    code_challenge: str | None
    code_challenge_method: str | None
    nonce: str | None
    expires_at: float


@dataclass
class RefreshGrant:
    """What a refresh token stands for: the user's consent to these scopes for this client."""

    server: str
    client_id: str
    scopes: list[str]


class IssuerState:
    """Keys per authorization server, clients and one-time codes; safe across threads."""

    def __init__(self, server_names: list[str]) -> None:
        self._lock = threading.Lock()
        self._keys: dict[str, RSAKey] = {name: self._new_key() for name in server_names}
        self._clients: dict[str, RegisteredClient] = {}
        self._codes: dict[str, AuthorizationCode] = {}
        self._revoked: dict[str, float] = {}
        self._refresh: dict[str, RefreshGrant] = {}

    @staticmethod
    def _new_key() -> RSAKey:
        kid = base64.urlsafe_b64encode(secrets.token_bytes(16)).decode().rstrip("=")
        return RSAKey.generate_key(2048, parameters={"kid": kid, "use": "sig", "alg": "RS256"})

    # -- keys -------------------------------------------------------------------------------
    def signing_key(self, server: str) -> RSAKey:
        """The server's key; a server created later (through the Okta API) gets one on first use."""
        with self._lock:
            if server not in self._keys:
                self._keys[server] = self._new_key()
            return self._keys[server]

    def public_jwks(self, server: str) -> dict[str, Any]:
        return KeySet([self.signing_key(server)]).as_dict(private=False)

    # -- clients ----------------------------------------------------------------------------
    def add_client(self, client: RegisteredClient, secret: str | None) -> None:
        if secret is not None:
            client.secret_digest = _digest(secret)
        with self._lock:
            self._clients[client.client_id] = client

    def get_client(self, client_id: str) -> RegisteredClient | None:
        with self._lock:
            return self._clients.get(client_id)

    def delete_client(self, client_id: str) -> bool:
        with self._lock:
            return self._clients.pop(client_id, None) is not None

    def list_clients(self) -> list[RegisteredClient]:
        with self._lock:
            return list(self._clients.values())

    # -- authorization codes ----------------------------------------------------------------
    def issue_code(self, code: AuthorizationCode) -> str:
        value = secrets.token_urlsafe(32)
        with self._lock:
            now = time.time()
            self._codes = {k: c for k, c in self._codes.items() if c.expires_at > now}
            self._codes[value] = code
        return value

    def redeem_code(self, value: str) -> AuthorizationCode | None:
        """Return the code's grant once; a second redemption or an expired code gives None."""
        with self._lock:
            code = self._codes.pop(value, None)
        if code is None or code.expires_at <= time.time():
            return None
        return code

    # -- refresh tokens (opaque, kept in memory only, never in the state file) ----------------
    def issue_refresh(self, grant: RefreshGrant) -> str:
        value = secrets.token_urlsafe(32)
        with self._lock:
            self._refresh[value] = grant
        return value

    def refresh_grant(self, value: str) -> RefreshGrant | None:
        with self._lock:
            return self._refresh.get(value)

    def revoke_refresh(self, value: str) -> bool:
        with self._lock:
            return self._refresh.pop(value, None) is not None

    # -- revoked tokens -----------------------------------------------------------------------
    def revoke(self, jti: str, expires_at: float) -> None:
        """Remember a revoked token id until the token would have expired anyway."""
        with self._lock:
            now = time.time()
            self._revoked = {k: e for k, e in self._revoked.items() if e > now}
            self._revoked[jti] = expires_at

    def is_revoked(self, jti: str) -> bool:
        with self._lock:
            return jti in self._revoked

    # -- persistence (for the sandbox's state-file registry) --------------------------------
    def dump(self) -> dict[str, Any]:
        """Keys and clients as JSON-able data; secrets appear only as digests."""
        with self._lock:
            return {
                "keys": {name: key.as_dict(private=True) for name, key in self._keys.items()},
                "clients": [asdict(c) for c in self._clients.values()],
            }

    def load(self, data: dict[str, Any]) -> None:
        """Restore keys (for servers still configured) and clients from :meth:`dump` output."""
        with self._lock:
            for name, key_data in (data.get("keys") or {}).items():
                self._keys[name] = RSAKey.import_key(key_data)
            self._clients = {
                c["client_id"]: RegisteredClient(**c) for c in data.get("clients") or []
            }
