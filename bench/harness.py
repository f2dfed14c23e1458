"""Shared by the benchmarks and the resilience tests.

- `SandboxControl`: the sandbox's control endpoints (request log, faults) and an inventory of
  what the sandbox holds (Kong objects and identity clients), with duplicates found by natural key.
- `write_stack_project`: a copy of the project in a directory of its own, whose stack config is the
  `local` stack's with N generated developer apps and the URLs of a sandbox on free ports.
- `write_baseline_project`: the engine-only baseline (no-op dynamic resources).
- `start_bench_sandbox`: `python -m sandbox` with every server on a free port.
- `BenchCLI`: the Pulumi CLI in an isolated home and file backend, with explicit engine settings;
  `bin_dir_with_this_langhost`: a CLI directory that runs this checkout's language host.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import yaml

from bench.noop import BASELINE_PROGRAM
from sandbox.issuer.paging import every_item

REPO_ROOT = Path(__file__).resolve().parent.parent
VENV = REPO_ROOT / ".venv"
PROJECT = "kong-okta-portal"
PORT_FLAGS = ("--proxy-port", "--issuer-port", "--upstream-port")
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def sandbox_port_args() -> list[str]:
    """`--<server>-port 0` for every server the sandbox CLI knows about."""
    help_text = subprocess.run(
        [sys.executable, "-m", "sandbox", "--help"],
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO_ROOT,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
    ).stdout
    args: list[str] = []
    for flag in PORT_FLAGS:
        if flag in help_text:
            args += [flag, "0"]
    return args


def start_bench_sandbox(extra: Sequence[str] = ()) -> Any:
    """A sandbox with all servers on free ports (a `sandbox.launch.SandboxProcess`)."""
    from sandbox.launch import start_sandbox

    return start_sandbox([*sandbox_port_args(), *extra])


@dataclass
class Inventory:
    """What the sandbox holds after a run: objects per kind and duplicates per natural key."""

    counts: dict[str, int]
    duplicates: dict[str, list[str]]
    client_names: list[str] = field(default_factory=list)
    application_names: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class Window:
    """The requests the sandbox logged between two marks."""

    rows: list[dict[str, Any]]

    def of(self, target: str) -> list[dict[str, Any]]:
        return [r for r in self.rows if r["target"] == target]

    def counts(self, target: str | None = None) -> dict[str, int]:
        rows = self.rows if target is None else self.of(target)
        return dict(Counter(r["method"] for r in rows))

    def writes(self, target: str | None = None) -> int:
        rows = self.rows if target is None else self.of(target)
        return sum(1 for r in rows if r["method"] in WRITE_METHODS)

    def total(self, target: str | None = None) -> int:
        return len(self.rows if target is None else self.of(target))

    def connections(self, target: str | None = None) -> int:
        """TCP connections the requests came over (distinct client addresses)."""
        rows = self.rows if target is None else self.of(target)
        return len({(r["target"], r.get("client")) for r in rows})

    def root_gets(self) -> int:
        """Version lookups: `GET /` (or `GET /{workspace}/`) on the Admin API."""
        return sum(
            1
            for r in self.of("admin")
            if r["method"] == "GET" and re.fullmatch(r"/([^/]+/)?", r["path"])
        )

    def workspace_gets(self) -> int:
        """The WorkspacePortal resource's reads of its workspace (`GET /workspaces/{ws}`)."""
        return sum(
            1
            for r in self.of("admin")
            if r["method"] == "GET" and re.fullmatch(r"/workspaces/[^/]+", r["path"])
        )

    def faults(self) -> int:
        return sum(1 for r in self.rows if r.get("fault") and not r["fault"].startswith("latency"))


class SandboxControl:
    """Talks to a running sandbox: control endpoints, Admin API and the issuer's client list."""

    def __init__(self, urls: Mapping[str, Any], *, admin_token: str | None = None) -> None:
        self.urls = dict(urls)
        headers = {"Kong-Admin-Token": admin_token} if admin_token else {}
        self.admin = httpx.Client(base_url=urls["admin"], headers=headers, timeout=30)

    def close(self) -> None:
        self.admin.close()

    # -- request log and faults --------------------------------------------------------------
    def log(self) -> list[dict[str, Any]]:
        body = self.admin.get("/_sandbox/requests", params={"target": "all"})
        body.raise_for_status()
        return body.json()["requests"]

    def mark(self) -> int:
        return len(self.log())

    def since(self, mark: int) -> Window:
        return Window(self.log()[mark:])

    def add_fault(self, **rule: Any) -> dict[str, Any]:
        response = self.admin.post("/_sandbox/faults", json=rule)
        if response.status_code != 201:
            raise RuntimeError(f"fault rule {rule} refused: {response.text}")
        return response.json()

    def clear_faults(self) -> None:
        self.admin.delete("/_sandbox/faults").raise_for_status()

    def enable_portal(self, workspace: str = "default") -> None:
        """The guide's one-time prerequisite: the Dev Portal on in the workspace."""
        from verify.portal_prereq import enable_portal

        enable_portal(self.urls["admin"], workspace, self.admin.headers.get("Kong-Admin-Token"))

    # -- inventory ---------------------------------------------------------------------------
    def _pages(self, path: str) -> Iterator[dict[str, Any]]:
        url: str | None = path
        params: dict[str, Any] | None = {"size": 1000}
        while url:
            response = self.admin.get(url, params=params)
            if response.status_code == 404:
                return
            response.raise_for_status()
            body = response.json()
            yield from body.get("data", [])
            url, params = body.get("next"), None

    def identity_clients(self) -> list[dict[str, Any]]:
        registration = self.urls.get("registration")
        token = self.urls.get("idp_api_token")
        if not registration or not token:
            return []
        return every_item(registration, {"Authorization": f"SSWS {token}"})

    def inventory(self) -> Inventory:
        services = list(self._pages("/services"))
        developers = list(self._pages("/developers"))
        applications = list(self._pages("/applications"))
        instances = [
            inst
            for svc in services
            for inst in self._pages(f"/services/{svc['id']}/application_instances")
        ]
        clients = self.identity_clients()
        objects: dict[str, list[dict[str, Any]]] = {
            "services": services,
            "routes": list(self._pages("/routes")),
            "plugins": list(self._pages("/plugins")),
            "developers": developers,
            "applications": applications,
            "instances": instances,
            "clients": clients,
        }
        dev_email = {d["id"]: d.get("email") for d in developers}

        def app_key(app: dict[str, Any]) -> str:
            developer = (app.get("developer") or {}).get("id")
            return f"{dev_email.get(developer, developer)}/{app.get('name')}"

        def inst_key(inst: dict[str, Any]) -> str:
            application = (inst.get("application") or {}).get("id")
            return f"{application}/{(inst.get('service') or {}).get('id')}"

        def plugin_key(p: dict[str, Any]) -> str:
            scope = [(p.get(k) or {}).get("id") for k in ("service", "route", "consumer")]
            return f"{p.get('name')}@{scope}"

        keys = {
            "services": lambda o: o.get("name"),
            "routes": lambda o: o.get("name"),
            "plugins": plugin_key,
            "developers": lambda o: (o.get("email") or "").lower(),
            "applications": app_key,
            "instances": inst_key,
            "clients": lambda o: o.get("client_name"),
        }
        duplicates: dict[str, list[str]] = {}
        for kind, rows in objects.items():
            seen = Counter(str(keys[kind](row)) for row in rows)
            dupes = sorted(k for k, n in seen.items() if n > 1)
            if dupes:
                duplicates[kind] = dupes
        return Inventory(
            counts={kind: len(rows) for kind, rows in objects.items()},
            duplicates=duplicates,
            client_names=sorted(str(c.get("client_name")) for c in clients),
            application_names=sorted(str(a.get("name")) for a in applications),
        )


# -- projects -----------------------------------------------------------------------------------


def _project_yaml(name: str | None = None) -> dict[str, Any]:
    """The repo's Pulumi.yaml with the runtime pointing at the repo venv by absolute path."""
    data = yaml.safe_load((REPO_ROOT / "Pulumi.yaml").read_text())
    if name:
        data["name"] = name
    runtime = data.setdefault("runtime", {"name": "python"})
    if isinstance(runtime, str):
        runtime = data["runtime"] = {"name": runtime}
    options = runtime.setdefault("options", {})
    options["toolchain"] = "pip"
    options["virtualenv"] = str(VENV)
    return data


def local_stack_config() -> dict[str, Any]:
    """The `config:` block of the repo's Pulumi.local.yaml."""
    return dict(yaml.safe_load((REPO_ROOT / "Pulumi.local.yaml").read_text())["config"])


def app_name(i: int) -> str:
    return f"bench-app-{i:04d}"


def developer_email(i: int) -> str:
    return f"dev{i:04d}@bench.example.com"


def generated_developers(n_apps: int, service: str) -> list[dict[str, Any]]:
    """N developers, each with one client-credentials app contracting `service` (approved)."""
    return [
        {
            "email": developer_email(i),
            "fullName": f"Bench Developer {i}",
            "apps": [
                {
                    "name": app_name(i),
                    "flow": "client_credentials",
                    "services": [{"service": service, "status": "approved"}],
                }
            ],
        }
        for i in range(n_apps)
    ]


def stack_config(
    urls: Mapping[str, Any],
    n_apps: int,
    *,
    services: int | None = None,
) -> dict[str, Any]:
    """The `local` stack's config, pointed at the sandbox at `urls`, with N generated apps.

    Secrets (`kongAdminToken`, `identityApiToken`) are dropped here: set them with
    `pulumi config set --secret` so they are encrypted like a user's would be."""
    config = local_stack_config()
    ns = f"{PROJECT}:"
    out: dict[str, Any] = {}
    for key, value in config.items():
        short = key[len(ns) :] if key.startswith(ns) else key
        if short in ("kongAdminToken", "identityApiToken"):
            continue
        out[short] = value
    kong = dict(out.get("kong") or {})
    kong["adminUrl"] = urls["admin"]
    out["kong"] = kong
    identity = dict(out.get("identity") or {})
    if "issuer" in urls:
        identity["issuer"] = urls["issuer"]
    if "registration" in urls and "registrationEndpoint" in identity:
        identity["registrationEndpoint"] = urls["registration"]
    out["identity"] = identity
    if "proxy" in urls:
        out["proxyUrl"] = urls["proxy"]
    svc_list = list(out.get("services") or [])
    if services is not None:
        svc_list = svc_list[:services]
    for svc in svc_list:
        if "upstream" in urls:
            svc["url"] = urls["upstream"].rstrip("/") + urlsplit(svc["url"]).path
    out["services"] = svc_list
    out["developers"] = generated_developers(n_apps, svc_list[0]["name"])
    return {f"{ns}{k}": v for k, v in out.items()}


def write_stack_config(project: Path, stack: str, config: Mapping[str, Any]) -> None:
    path = project / f"Pulumi.{stack}.yaml"
    existing: dict[str, Any] = {}
    if path.exists():
        existing = yaml.safe_load(path.read_text()) or {}
    existing_config = dict(existing.get("config") or {})
    # keep encrypted secrets written by `pulumi config set --secret`, replace everything else
    kept = {k: v for k, v in existing_config.items() if isinstance(v, dict) and "secure" in v}
    existing["config"] = {**dict(config), **kept}
    path.write_text(yaml.safe_dump(existing, sort_keys=False))


def write_stack_project(directory: Path) -> Path:
    """A copy of the real project (program + Pulumi.yaml) in `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "Pulumi.yaml").write_text(yaml.safe_dump(_project_yaml(), sort_keys=False))
    (directory / "__main__.py").write_text((REPO_ROOT / "__main__.py").read_text())
    return directory


def write_baseline_project(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    data = {
        "name": "bench-baseline",
        "runtime": {
            "name": "python",
            "options": {"toolchain": "pip", "virtualenv": str(VENV)},
        },
    }
    (directory / "Pulumi.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    (directory / "__main__.py").write_text(BASELINE_PROGRAM)
    return directory


def write_baseline_config(
    project: Path, stack: str, *, apps: int, per_app: int, fixed: int
) -> None:
    config = {"bench-baseline:apps": apps, "bench-baseline:perApp": per_app}
    config["bench-baseline:fixed"] = fixed
    write_stack_config(project, stack, config)


def dynamic_resources(state: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Dynamic resources in a `pulumi stack export` document."""
    resources = state.get("deployment", {}).get("resources", []) or []
    return [r for r in resources if str(r.get("type", "")).startswith("pulumi-python:dynamic")]


def dump_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=False) + "\n")
    tmp.replace(path)


# -- the Pulumi CLI -----------------------------------------------------------------------------


@dataclass
class BenchCLI:
    """The Pulumi CLI in an isolated home with a file backend, with the engine settings given.

    The environment keeps none of the caller's `PULUMI_*` variables: what the engine does is
    what `engine_env` says (e.g. `PULUMI_SKIP_CHECKPOINTS`), and the results record it."""

    bin_dir: Path
    home: Path
    backend: Path
    engine_env: dict[str, str] = field(default_factory=dict)
    passphrase: str = "bench-passphrase"

    @property
    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PULUMI_")}
        env.update(
            PATH=os.pathsep.join([str(self.bin_dir), str(VENV / "bin"), env.get("PATH", "")]),
            PULUMI_HOME=str(self.home),
            PULUMI_BACKEND_URL=self.backend.as_uri(),
            PULUMI_CONFIG_PASSPHRASE=self.passphrase,
            PULUMI_SKIP_UPDATE_CHECK="true",
            PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION="true",
            PULUMI_PYTHON_CMD=str(VENV / "bin" / "python"),
            PYTHONPATH=str(REPO_ROOT),
            NO_COLOR="1",
        )
        env.update(self.engine_env)
        return env

    def run(self, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(
            [str(self.bin_dir / "pulumi"), "--non-interactive", *args],
            cwd=str(cwd),
            env=self.env,
            capture_output=True,
            text=True,
            timeout=3600,
            check=False,
        )
        if proc.returncode != 0:
            raise RuntimeError(f"pulumi {' '.join(args)} exited {proc.returncode}\n{proc.stderr}")
        return proc

    def stack_init(self, cwd: Path, name: str) -> None:
        self.run("stack", "init", name, cwd=cwd)

    def checkpoint(self, project: str, stack: str) -> Path:
        """The file backend's checkpoint of `project`/`stack`."""
        return self.backend / ".pulumi" / "stacks" / project / f"{stack}.json"


LANGHOST = REPO_ROOT / "scripts" / "langhost"


def bin_dir_with_this_langhost(shared: Path, dest: Path) -> Path:
    """A CLI directory: the cached `pulumi` and SDK executor, this checkout's language host.

    The CLI cache is shared by every checkout on the machine and holds whichever language host
    was installed last; the engine prefers the plugin it finds first on PATH, so a run with
    `dest` first on PATH uses exactly the host in this checkout."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in ("pulumi", "pulumi-language-python-exec"):
        target = dest / name
        if not target.exists():
            target.symlink_to(shared / name)
    for source in LANGHOST.iterdir():
        if source.is_file():
            target = dest / source.name
            target.write_bytes(source.read_bytes())
            target.chmod(0o755)
    return dest
