"""What a `pulumi up` costs as the number of developer apps grows, against a sandbox on free ports.

For each N (default 10, 50, 200; `--quick`: 10 only), on a copy of the `local` stack with N
developers, each with one client-credentials app and one approved contract, it measures wall
time and the sandbox's request counts for: create (`up`), a no-change `up`, `refresh`, adding
one app, and `destroy`. In the same run it measures a baseline: the same number of dynamic
resources, same dependency shape, whose provider makes no requests. It prints a table, checks
the targets and writes JSON to `bench/results/`.

    python -m bench.scale [--quick] [--sizes 10,50] [--out bench/results/scale.json]

Needs the Pulumi CLI (`PULUMI_BIN_DIR`, or `bash scripts/pulumi-cli | tail -1`).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench.cpu import cpu_seconds, run_measured
from bench.harness import (
    REPO_ROOT,
    SandboxControl,
    Window,
    dump_json,
    dynamic_resources,
    stack_config,
    start_bench_sandbox,
    write_baseline_config,
    write_baseline_project,
    write_stack_config,
    write_stack_project,
)

RESULTS = REPO_ROOT / "bench" / "results"
STACK = "bench"
PHASES = ("create", "no-change", "refresh", "add-one", "destroy")
TIME_RATIO_TARGET = 1.5


def pulumi_bin_dir() -> Path:
    explicit = os.environ.get("PULUMI_BIN_DIR")
    if explicit and (Path(explicit) / "pulumi").is_file():
        return Path(explicit)
    out = subprocess.run(
        ["bash", str(REPO_ROOT / "scripts" / "pulumi-cli")],
        capture_output=True,
        text=True,
        check=False,
    )
    lines = out.stdout.strip().splitlines()
    if out.returncode != 0 or not lines:
        raise SystemExit(
            "bench: no Pulumi CLI; run `make setup` or set PULUMI_BIN_DIR\n" + out.stderr[-2000:]
        )
    return Path(lines[-1])


def _cli(work: Path, name: str) -> Any:
    from tests.support.pulumi import PulumiCLI

    home, backend = work / f"{name}-home", work / f"{name}-state"
    home.mkdir(parents=True)
    backend.mkdir(parents=True)
    return PulumiCLI(bin_dir=pulumi_bin_dir(), home=home, backend=backend)


@dataclass
class PhaseResult:
    phase: str
    seconds: float
    objects: int  # dynamic resources this phase acts on
    admin: dict[str, int] = field(default_factory=dict)
    issuer: dict[str, int] = field(default_factory=dict)
    root_gets: int = 0
    connections: int = 0  # TCP connections to the Admin API and the issuer
    cpu: dict[str, float] = field(default_factory=dict)
    baseline_seconds: float | None = None
    baseline_objects: int | None = None
    baseline_cpu: dict[str, float] = field(default_factory=dict)
    checks: dict[str, bool] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def per_object(self) -> float | None:
        return self.seconds / self.objects if self.objects else None

    @property
    def baseline_per_object(self) -> float | None:
        if self.baseline_seconds is None or not self.baseline_objects:
            return None
        return self.baseline_seconds / self.baseline_objects

    @property
    def ratio(self) -> float | None:
        if self.per_object is None or not self.baseline_per_object:
            return None
        return self.per_object / self.baseline_per_object

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.update(
            per_object=self.per_object,
            baseline_per_object=self.baseline_per_object,
            ratio=self.ratio,
        )
        return data


def _timed(
    cli: Any, project: Path, *args: str, sandbox_pid: int | None = None
) -> tuple[float, dict[str, float]]:
    """Wall seconds and CPU seconds per process kind (engine, program, provider, sandbox)."""
    before = cpu_seconds(sandbox_pid) if sandbox_pid else None
    argv = [str(cli.bin_dir / "pulumi"), "--non-interactive", *args]
    wall, cpu, proc = run_measured(argv, cwd=project, env=cli.env)
    if proc.returncode != 0:
        raise RuntimeError(
            f"pulumi {' '.join(args)} exited {proc.returncode}\n{proc.stdout[-8000:]}\n"
            f"{proc.stderr[-4000:]}"
        )
    after = cpu_seconds(sandbox_pid) if sandbox_pid else None
    if before is not None and after is not None:
        cpu["sandbox"] = round(after - before, 2)
    return wall, cpu


def _state(cli: Any, project: Path) -> dict[str, Any]:
    return json.loads(cli.run("stack", "export", cwd=project).stdout)


def run_real(n: int, work: Path) -> tuple[list[PhaseResult], dict[str, Any]]:
    """The real program against a fresh sandbox: every phase, with request counts."""
    cli = _cli(work, f"real-{n}")
    project = write_stack_project(work / f"real-{n}")
    sandbox = start_bench_sandbox()
    control = SandboxControl(sandbox.urls)
    results: list[PhaseResult] = []
    shape: dict[str, Any] = {}
    try:
        cli.stack_init(project, STACK)
        control.enable_portal()
        write_stack_config(project, STACK, stack_config(sandbox.urls, n))
        if sandbox.urls.get("idp_api_token"):
            cli.run(
                "config", "set", "--secret", "identityApiToken", sandbox.urls["idp_api_token"],
                cwd=project,
            )  # fmt: skip
        # Preflight probes Kong once, here, as the preview a user runs first would; the pass
        # is remembered, so the phases below measure the deploy itself.
        cli.run("preview", cwd=project)

        def phase(name: str, *args: str) -> tuple[PhaseResult, Window]:
            mark = control.mark()
            seconds, cpu = _timed(cli, project, *args, sandbox_pid=sandbox.pid)
            window = control.since(mark)
            result = PhaseResult(
                phase=name,
                seconds=round(seconds, 3),
                objects=0,
                admin=window.counts("admin"),
                issuer=window.counts("issuer"),
                root_gets=window.root_gets(),
                connections=window.connections(),
                cpu=cpu,
            )
            results.append(result)
            return result, window

        create, window = phase("create", "up", "--yes", "--skip-preview")
        inventory = control.inventory()
        kong_objects = inventory.total - inventory.counts.get("clients", 0)
        clients = inventory.counts.get("clients", 0)
        resources = len(dynamic_resources(_state(cli, project)))
        create.objects = resources
        create.notes.append(f"sandbox holds {inventory.counts}; duplicates {inventory.duplicates}")
        other_gets = window.counts("admin").get("GET", 0) - window.root_gets()
        create.checks = {
            "one write per Kong object": window.writes("admin") == kong_objects,
            "at most one version lookup": window.root_gets() <= 1,
            "no other Admin API reads": other_gets == 0,
            "one registration per client": window.writes("issuer") == clients,
            "no duplicates": not inventory.duplicates,
        }

        same, window = phase("no-change", "up", "--yes", "--skip-preview")
        same.objects = resources
        same.checks = {"zero requests": window.total() == 0}

        refresh, window = phase("refresh", "refresh", "--yes", "--skip-preview")
        refresh.objects = resources
        gets = window.counts("admin").get("GET", 0) + window.counts("issuer").get("GET", 0)
        refresh.checks = {
            "one GET per object": gets == kong_objects + clients,
            "no writes": window.writes() == 0,
        }
        refresh.notes.append(f"{gets} GETs for {kong_objects} Kong objects + {clients} clients")

        write_stack_config(project, STACK, stack_config(sandbox.urls, n + 1))
        add, window = phase("add-one", "up", "--yes", "--skip-preview")
        after = control.inventory()
        resources_after = len(dynamic_resources(_state(cli, project)))
        add.objects = resources_after - resources
        added_kong = (after.total - after.counts.get("clients", 0)) - kong_objects
        added_clients = after.counts.get("clients", 0) - clients
        add.checks = {
            "one write per new Kong object": window.writes("admin") == added_kong,
            "one registration for the new client": window.writes("issuer") == added_clients,
            "no reads of existing objects": window.counts("admin").get("GET", 0)
            - window.root_gets()
            == 0,
        }
        shape = {
            "apps": n,
            "dynamic_resources": resources,
            "per_app": add.objects,
            "fixed": resources - n * add.objects,
            "kong_objects": kong_objects,
            "identity_clients": clients,
        }

        destroy, window = phase("destroy", "destroy", "--yes", "--skip-preview")
        destroy.objects = resources_after
        empty = control.inventory()
        destroy.checks = {
            "one DELETE per object": window.counts().get("DELETE", 0)
            == kong_objects + clients + added_kong + added_clients,
            "sandbox empty": empty.total == 0,
        }
        if empty.total:
            destroy.notes.append(f"left behind: {empty.counts}")
    finally:
        control.close()
        sandbox.stop()
    return results, shape


def run_baseline(
    shape: dict[str, Any], work: Path
) -> dict[str, tuple[float, int, dict[str, float]]]:
    """The same phases on no-op dynamic resources: engine cost only."""
    n, per_app, fixed = shape["apps"], shape["per_app"], shape["fixed"]
    cli = _cli(work, f"baseline-{n}")
    project = write_baseline_project(work / f"baseline-{n}")
    cli.stack_init(project, STACK)
    write_baseline_config(project, STACK, apps=n, per_app=per_app, fixed=fixed)
    resources = n * per_app + fixed
    out: dict[str, tuple[float, int, dict[str, float]]] = {}

    def phase(name: str, objects: int, *args: str) -> None:
        seconds, cpu = _timed(cli, project, *args)
        out[name] = (seconds, objects, cpu)

    phase("create", resources, "up", "--yes", "--skip-preview")
    phase("no-change", resources, "up", "--yes", "--skip-preview")
    phase("refresh", resources, "refresh", "--yes", "--skip-preview")
    write_baseline_config(project, STACK, apps=n + 1, per_app=per_app, fixed=fixed)
    phase("add-one", per_app, "up", "--yes", "--skip-preview")
    phase("destroy", resources + per_app, "destroy", "--yes", "--skip-preview")
    return out


def _fmt(value: float | None, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _methods(counts: dict[str, int]) -> str:
    return " ".join(f"{m}:{counts[m]}" for m in sorted(counts)) or "0"


def render_table(runs: list[dict[str, Any]]) -> str:
    header = (
        f"{'N':>4} {'phase':<10} {'objs':>5} {'secs':>8} {'s/obj':>7} {'base s':>8} "
        f"{'base/obj':>8} {'ratio':>6}  {'admin requests':<34} {'issuer':<16} {'conns':>5} "
        "checks"
    )
    lines = [header, "-" * len(header)]
    for run in runs:
        for p in run["phases"]:
            failed = [name for name, ok in p["checks"].items() if not ok]
            verdict = "ok" if not failed else "FAIL: " + "; ".join(failed)
            lines.append(
                f"{run['apps']:>4} {p['phase']:<10} {p['objects']:>5} {_fmt(p['seconds'], 2):>8} "
                f"{_fmt(p['per_object']):>7} {_fmt(p['baseline_seconds'], 2):>8} "
                f"{_fmt(p['baseline_per_object']):>8} {_fmt(p['ratio'], 2):>6}  "
                f"{_methods(p['admin']):<34} {_methods(p['issuer']):<16} "
                f"{p.get('connections', 0):>5} {verdict}"
            )
    return "\n".join(lines)


CPU_KINDS = ("engine", "program", "provider", "sandbox")


def render_cpu_table(runs: list[dict[str, Any]]) -> str:
    """CPU seconds per process kind, ours and the baseline's (engine/program/provider[/sandbox])."""
    header = (
        f"{'N':>4} {'phase':<10} "
        + " ".join(f"{k:>9}" for k in CPU_KINDS)
        + "  |  baseline "
        + " ".join(f"{k:>9}" for k in CPU_KINDS[:3])
    )
    lines = ["CPU seconds per process", header, "-" * len(header)]
    for run in runs:
        for p in run["phases"]:
            ours = " ".join(f"{_fmt(p['cpu'].get(k), 2):>9}" for k in CPU_KINDS)
            base = " ".join(f"{_fmt(p['baseline_cpu'].get(k), 2):>9}" for k in CPU_KINDS[:3])
            lines.append(f"{run['apps']:>4} {p['phase']:<10} {ours}  |  {'':8} {base}")
    return "\n".join(lines)


def run(sizes: list[int], out: Path) -> dict[str, Any]:
    runs: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="kop-bench-") as tmp:
        work = Path(tmp)
        for n in sizes:
            print(f"bench: N={n} real stack ...", file=sys.stderr, flush=True)
            phases, shape = run_real(n, work)
            print(f"bench: N={n} baseline ({shape}) ...", file=sys.stderr, flush=True)
            baseline = run_baseline(shape, work)
            for p in phases:
                seconds, p.baseline_objects, p.baseline_cpu = baseline[p.phase]
                p.baseline_seconds = round(seconds, 3)
            create = next(p for p in phases if p.phase == "create")
            if n >= 200 and create.ratio is not None:
                create.checks[f"time/object within {TIME_RATIO_TARGET}x baseline"] = (
                    create.ratio <= TIME_RATIO_TARGET
                )
            runs.append({"apps": n, "shape": shape, "phases": [p.to_json() for p in phases]})
            print(render_table(runs[-1:]), file=sys.stderr, flush=True)
            print(render_cpu_table(runs[-1:]), file=sys.stderr, flush=True)
    report = {
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "host": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "pulumi": subprocess.run(
            [str(pulumi_bin_dir() / "pulumi"), "version"], capture_output=True, text=True
        ).stdout.strip(),
        "command": "up/destroy/refresh with --yes --skip-preview, default --parallel",
        "runs": runs,
    }
    dump_json(out, report)
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.scale", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="N=10 only (a fast smoke)")
    parser.add_argument("--sizes", default="10,50,200", help="comma-separated app counts")
    parser.add_argument("--out", type=Path, default=None, help="JSON output path")
    args = parser.parse_args(argv)
    sizes = [10] if args.quick else [int(s) for s in args.sizes.split(",") if s.strip()]
    out = args.out or RESULTS / ("scale-quick.json" if args.quick else "scale.json")
    report = run(sizes, out)
    print(render_table(report["runs"]))
    print()
    print(render_cpu_table(report["runs"]))
    print(f"\nresults: {out}")
    failed = [
        (run["apps"], p["phase"], name)
        for run in report["runs"]
        for p in run["phases"]
        for name, ok in p["checks"].items()
        if not ok
    ]
    for n, phase, name in failed:
        print(f"target missed: N={n} {phase}: {name}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
