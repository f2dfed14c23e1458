"""Read and write `Pulumi.<stack>.yaml`: only the `kong-okta-portal:` keys discovery owns
change; the encryption salt, secrets and any other key stay as they are."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from components.settings import PROJECT

OWNED = ("identity", "kong", "proxyUrl", "services", "developers")


def stack_file(directory: Path, stack: str) -> Path:
    return directory / f"Pulumi.{stack}.yaml"


def read_stack(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    data = yaml.safe_load(path.read_text()) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a YAML mapping")
    return data


def write_config(path: Path, config: dict[str, Any]) -> None:
    """Merge the discovered keys into the stack file (created when missing)."""
    data = read_stack(path)
    current = dict(data.get("config") or {})
    for key in OWNED:
        current.pop(f"{PROJECT}:{key}", None)
    current.update(config)
    data["config"] = current
    header = (
        "# Written by `python -m discover`: the live portal, adopted as it is (adopt: true,\n"
        "# clientId). Review the findings it printed before `pulumi up`.\n"
    )
    path.write_text(header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
