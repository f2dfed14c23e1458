"""Is the pulumi-okta provider plugin installed? `python scripts/okta_plugin.py` exits 0 if so,
else 1 and prints how to install it. Used by `make demo IDENTITY=okta` and the okta engine test.

The plugin version is the pulumi-okta package's (its `pulumi-plugin.json`); the engine looks for
it under PULUMI_HOME (`pulumi plugin ls`), and with automatic plugin acquisition off it never
downloads one itself.
"""

from __future__ import annotations

import importlib.resources
import json
import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path


def required_version() -> str:
    """The provider plugin version the installed pulumi-okta package asks for."""
    meta = importlib.resources.files("pulumi_okta").joinpath("pulumi-plugin.json")
    return str(json.loads(meta.read_text())["version"]).lstrip("v")


def installed_versions(pulumi: str, env: Mapping[str, str]) -> list[str]:
    """Versions of the `okta` resource plugin in `pulumi plugin ls` (under env's PULUMI_HOME)."""
    proc = subprocess.run(
        [pulumi, "plugin", "ls", "--json"],
        env=dict(env),
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"`pulumi plugin ls` failed: {proc.stderr.strip()}")
    plugins = json.loads(proc.stdout or "[]") or []
    return [
        str(p.get("version", "")).lstrip("v")
        for p in plugins
        if p.get("name") == "okta" and p.get("kind") == "resource"
    ]


def missing_message(pulumi: str, env: Mapping[str, str]) -> str | None:
    """None when the plugin is there; otherwise what to run to install it."""
    version = required_version()
    if version in installed_versions(pulumi, env):
        return None
    home = env.get("PULUMI_HOME") or str(Path.home() / ".pulumi")
    return (
        f"the pulumi-okta provider plugin (resource okta v{version}) is not installed in "
        f"PULUMI_HOME={home}. Install it with\n"
        f"    PULUMI_HOME={home} pulumi plugin install resource okta v{version}\n"
        "(it is downloaded from Pulumi's plugin server, or pass --file with a copy of "
        f"pulumi-resource-okta-v{version}-<os>-<arch>.tar.gz), then run the okta demo again."
    )


def main() -> int:
    pulumi = os.path.join(os.environ["PULUMI_BIN_DIR"], "pulumi") if os.environ.get(
        "PULUMI_BIN_DIR"
    ) else "pulumi"  # fmt: skip
    message = missing_message(pulumi, os.environ)
    if message:
        print(message, file=sys.stderr)
        return 1
    print(f"pulumi-okta provider plugin v{required_version()}: installed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
