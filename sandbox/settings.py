"""Node-level settings of the sandboxed Kong node (what kong.conf holds on a real node).

They come only from the command line (`python -m sandbox --help`) and are shared, read-only,
by the Admin API backend and the proxy.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

DEFAULT_KONG_VERSION = "3.4.3.12"
PORTAL_APP_AUTH_MODES = ("kong-oauth2", "external-oauth2")


@functools.lru_cache(maxsize=64)  # asked on every portal request (is the portal available?)
def parse_version(version: str) -> tuple[int, ...]:
    """`"3.4.3.12"` -> `(3, 4, 3, 12)`; raises ValueError with the offending value."""
    try:
        parts = tuple(int(p) for p in version.split("."))
    except ValueError:
        raise ValueError(
            f"invalid Kong version {version!r}: expected digits like 3.4.3.12"
        ) from None
    if len(parts) < 2:
        raise ValueError(f"invalid Kong version {version!r}: expected at least MAJOR.MINOR")
    return parts


@dataclass(frozen=True)
class NodeSettings:
    """What a real node reads from kong.conf.

    - `kong_version`: reported by `GET /`; selects behaviour (3.5+: no classic portal and no
      `application-registration`; 3.14+: openid-connect `consumer_claims`).
    - `portal_app_auth`: `external-oauth2` (default here) or `kong-oauth2`; for every workspace.
    - `rbac_token`: when set, every Admin API request needs header `Kong-Admin-Token` equal to it.
    - `rbac_read_only_token`: a second RBAC user, `read-only`, allowed to read only.
    - `admin_gui_auth`: changes the 401 body for requests that send no token at all.
    - `licensed`: without an Enterprise license, Enterprise endpoints answer 403.
    """

    kong_version: str = DEFAULT_KONG_VERSION
    portal_app_auth: str = "external-oauth2"
    rbac_token: str | None = field(default=None, repr=False)
    rbac_read_only_token: str | None = field(default=None, repr=False)
    admin_gui_auth: str | None = None
    licensed: bool = True
    edition: str = "enterprise"

    def __post_init__(self) -> None:
        parse_version(self.kong_version)
        if self.portal_app_auth not in PORTAL_APP_AUTH_MODES:
            raise ValueError(
                "portal_app_auth must be not set or one of: kong-oauth2, external-oauth2 "
                f"(got {self.portal_app_auth!r})"
            )

    @property
    def version_tuple(self) -> tuple[int, ...]:
        return parse_version(self.kong_version)

    def at_least(self, version: str) -> bool:
        """True when this node's version is >= `version` (e.g. `at_least("3.5")`)."""
        return self.version_tuple >= parse_version(version)

    @property
    def portal_available(self) -> bool:
        """The classic Dev Portal (and application-registration) exists only up to 3.4."""
        return not self.at_least("3.5")

    @property
    def consumer_claim_field(self) -> str:
        """openid-connect names the claim path `consumer_claims` from 3.14 on."""
        return "consumer_claims" if self.at_least("3.14") else "consumer_claim"

    @property
    def rbac(self) -> str:
        return "on" if self.rbac_token else "off"
