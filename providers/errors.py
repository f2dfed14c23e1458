"""How a provider's expected failures reach `pulumi up`: one message, no Python traceback.

The SDK's dynamic-provider server (`pulumi/dynamic/__main__.py`) answers every exception with
`traceback.format_exc()`, so a refused Admin API call printed a dozen lines of our call stack
in front of the one sentence a user can act on. When the providers package is loaded in that
server (it unpickles a provider), `install()` makes the server send `describe(exc)` instead for
the failures this package expects (the remote side's answer, a bad setting, a conflict with an
object the stack does not own); anything else is a bug and keeps its traceback.

It also drops the property name from check failures: the engine then prints
"resource 'x' has a problem: <reason>" instead of dumping the whole input value (which may hold
a secret) before the reason, and our reasons name the field themselves.
"""

from __future__ import annotations

import sys
import traceback
from typing import Any

# Exceptions raised for failures a user fixes outside the code (qualified class names, so this
# module imports none of the providers and a renamed class fails the tests, not the import).
EXPECTED = frozenset(
    {
        "providers.kong_admin.KongAdminError",
        "providers.kong_admin.KongConfigError",
        "providers.dcr.RegistrationError",
        "components.settings.SettingsError",
        "preflight.report.PreflightError",
    }
)

_FIXES_BY_STATUS = {
    400: "Kong rejected the values: correct the resource's inputs (the fields named above) "
    "and run `pulumi up` again",
    404: "the object or endpoint is missing on this node: check `kong-okta-portal:kong.adminUrl`"
    " and `kong-okta-portal:kong.workspace`",
    409: "an object with the same unique key exists: rename this resource's object, or set "
    "adopt=True to manage the existing one",
}
_SERVER_FIX = (
    "the server kept failing after retries: check its health and logs, then run `pulumi up` "
    "again (creates are idempotent: nothing is made twice)"
)
_REGISTRATION_FIXES = {
    401: "the identity API token was refused: set the secret `kong-okta-portal:identityApiToken` "
    "(pulumi config set --secret …) or IDENTITY_API_TOKEN to a token allowed to register clients",
    403: "the identity API token may not register clients: use a token of an admin with the "
    "right to manage applications (Okta: super or app admin)",
    400: "the identity provider rejected the client metadata: check the app's flow and "
    "redirectUris in `kong-okta-portal:developers`",
}


def is_expected(exc: BaseException | None) -> bool:
    """Whether `exc` is a failure a user fixes (not a bug in this code)."""
    if exc is None:
        return False
    return any(f"{c.__module__}.{c.__qualname__}" in EXPECTED for c in type(exc).__mro__)


def _fix_for(exc: BaseException) -> str | None:
    status = getattr(exc, "status", None)
    names = {f"{c.__module__}.{c.__qualname__}" for c in type(exc).__mro__}
    if "providers.dcr.RegistrationError" in names:
        if isinstance(status, int) and status >= 500:
            return _SERVER_FIX
        return _REGISTRATION_FIXES.get(status) if isinstance(status, int) else None
    if isinstance(status, int) and status >= 500:
        return _SERVER_FIX
    return _FIXES_BY_STATUS.get(status) if isinstance(status, int) else None


def _split_headline(message: str) -> tuple[str, str]:
    """The first clause (what failed) and the rest (the remote answer, the fix)."""
    cuts = [i for i in (message.find(": "), message.find(". ")) if i > 0]
    if not cuts:
        return message, ""
    cut = min(cuts)
    return message[:cut], message[cut + 2 :]


def describe(exc: BaseException) -> str:
    """One message: what failed on the first line, then the remote answer and the fix.

    The engine's progress display repeats a diagnostic's first line on each status change of
    the resource; keeping the details on the next line prints them once, under Diagnostics."""
    message = " ".join((str(exc).strip() or type(exc).__name__).split())
    fix = _fix_for(exc)
    lowered = message.lower()
    # Messages that already say what to do keep theirs; others get the fix for their status.
    says_what_to_do = any(
        word in lowered
        for word in (" set ", " use ", "point ", "grant ", "check ", "add ", "rename", "delete ")
    )
    if fix and not says_what_to_do:
        message = f"{message.rstrip('.')}. Fix: {fix}"
    headline, details = _split_headline(message)
    return f"{headline}:\n{details}" if details else headline


def in_provider_server() -> bool:
    """Whether this process is the SDK's dynamic-provider server (`python -m pulumi.dynamic`,
    also when started through our launcher's runpy)."""
    spec = getattr(sys.modules.get("__main__"), "__spec__", None)
    return getattr(spec, "name", None) == "pulumi.dynamic.__main__"


_INSTALLED = False


def install_in_provider_server() -> None:
    """`install()` once, in the dynamic-provider server only: programs, policy packs and tests
    that import the providers keep Python's behaviour."""
    global _INSTALLED
    if not _INSTALLED and in_provider_server():
        install()
        _INSTALLED = True


def install() -> None:
    """Send `describe(exc)` for expected failures and plain check failures (see module doc)."""
    original = traceback.format_exc

    def format_exc(limit: int | None = None, chain: bool = True) -> str:
        exc = sys.exc_info()[1]
        if is_expected(exc):
            return describe(exc)
        return original(limit, chain)

    traceback.format_exc = format_exc  # type: ignore[assignment]

    from pulumi.dynamic import dynamic

    def check_failure_init(self: Any, property_: str, reason: str) -> None:
        self.property = ""
        field = f"`{property_}`" if property_ else "input"
        self.reason = f"invalid {field}:\n{reason}"

    dynamic.CheckFailure.__init__ = check_failure_init  # type: ignore[method-assign]
