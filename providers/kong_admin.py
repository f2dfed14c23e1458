"""Kong Admin API client: one httpx client, one retry policy, one typed error.

Connection settings come from stack config or the environment (``KongAdminSettings``);
the admin token travels only in the ``Kong-Admin-Token`` header and never appears in an
exception, a log line or a repr.
"""

from __future__ import annotations

import json
import logging
import os
import ssl
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote

import httpx
import tenacity
from pydantic import ValidationError

from providers.connections import RETRY_STATUSES, send, shared_transport
from providers.settings import CONFIG_NAMESPACE, KongConnection, config_object, describe

log = logging.getLogger(__name__)

TOKEN_HEADER = "Kong-Admin-Token"


class KongConfigError(ValueError):
    """A connection setting is missing or invalid; the message names the config key."""


class KongAdminError(Exception):
    """An Admin API call failed. Carries Kong's error body fields, never the token."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        method: str = "",
        path: str = "",
        code: int | None = None,
        name: str | None = None,
        kong_message: str | None = None,
        fields: Any = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.method = method
        self.path = path
        self.code = code
        self.name = name
        self.kong_message = kong_message
        self.fields = fields

    @classmethod
    def from_response(cls, response: httpx.Response, hint: str = "") -> KongAdminError:
        method = response.request.method
        path = response.request.url.path
        body: Any = None
        try:
            body = response.json()
        except ValueError:
            body = None
        code = name = kong_message = fields = None
        if isinstance(body, dict):
            code = body.get("code")
            name = body.get("name")
            raw = body.get("message")
            if isinstance(raw, dict):  # e.g. workspace "not empty" nests a message object
                raw = raw.get("message")
            kong_message = raw if isinstance(raw, str) else None
            fields = body.get("fields")
        detail = kong_message or (response.text[:300] if body is None else "")
        parts = [f"Kong Admin API {method} {path} returned {response.status_code}"]
        if detail:
            parts.append(f": {detail}")
        if fields:
            parts.append(f" (fields: {json.dumps(fields, sort_keys=True)})")
        if response.status_code == 401:
            parts.append(
                ". The admin token was rejected: set the secret stack config "
                f"`{CONFIG_NAMESPACE}:kongAdminToken` (pulumi config set --secret "
                "kongAdminToken …) or KONG_ADMIN_TOKEN to a valid RBAC token for this workspace"
            )
        elif response.status_code == 403 and kong_message and "permission" in kong_message:
            parts.append(
                ". The RBAC user behind `kongAdminToken` lacks this permission: grant its role "
                "the endpoint, or use a token with more rights"
            )
        if hint:
            parts.append(f". {hint}")
        return cls(
            "".join(parts),
            status=response.status_code,
            method=method,
            path=path,
            code=code,
            name=name,
            kong_message=kong_message,
            fields=fields,
        )


@dataclass(frozen=True)
class KongAdminSettings:
    """Where and how to reach the Admin API (`KongConnection`), and the token (not in repr)."""

    admin_url: str
    workspace: str | None = None
    token: str | None = field(default=None, repr=False)
    tls_verify: bool = True
    ca_bundle: str | None = None
    timeout_seconds: float = 30.0
    allow_insecure_http: bool = False

    def __post_init__(self) -> None:
        conn = _connection(
            {
                "adminUrl": self.admin_url,
                "workspace": self.workspace,
                "tlsVerify": self.tls_verify,
                "caBundle": self.ca_bundle,
                "timeoutSeconds": self.timeout_seconds,
                "allowInsecureHttp": self.allow_insecure_http,
            }
        )
        object.__setattr__(self, "admin_url", conn.admin_url)
        object.__setattr__(self, "timeout_seconds", conn.timeout_seconds)
        if self.ca_bundle and not os.path.isfile(self.ca_bundle):
            raise KongConfigError(
                f"`{CONFIG_NAMESPACE}:kong.caBundle` names no readable file: {self.ca_bundle!r}"
            )

    @classmethod
    def from_sources(cls, get: Any, environ: Mapping[str, str] | None = None) -> KongAdminSettings:
        """Build settings from a config getter (``pulumi.dynamic.Config.get``) and the env.

        Keys are read from the ``kong-okta-portal`` namespace first, then from the running
        project's own namespace, so the provider works in any Pulumi program.
        """
        env = os.environ if environ is None else environ

        def lookup(key: str) -> Any:
            value = get(f"{CONFIG_NAMESPACE}:{key}")
            return get(key) if value is None else value

        try:
            conf = config_object(lookup("kong"), "kong")
        except ValueError as exc:
            raise KongConfigError(str(exc)) from None
        unknown = set(conf) - KongConnection.keys()
        if unknown:
            raise KongConfigError(
                f"`{CONFIG_NAMESPACE}:kong` has unknown keys {sorted(unknown)}; expected "
                f"{sorted(KongConnection.keys())}"
            )
        conf = {k: v for k, v in conf.items() if v not in (None, "")}
        conf.setdefault("adminUrl", env.get("KONG_ADMIN_URL"))
        conf.setdefault("workspace", env.get("KONG_WORKSPACE") or None)
        if not conf["adminUrl"]:
            raise KongConfigError(
                f"No Kong Admin API URL: set `{CONFIG_NAMESPACE}:kong` to a JSON object with "
                '"adminUrl" (pulumi config set --path kong.adminUrl https://…), '
                "or the KONG_ADMIN_URL environment variable"
            )
        conn = _connection(conf)
        return cls(
            admin_url=conn.admin_url,
            workspace=conn.workspace,
            token=lookup("kongAdminToken") or env.get("KONG_ADMIN_TOKEN") or None,
            tls_verify=conn.tls_verify,
            ca_bundle=conn.ca_bundle,
            timeout_seconds=conn.timeout_seconds,
            allow_insecure_http=conn.allow_insecure_http,
        )


def _connection(conf: Mapping[str, Any]) -> KongConnection:
    try:
        return KongConnection.model_validate(conf)
    except ValidationError as exc:
        raise KongConfigError(describe(exc, "kong")) from None


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded retries for transient faults: at most ``attempts`` tries within ``max_seconds``."""

    attempts: int = 8
    max_seconds: float = 60.0
    backoff_initial: float = 0.1
    backoff_max: float = 5.0
    retry_after_max: float = 30.0


class _TransientStatus(Exception):
    """Internal: a retryable HTTP status, carrying the response for the final error."""

    def __init__(self, response: httpx.Response) -> None:
        super().__init__(f"transient {response.status_code}")
        self.response = response


def _retry_after_seconds(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


@dataclass(frozen=True)
class KongInfo:
    """What ``GET /`` tells about the node: version and the settings the provider checks."""

    version: str
    major: int
    minor: int
    edition: str | None
    portal: Any = None
    portal_app_auth: str | None = None

    @classmethod
    def from_root(cls, body: dict[str, Any]) -> KongInfo:
        version = str(body.get("version") or "0.0")
        nums = []
        for piece in version.split(".")[:2]:
            digits = "".join(ch for ch in piece if ch.isdigit())
            nums.append(int(digits) if digits else 0)
        while len(nums) < 2:
            nums.append(0)
        conf = body.get("configuration") or {}
        return cls(
            version=version,
            major=nums[0],
            minor=nums[1],
            edition=body.get("edition"),
            portal=conf.get("portal"),
            portal_app_auth=conf.get("portal_app_auth"),
        )

    def at_least(self, major: int, minor: int) -> bool:
        return (self.major, self.minor) >= (major, minor)


_INFO_CACHE: dict[str, KongInfo] = {}
_INFO_LOCK = threading.Lock()


def clear_info_cache() -> None:
    """Forget cached ``GET /`` answers (tests start sandboxes with other versions)."""
    with _INFO_LOCK:
        _INFO_CACHE.clear()


def _untrusted_certificate(exc: BaseException | None) -> bool:
    """Whether a transport error comes from a TLS certificate the client did not trust
    (httpx and httpcore keep the `ssl` error as the cause)."""
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, ssl.SSLCertVerificationError):
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


class KongAdminClient:
    """The Admin API, workspace-prefixed, with retries on transient faults.

    ``attempts`` counts tries of the last request, so a caller can tell a write whose first
    response was lost (attempts > 1) from one that met a pre-existing object.
    """

    def __init__(
        self,
        settings: KongAdminSettings,
        *,
        retry: RetryPolicy | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.settings = settings
        self.retry = retry or RetryPolicy()
        self.attempts = 0
        self.ambiguous_retry = False
        headers = {"Accept": "application/json", "User-Agent": "kong-okta-portal-provider"}
        if settings.token:
            headers[TOKEN_HEADER] = settings.token
        self._headers = headers
        # the process's pool for this TLS setting (see `providers.connections`)
        self._transport = transport or shared_transport(settings.tls_verify, settings.ca_bundle)
        self._origin = settings.admin_url.rstrip("/")

    def __enter__(self) -> KongAdminClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._transport.close()  # the shared pool's wrapper keeps the pool open

    def __getstate__(self) -> dict[str, Any]:
        raise TypeError("KongAdminClient holds the admin token and must not be pickled")

    # -- paths ---------------------------------------------------------------------------

    def path(self, *segments: str) -> str:
        """A workspace-prefixed path from raw segments (each URL-quoted)."""
        quoted = "/".join(quote(str(s), safe="") for s in segments)
        prefix = f"/{quote(self.settings.workspace, safe='')}" if self.settings.workspace else ""
        return f"{prefix}/{quoted}"

    # -- requests ------------------------------------------------------------------------

    def _wait(self, state: tenacity.RetryCallState) -> float:
        backoff = min(
            self.retry.backoff_max, self.retry.backoff_initial * (2 ** (state.attempt_number - 1))
        )
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, _TransientStatus):
            after = _retry_after_seconds(exc.response)
            if after is not None:
                return min(after, self.retry.retry_after_max)
        return backoff

    def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        params: Mapping[str, Any] | None = None,
        ok: tuple[int, ...] = (200, 201, 204),
        allow: tuple[int, ...] = (),
    ) -> httpx.Response:
        """Send one request (retrying transient faults); raise KongAdminError unless the
        status is in ``ok`` or ``allow``."""
        self.attempts = 0
        self.ambiguous_retry = False
        deadline = time.monotonic() + self.retry.max_seconds

        def stop(state: tenacity.RetryCallState) -> bool:
            if state.attempt_number >= self.retry.attempts:
                return True
            return time.monotonic() + self._wait(state) > deadline

        def attempt() -> httpx.Response:
            self.attempts += 1
            try:
                response = send(
                    self._transport,
                    method,
                    self._origin + path,
                    headers=self._headers,
                    timeout_seconds=self.settings.timeout_seconds,
                    json=json_body,
                    params=params,
                )
            except httpx.TransportError as exc:
                # Only a failed connect proves the request never reached Kong.
                if not isinstance(exc, httpx.ConnectError):
                    self.ambiguous_retry = True
                raise
            if response.status_code in RETRY_STATUSES:
                if response.status_code in (502, 504):
                    self.ambiguous_retry = True
                raise _TransientStatus(response)
            return response

        retrying = tenacity.Retrying(
            retry=tenacity.retry_if_exception_type((httpx.TransportError, _TransientStatus)),
            stop=stop,
            wait=self._wait,
            reraise=True,
            before_sleep=lambda s: log.info(
                "retrying %s %s after %s (attempt %d)",
                method,
                path,
                type(s.outcome.exception()).__name__ if s.outcome else "?",
                s.attempt_number,
            ),
        )
        try:
            response = retrying(attempt)
        except _TransientStatus as exc:
            raise KongAdminError.from_response(
                exc.response, hint=f"gave up after {self.attempts} attempts"
            ) from None
        except httpx.TransportError as exc:
            raise KongAdminError(
                f"Kong Admin API {method} {path} failed after {self.attempts} attempts: "
                f"{type(exc).__name__}: {exc}. {self._unreachable_hint(exc)}",
                method=method,
                path=path,
            ) from None
        if response.status_code in ok or response.status_code in allow:
            return response
        raise KongAdminError.from_response(response)

    def _unreachable_hint(self, exc: BaseException) -> str:
        """What to change when a request never got an answer: the TLS settings when Kong's
        certificate was not trusted, otherwise the address."""
        url = self.settings.admin_url
        if not _untrusted_certificate(exc):
            return f"Check `{CONFIG_NAMESPACE}:kong.adminUrl` ({url}) and that Kong is reachable"
        ns = CONFIG_NAMESPACE
        bundle = self.settings.ca_bundle
        trusted = f"no CA in `{ns}:kong.caBundle` ({bundle})" if bundle else "no trusted CA"
        return (
            f"{url} presented a certificate {trusted} signed: set `{ns}:kong.caBundle` to the "
            f"PEM file of the CA that signed it, or `{ns}:kong.tlsVerify` to false for a test node"
        )

    def get_json(self, path: str, *, allow_missing: bool = False) -> dict[str, Any] | None:
        response = self.request("GET", path, allow=(404,) if allow_missing else ())
        if response.status_code == 404:
            return None
        return response.json()

    def paginate(self, path: str, params: Mapping[str, Any] | None = None) -> Iterator[dict]:
        """Every row of a collection, following ``next`` (core) or ``offset`` (portal)."""
        query: dict[str, Any] = dict(params or {})
        query.setdefault("size", 1000)
        seen: set[str] = set()
        while True:
            body = self.request("GET", path, params=query).json()
            yield from body.get("data") or []
            nxt = body.get("next")
            offset = body.get("offset")
            if not nxt or not offset or offset in seen:
                return
            seen.add(offset)
            query = {**query, "offset": offset}

    def info(self) -> KongInfo:
        """``GET /`` once per provider process and admin URL (cached)."""
        key = self.settings.admin_url
        # Held across the request: concurrent provider threads wait for the one lookup.
        with _INFO_LOCK:
            info = _INFO_CACHE.get(key)
            if info is None:
                info = KongInfo.from_root(self.request("GET", "/").json())
                _INFO_CACHE[key] = info
        return info
