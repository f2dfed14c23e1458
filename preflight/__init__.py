"""Preflight: probe Kong and the identity provider before the program registers any resource.

The program runs at `pulumi preview` as at `pulumi up`, before the engine creates anything, so
this is where a deploy that cannot succeed is stopped with zero writes anywhere: one pass over
Kong (reachable, edition and version, the node's `portal` and `portal_app_auth`, the workspace
and its Dev Portal, the admin token's rights on what the stack manages) and over the identity
side (issuer discovery; the registration or API token). Every problem found is reported at once,
each naming the setting to change.

The token-rights probe asks Kong to create an empty object in each collection the stack
manages: RBAC is decided before the body is validated, so an allowed token gets 400 (schema
violation, nothing stored) and a refused one 401/403 — an answer about the right to write,
with nothing written either way.

A pass is remembered per stack (a fingerprint of the settings and tokens it checked, under
`$PULUMI_HOME/kong-okta-portal/preflight/`, no secret in it): a later run with the same settings
probes nothing, so a no-change `pulumi up` still makes zero Admin API requests. Changing any
checked setting or token probes again.

Skip it (not advised: a failing deploy then leaves what it made before the failure) with the
environment variable `KONG_OKTA_PORTAL_PREFLIGHT=off` (`make up PREFLIGHT=off` sets it).
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from components.settings import PROJECT, StackSettings
from providers.connections import shared_transport, ssl_context
from providers.dcr import registration_endpoint_for
from providers.kong_admin import (
    KongAdminClient,
    KongAdminError,
    KongAdminSettings,
    KongConfigError,
    KongInfo,
    RetryPolicy,
)

SKIP_ENV = "KONG_OKTA_PORTAL_PREFLIGHT"
TOKEN_KEY = f"`{PROJECT}:kongAdminToken` (secret; or KONG_ADMIN_TOKEN)"
IDENTITY_TOKEN_KEY = f"`{PROJECT}:identityApiToken` (secret; or IDENTITY_API_TOKEN)"
# A probe that cannot reach its server gives up quickly: a preview should not wait a minute.
PROBE_RETRY = RetryPolicy(attempts=2, max_seconds=5.0)
PROBE_TIMEOUT = 10.0
# Kong collections the stack writes, and whether they exist only with the Dev Portal.
MANAGED = (("services", False), ("routes", False), ("plugins", False), ("developers", True))

Getter = Callable[[str], Any]


class PreflightError(Exception):
    """The deploy cannot succeed: every problem, each naming the setting to change."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(
            f"preflight: this deploy cannot succeed; nothing was created "
            f"({len(problems)} problem{'s' if len(problems) > 1 else ''}):\n{lines}\n"
            f"Fix the above and run again (skipping the check: {SKIP_ENV}=off, not advised)."
        )


@dataclass
class Report:
    """What the probes found: problems stop the run; notes are printed."""

    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    kong: KongInfo | None = None


def skipped(environ: Mapping[str, str] | None = None) -> bool:
    """Whether the user turned preflight off for this run."""
    env = os.environ if environ is None else environ
    return env.get(SKIP_ENV, "").strip().lower() in ("off", "0", "false", "no", "skip")


# -- Kong ------------------------------------------------------------------------------------


def _kong_message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    message = body.get("message") if isinstance(body, dict) else None
    if isinstance(message, dict):
        message = message.get("message")
    return str(message) if message else response.text[:200]


def _refused(what: str, response: httpx.Response) -> str | None:
    """The problem behind a 401/403 answer (token, license or RBAC rights), or None."""
    status, message = response.status_code, _kong_message(response)
    if status == 401:
        return (
            f"Kong refused the admin token ({what}: 401 {message!r}): set {TOKEN_KEY} "
            "to a valid RBAC token for the workspace"
        )
    if status == 403 and "license" in message.lower():
        return (
            f"Kong has no valid Enterprise license ({what}: 403 {message!r}): the portal, "
            "workspaces and application registration need one. Install it on every node "
            "(KONG_LICENSE_DATA or POST /licenses), then run again"
        )
    if status == 403:
        return (
            f"the RBAC user behind the admin token may not {what} (403 {message!r}): grant its "
            f"role that endpoint in the workspace, or set {TOKEN_KEY} to a token that may"
        )
    return None


def _needs_portal(settings: StackSettings) -> bool:
    # Every service gets an application-registration plugin; developers need the portal too.
    return bool(settings.services)


def check_kong(settings: StackSettings, get: Getter, report: Report) -> None:
    """Probe the Admin API once; append problems to `report`."""
    try:
        conn = KongAdminSettings.from_sources(get)
    except KongConfigError as exc:
        report.problems.append(str(exc))
        return
    workspace = settings.kong.workspace
    url = conn.admin_url
    with KongAdminClient(conn, retry=PROBE_RETRY) as client:
        try:
            root = client.request("GET", "/", allow=(401, 403))
        except KongAdminError as exc:
            report.problems.append(
                f"Kong Admin API at {url} is not reachable ({exc.kong_message or _cause(exc)}): "
                f"check `{PROJECT}:kong.adminUrl` (or KONG_ADMIN_URL) and that Kong is running"
            )
            return
        refused = _refused("GET /", root)
        if refused:
            report.problems.append(refused)
            return
        try:
            info = KongInfo.from_root(root.json())
        except ValueError:
            report.problems.append(
                f"{url} did not answer like a Kong Admin API (GET / is not JSON): check "
                f"`{PROJECT}:kong.adminUrl`"
            )
            return
        report.kong = info
        _check_node(settings, info, url, report)
        if report.problems:
            return  # a node that cannot hold the portal: the workspace and rights do not matter
        try:
            _check_workspace(settings, client, workspace, report)
            if not report.problems:
                _check_rights(settings, client, workspace, report)
        except KongAdminError as exc:  # e.g. 5xx after retries: Kong cannot take a deploy now
            report.problems.append(f"{exc}. Check Kong's health, then run again")


def _cause(exc: KongAdminError) -> str:
    text = str(exc)
    marker = " attempts: "
    if marker in text:
        text = text.split(marker, 1)[1]
    return text.split(". Check", 1)[0]


def _check_node(settings: StackSettings, info: KongInfo, url: str, report: Report) -> None:
    edition = (info.edition or "").lower()
    if edition and edition != "enterprise":
        report.problems.append(
            f"Kong {info.version} at {url} is the {info.edition} edition: the classic Dev Portal "
            "and application registration need Kong Gateway Enterprise. Point "
            f"`{PROJECT}:kong.adminUrl` at an Enterprise node"
        )
        return
    if info.at_least(3, 5) and _needs_portal(settings):
        report.problems.append(
            f"Kong {info.version} at {url} has no classic Dev Portal (removed in Kong Gateway "
            "Enterprise 3.5), so portal developers, applications, application instances and "
            "the application-registration plugin cannot be created. Point "
            f"`{PROJECT}:kong.adminUrl` at a Kong Enterprise 3.4 (or older) node, or move "
            "application registration to Konnect Dev Portal"
        )
        return
    if info.portal is False:
        report.problems.append(
            f"the Dev Portal is off on the Kong node at {url} (kong.conf `portal`): set "
            "`portal = on` (KONG_PORTAL=on) on every node and restart Kong"
        )
    has_apps = bool(settings.apps())
    if has_apps and info.portal_app_auth not in (None, "external-oauth2"):
        report.problems.append(
            f"Kong's node setting portal_app_auth is {info.portal_app_auth!r}, but applications "
            "whose Reference Id (custom_id) is the Okta client_id need 'external-oauth2': set "
            "`portal_app_auth = external-oauth2` in kong.conf (or KONG_PORTAL_APP_AUTH) on every "
            "node and restart Kong"
        )
    claim = "consumer_claims" if info.at_least(3, 14) else "consumer_claim"
    report.notes.append(f"Kong {info.version}: openid-connect takes `{claim}`")


def _check_workspace(
    settings: StackSettings, client: KongAdminClient, workspace: str, report: Report
) -> None:
    response = client.request("GET", f"/workspaces/{workspace}", allow=(401, 403, 404))
    if response.status_code == 404:
        report.problems.append(
            f"Kong has no workspace {workspace!r}: set `{PROJECT}:kong.workspace` to an existing "
            "workspace (or create it: POST /workspaces name=…)"
        )
        return
    refused = _refused(f"read workspace {workspace!r}", response)
    if refused:
        if "license" in refused or response.status_code == 401:
            report.problems.append(refused)
        else:
            # a workspace-scoped RBAC user may not read /workspaces: the portal probe below
            # (POST /{ws}/developers answers 404 while the portal is off) still decides
            report.notes.append(f"workspace {workspace!r} not readable with this token")
        return
    config = response.json().get("config") or {}
    if _needs_portal(settings) and not config.get("portal"):
        report.problems.append(
            f"the Dev Portal is off in workspace {workspace!r}: turn it on (PATCH "
            f"/workspaces/{workspace} config.portal=true and config.portal_auth, or "
            f"`python -m verify.portal_prereq --admin <adminUrl> --workspace {workspace}`), "
            f"or set `{PROJECT}:kong.workspace` to a workspace that has it"
        )


def _check_rights(
    settings: StackSettings, client: KongAdminClient, workspace: str, report: Report
) -> None:
    for collection, portal_only in MANAGED:
        if portal_only and not settings.developers:
            continue
        path = client.path(collection)
        listed = client.request("GET", path, params={"size": 1}, allow=(401, 403, 404))
        if listed.status_code == 404 and portal_only:
            report.problems.append(
                f"Kong hides {path} (404): the Dev Portal is off in workspace {workspace!r}. "
                f"Turn it on (PATCH /workspaces/{workspace} config.portal=true) or set "
                f"`{PROJECT}:kong.workspace` to a workspace that has it"
            )
            return
        refused = _refused(f"read {path}", listed)
        if refused:
            report.problems.append(refused)
            return
        # An empty body: Kong checks RBAC first, then rejects the body (400), storing nothing.
        # ok=(): an accepted empty create would be Kong not validating; it raises, not passes
        probe = client.request("POST", path, json_body={}, ok=(), allow=(400, 401, 403, 404, 409))
        refused = _refused(f"create in {path}", probe)
        if refused:
            report.problems.append(refused)
            return


# -- identity --------------------------------------------------------------------------------


def _http(verify: bool = True, ca_bundle: str | None = None) -> httpx.Client:
    return httpx.Client(
        timeout=PROBE_TIMEOUT,
        verify=ssl_context(verify, ca_bundle),
        transport=shared_transport(verify, ca_bundle),
    )


def _get(http: httpx.Client, url: str, **kw: Any) -> httpx.Response | str:
    """The response, or the connection error as text."""
    try:
        return http.get(url, **kw)
    except httpx.HTTPError as exc:
        return f"{type(exc).__name__}: {exc}"


def _check_discovery(http: httpx.Client, issuer: str, key: str, report: Report) -> None:
    url = issuer.rstrip("/") + "/.well-known/openid-configuration"
    answer = _get(http, url)
    if isinstance(answer, str) or answer.status_code != 200:
        got = answer if isinstance(answer, str) else f"HTTP {answer.status_code}"
        report.problems.append(
            f"the issuer's discovery document {url} is not reachable ({got}): check {key}"
        )
        return
    try:
        found = answer.json().get("issuer")
    except (ValueError, AttributeError):
        found = None
    if found != issuer.rstrip("/"):
        report.problems.append(
            f"the discovery document at {url} names issuer {found!r}, not {issuer!r}: tokens "
            f"would fail Kong's issuer check. Set {key} to the issuer exactly as it names itself"
        )


def check_identity(settings: StackSettings, get: Getter, report: Report) -> None:
    """Probe the identity side: discovery, and the token that registers clients."""
    identity = settings.identity
    if identity.provider == "dcr":
        _check_dcr(settings, get, report)
    else:
        _check_okta(settings, get, report)


def _check_dcr(settings: StackSettings, get: Getter, report: Report) -> None:
    identity = settings.identity
    issuer = identity.issuer or ""
    with _http() as http:
        _check_discovery(http, issuer, f"`{PROJECT}:identity.issuer`", report)
        if not settings.apps():
            return
        token = get(f"{PROJECT}:identityApiToken") or os.environ.get("IDENTITY_API_TOKEN")
        if not token:
            report.problems.append(f"no token to register clients with: set {IDENTITY_TOKEN_KEY}")
            return
        endpoint = identity.registration_endpoint or registration_endpoint_for(issuer)
        answer = _get(
            http,
            endpoint,
            params={"q": "kong-okta-portal preflight"},
            headers={"Authorization": f"SSWS {token}", "Accept": "application/json"},
        )
        key = f"`{PROJECT}:identity.registrationEndpoint`"
        if isinstance(answer, str):
            report.problems.append(
                f"the registration endpoint {endpoint} is not reachable ({answer}): check {key}"
            )
        elif answer.status_code in (401, 403):
            report.problems.append(
                f"the identity provider refused the registration token at {endpoint} "
                f"(HTTP {answer.status_code}): set {IDENTITY_TOKEN_KEY} to a token allowed "
                "to register clients"
            )
        elif answer.status_code >= 400:
            report.problems.append(
                f"the registration endpoint {endpoint} answered HTTP {answer.status_code}: "
                f"check {key}"
            )


def okta_org_url(get: Getter, environ: Mapping[str, str] | None = None) -> str | None:
    """The Okta org URL from the pulumi-okta provider's own settings (config, then env)."""
    env = os.environ if environ is None else environ
    org = get("okta:orgName") or env.get("OKTA_ORG_NAME")
    base = get("okta:baseUrl") or env.get("OKTA_BASE_URL") or "okta.com"
    return f"https://{org}.{base}" if org else None


def _check_okta(settings: StackSettings, get: Getter, report: Report) -> None:
    org = okta_org_url(get)
    if org is None:
        report.problems.append(
            "no Okta org: set `okta:orgName` (and `okta:baseUrl`) or OKTA_ORG_NAME"
        )
        return
    with _http() as http:
        server = settings.identity.auth_server
        if server.is_default:
            _check_discovery(
                http, f"{org}/oauth2/default", "`okta:orgName` and `okta:baseUrl`", report
            )
        token = get("okta:apiToken") or os.environ.get("OKTA_API_TOKEN")
        if not token:
            report.notes.append("Okta API token not set (OAuth keys?): its rights not probed")
            return
        answer = _get(
            http,
            f"{org}/api/v1/authorizationServers",
            params={"limit": 1},
            headers={"Authorization": f"SSWS {token}", "Accept": "application/json"},
        )
        if isinstance(answer, str):
            report.problems.append(
                f"the Okta org {org} is not reachable ({answer}): check `okta:orgName` and "
                "`okta:baseUrl`"
            )
        elif answer.status_code in (401, 403):
            report.problems.append(
                f"Okta refused the API token at {org} (HTTP {answer.status_code}): set "
                "`okta:apiToken` (secret; or OKTA_API_TOKEN) to a token of an admin who may "
                "manage authorization servers and apps"
            )


# -- the whole pass ------------------------------------------------------------------------


def run(settings: StackSettings, get: Getter) -> Report:
    """Probe Kong and the identity side; raise PreflightError listing every problem."""
    report = Report()
    check_kong(settings, get, report)
    check_identity(settings, get, report)
    if report.problems:
        raise PreflightError(report.problems)
    return report


def fingerprint(settings: StackSettings, get: Getter, stack: str, salt: str) -> str:
    """What a pass covered: the stack, the targets, what it manages, and the tokens, hashed
    with a random salt kept beside it (so the file gives nothing to guess a token against)."""
    checked = {
        "stack": stack,
        "kong": get(f"{PROJECT}:kong") or os.environ.get("KONG_ADMIN_URL"),
        "kongAdminToken": get(f"{PROJECT}:kongAdminToken") or os.environ.get("KONG_ADMIN_TOKEN"),
        "identity": settings.identity.model_dump(mode="json"),
        "identityApiToken": get(f"{PROJECT}:identityApiToken")
        or os.environ.get("IDENTITY_API_TOKEN"),
        "okta": [get(k) for k in ("okta:orgName", "okta:baseUrl")],
        "oktaApiToken": get("okta:apiToken") or os.environ.get("OKTA_API_TOKEN"),
        "developers": bool(settings.developers),
        "apps": bool(settings.apps()),
    }
    payload = salt + json.dumps(checked, sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()


def _pass_file(project: str, stack: str) -> str:
    home = os.environ.get("PULUMI_HOME") or os.path.join(os.path.expanduser("~"), ".pulumi")
    return os.path.join(home, "kong-okta-portal", "preflight", f"{project}.{stack}.json")


def _read_pass(path: str) -> dict[str, str]:
    try:
        with open(path, encoding="utf-8") as fh:
            found = json.load(fh)
        return found if isinstance(found, dict) else {}
    except (OSError, ValueError):
        return {}


def _remember(path: str, salt: str, print_: str | None) -> None:
    try:
        if print_ is None:
            if os.path.exists(path):
                os.remove(path)
            return
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as fh:
            json.dump({"salt": salt, "fingerprint": print_}, fh)
    except OSError:
        pass  # only a cache: the next run probes again


def _under_mocks() -> bool:
    from pulumi.runtime.mocks import MockMonitor
    from pulumi.runtime.settings import get_monitor

    return isinstance(get_monitor(), MockMonitor)


def run_preflight(settings: StackSettings) -> Report | None:
    """From the program, before any resource is registered: probe with the stack's config.

    Skipped under the SDK's mocks (no engine: nothing would be created) and when the user
    turned it off, which is said as a warning in the output."""
    import pulumi
    from pulumi.runtime import get_config

    if _under_mocks():
        return None
    if skipped():
        pulumi.log.warn(
            f"preflight skipped ({SKIP_ENV}=off): Kong and the identity provider were not "
            "checked; a deploy that fails midway leaves what it created before the failure"
        )
        return None
    stack = pulumi.get_stack()
    path = _pass_file(pulumi.get_project(), stack)
    last = _read_pass(path)
    if last.get("salt") and last.get("fingerprint") == fingerprint(
        settings, get_config, stack, last["salt"]
    ):
        return None
    try:
        report = run(settings, get_config)
    except PreflightError:
        _remember(path, "", None)
        raise
    salt = secrets.token_hex(16)
    _remember(path, salt, fingerprint(settings, get_config, stack, salt))
    for note in report.notes:
        pulumi.log.info(f"preflight: {note}")
    return report
