"""The openid-connect plugin's ``bearer`` and ``client_credentials`` methods: discovery, JWKS,
JWT checks, the token request Kong makes for a client, and ``verify_parameters``."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from dataclasses import dataclass
from typing import Any

import httpx
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"]
# Tolerance for clocks that tick in whole seconds, on top of the plugin's `leeway`.
_CLOCK_TOLERANCE = 1


class DiscoveryError(Exception):
    """The issuer's discovery document or JWKS could not be fetched."""


class InvalidToken(Exception):
    """The bearer token is missing, malformed, badly signed, expired or from another issuer."""


class TokenRequestError(Exception):
    """Kong could not exchange the client's credentials for tokens (Kong answers 401)."""


def check_token_request(discovery: dict[str, Any], grant_type: str, scopes: list[str]) -> None:
    """What ``verify_parameters`` checks before Kong asks the issuer for tokens.

    Kong's `kong/openid-connect/token.lua` (`token:request`, `get_scopes`): with it on, a grant
    missing from the discovery document's ``grant_types_supported`` is "invalid or unsupported
    grant type (...)", and scopes missing from ``scopes_supported`` are "unsupported scopes
    requested (...)"; either way no token is requested. An absent list checks nothing.
    """
    grants = discovery.get("grant_types_supported")
    if isinstance(grants, list) and grant_type not in grants:
        raise TokenRequestError(f"invalid or unsupported grant type ({grant_type})")
    supported = discovery.get("scopes_supported")
    if scopes and isinstance(supported, list) and not set(scopes) <= set(supported):
        raise TokenRequestError(f"unsupported scopes requested ({', '.join(scopes)})")


async def client_credentials_token(
    client_id: str, client_secret: str, config: dict[str, Any], cache: IssuerCache
) -> str:
    """The access token Kong gets from the issuer for a client that sent its credentials
    (`client_credentials` auth method, `client_secret_basic` at the token endpoint)."""
    issuer = await cache.get(config["issuer"])
    scopes = list(config.get("scopes") or ["openid"])
    if config.get("verify_parameters"):
        check_token_request(issuer.discovery, "client_credentials", scopes)
    endpoint = config.get("token_endpoint") or issuer.discovery.get("token_endpoint")
    if not isinstance(endpoint, str):
        raise TokenRequestError("token endpoint was not specified")
    try:
        response = await cache.client.post(
            endpoint,
            data={"grant_type": "client_credentials", "scope": " ".join(scopes)},
            auth=(client_id, client_secret),
            timeout=5.0,
        )
    except httpx.HTTPError as exc:
        raise TokenRequestError(f"token endpoint unreachable: {type(exc).__name__}") from exc
    if response.status_code != 200:
        raise TokenRequestError(
            f"invalid status code received from the token endpoint ({response.status_code})"
        )
    try:
        token = response.json().get("access_token")
    except (ValueError, AttributeError) as exc:
        raise TokenRequestError("invalid token endpoint response received") from exc
    if not isinstance(token, str):
        raise TokenRequestError("access token was not found")
    return token


@dataclass
class _Issuer:
    discovery: dict[str, Any]
    keys: KeySet
    fetched_at: float


class IssuerCache:
    """Discovery documents and key sets per configured ``issuer``, fetched over HTTP."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self._client = client
        self.client = client
        self._issuers: dict[str, _Issuer] = {}
        self._lock = asyncio.Lock()

    @staticmethod
    def discovery_url(issuer: str) -> str:
        if "/.well-known/" in issuer:
            return issuer
        return issuer.rstrip("/") + "/.well-known/openid-configuration"

    async def _get_json(self, url: str) -> Any:
        try:
            response = await self._client.get(url, timeout=5.0)
        except httpx.HTTPError as exc:
            raise DiscoveryError(f"cannot reach {url}: {type(exc).__name__}") from exc
        if response.status_code != 200:
            raise DiscoveryError(f"{url} answered {response.status_code}")
        try:
            return response.json()
        except ValueError as exc:
            raise DiscoveryError(f"{url} did not answer JSON") from exc

    async def _fetch_keys(self, discovery: dict[str, Any]) -> KeySet:
        jwks_uri = discovery.get("jwks_uri")
        if not isinstance(jwks_uri, str):
            raise DiscoveryError("discovery document has no jwks_uri")
        data = await self._get_json(jwks_uri)
        try:
            return KeySet.import_key_set(data)
        except (JoseError, ValueError, TypeError, KeyError) as exc:
            raise DiscoveryError(f"{jwks_uri} is not a usable JWK set") from exc

    async def get(self, issuer: str, *, refresh_keys: bool = False) -> _Issuer:
        async with self._lock:
            cached = self._issuers.get(issuer)
            if cached is None:
                discovery = await self._get_json(self.discovery_url(issuer))
                if not isinstance(discovery, dict):
                    raise DiscoveryError("discovery document is not a JSON object")
                cached = _Issuer(discovery, await self._fetch_keys(discovery), time.time())
                self._issuers[issuer] = cached
            elif refresh_keys:
                cached.keys = await self._fetch_keys(cached.discovery)
                cached.fetched_at = time.time()
            return cached


def _header(token: str) -> dict[str, Any]:
    parts = token.split(".")
    if len(parts) != 3:
        raise InvalidToken("not a JWS compact token")
    try:
        padded = parts[0] + "=" * (-len(parts[0]) % 4)
        header = json.loads(base64.urlsafe_b64decode(padded))
    except ValueError as exc:
        raise InvalidToken("malformed token header") from exc
    if not isinstance(header, dict):
        raise InvalidToken("malformed token header")
    return header


def _key_for(keys: KeySet, kid: str | None) -> Any | None:
    if kid is None:
        return keys.keys[0] if len(keys.keys) == 1 else None
    try:
        return keys.get_by_kid(kid)
    except (JoseError, ValueError, KeyError):
        return None


async def verify_bearer(token: str, config: dict[str, Any], cache: IssuerCache) -> dict[str, Any]:
    """Verify a JWT access token as the plugin does; return its claims or raise InvalidToken."""
    header = _header(token)
    alg = header.get("alg")
    if alg not in _ALGORITHMS:
        raise InvalidToken(f"unsupported algorithm {alg!r}")
    issuer = await cache.get(config["issuer"])
    key = _key_for(issuer.keys, header.get("kid"))
    if key is None:
        # An unknown kid may mean the IdP rotated its keys: fetch the JWKS again, once.
        issuer = await cache.get(config["issuer"], refresh_keys=True)
        key = _key_for(issuer.keys, header.get("kid"))
        if key is None:
            raise InvalidToken("no matching key")
    try:
        claims = jwt.decode(token, key, algorithms=[alg]).claims
    except (JoseError, ValueError) as exc:
        raise InvalidToken("bad signature") from exc
    now = time.time()
    leeway = (config.get("leeway") or 0) + _CLOCK_TOLERANCE
    expected_issuer = issuer.discovery.get("issuer", config["issuer"])
    if claims.get("iss") != expected_issuer:
        raise InvalidToken("issuer mismatch")
    exp = claims.get("exp")
    if not isinstance(exp, int | float) or exp + leeway < now:
        raise InvalidToken("token expired")
    nbf = claims.get("nbf")
    if isinstance(nbf, int | float) and nbf - leeway > now:
        raise InvalidToken("token not yet valid")
    return claims


def claim_at(claims: dict[str, Any], path: list[str]) -> Any:
    """Walk a claim *path*: ``["a", "b"]`` is ``claims["a"]["b"]``."""
    value: Any = claims
    for part in path:
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def as_values(value: Any) -> list[str]:
    """Claim values as strings: a string, a space-separated string, or a list."""
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v) for v in value if isinstance(v, str | int | float)]
    if isinstance(value, str | int | float):
        return [str(value)]
    return []


def audience_ok(claims: dict[str, Any], config: dict[str, Any]) -> bool:
    required = config.get("audience_required")
    if not required:
        return True
    present = set(as_values(claim_at(claims, config.get("audience_claim") or ["aud"])))
    return any(set(entry.split(" ")) <= present for entry in required)


def scopes_ok(claims: dict[str, Any], config: dict[str, Any]) -> bool:
    """Each ``scopes_required`` entry is space-separated (all needed); entries are alternatives."""
    required = config.get("scopes_required")
    if not required:
        return True
    raw = claim_at(claims, config.get("scopes_claim") or ["scope"])
    present: set[str] = set()
    for value in as_values(raw):
        present.update(value.split(" "))
    return any(set(entry.split(" ")) <= present for entry in required)
