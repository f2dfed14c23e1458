"""Preflight's probe of the Kong Admin API: node, workspace, and the admin token's rights."""

from __future__ import annotations

import httpx

from components.settings import PROJECT, StackSettings
from preflight.report import Getter, Report
from providers.kong_admin import (
    KongAdminClient,
    KongAdminError,
    KongAdminSettings,
    KongConfigError,
    KongInfo,
    RetryPolicy,
)

TOKEN_KEY = f"`{PROJECT}:kongAdminToken` (secret; or KONG_ADMIN_TOKEN)"
# A probe that cannot reach its server gives up quickly: a preview should not wait a minute.
PROBE_RETRY = RetryPolicy(attempts=2, max_seconds=5.0)
# Kong collections the stack writes, and whether they exist only with the Dev Portal.
MANAGED = (("services", False), ("routes", False), ("plugins", False), ("developers", True))


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
    return bool(settings.services or settings.developers)


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
            portal_on = _check_workspace(settings, client, workspace, report)
            if not report.problems:
                _check_rights(settings, client, workspace, report, portal_on)
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
) -> bool:
    """Problems with the workspace; whether its Dev Portal is on already."""
    path = f"/workspaces/{workspace}"
    response = client.request("GET", path, allow=(401, 403, 404))
    if response.status_code == 404:
        report.problems.append(
            f"Kong has no workspace {workspace!r}: set `{PROJECT}:kong.workspace` to an existing "
            "workspace (or create it: POST /workspaces name=…)"
        )
        return False
    refused = _refused(f"read workspace {workspace!r}", response)
    if refused:
        if "license" in refused or response.status_code == 401:
            report.problems.append(refused)
        else:
            # a workspace-scoped RBAC user may not read /workspaces: the portal probe below
            # (POST /{ws}/developers answers 404 while the portal is off) still decides
            report.notes.append(f"workspace {workspace!r} not readable with this token")
        return True
    if not _needs_portal(settings) or (response.json().get("config") or {}).get("portal"):
        return True
    if settings.role == "portal":
        report.problems.append(
            f"the Dev Portal is off in workspace {workspace!r}: its gateway stack "
            f"({settings.gateway_stack}) turns it on; run `pulumi up` on that stack first"
        )
        return False
    # The stack turns it on itself (its WorkspacePortal resource), so the token must be allowed
    # to: a value Kong cannot take is refused by RBAC (403) before the schema (400), and
    # nothing changes either way.
    probe = client.request(
        "PATCH",
        path,
        json_body={"config": {"portal": "preflight probe: not a boolean"}},
        ok=(),
        allow=(400, 401, 403),
    )
    refused = _refused(f"update workspace {workspace!r} (to turn its Dev Portal on)", probe)
    if refused:
        report.problems.append(refused)
    else:
        report.notes.append(
            f"the Dev Portal is off in workspace {workspace!r}: the stack turns it on"
        )
    return False


def _check_rights(
    settings: StackSettings,
    client: KongAdminClient,
    workspace: str,
    report: Report,
    portal_on: bool,
) -> None:
    for collection, portal_only in MANAGED:
        if portal_only and (not settings.developers or not portal_on):
            continue  # no portal objects, or Kong hides them until the stack turns it on
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
