"""A preflight pass remembered per stack, so a run with the same settings probes nothing."""

from __future__ import annotations

import hashlib
import json
import os

from components.settings import PROJECT, StackSettings
from preflight.report import Getter


def fingerprint(settings: StackSettings, get: Getter, stack: str, salt: str) -> str:
    """What a pass covered: the stack, the targets, what it manages, and the tokens, hashed
    with a random salt kept beside it: the file holds no token, only this hash."""
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


def pass_file(project: str, stack: str) -> str:
    home = os.environ.get("PULUMI_HOME") or os.path.join(os.path.expanduser("~"), ".pulumi")
    return os.path.join(home, "kong-okta-portal", "preflight", f"{project}.{stack}.json")


def read_pass(path: str) -> dict[str, str]:
    try:
        with open(path, encoding="utf-8") as fh:
            found = json.load(fh)
        return found if isinstance(found, dict) else {}
    except (OSError, ValueError):
        return {}


def remember(path: str, salt: str, print_: str | None) -> None:
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
