"""What a `pulumi up` costs as the number of developer apps grows, against a sandbox on free ports.

For each N (default 10, 100, 1000; `--quick`: 10 only), on a copy of the `local` stack with N
developers, each with one client-credentials app and one approved contract, it measures create
(`up`), a no-change `up`, `refresh`, adding one app, and `destroy`: wall time, the sandbox's
request counts, CPU seconds and peak RSS per process kind, the bytes the engine wrote to disk and
the checkpoint's size. In the same run it measures:
- the baseline: the same number of dynamic resources, same dependency shape, whose provider
  makes no requests (the engine's own cost);
- the floor: the same Admin API and registration requests from one kept-alive httpx client
  and no engine (`bench.floor`).
It prints tables, checks the targets and writes JSON to `bench/results/`.

Each size is measured `--repeat` times (default 3), ours and the baseline taking turns, and
every figure reported is the median repetition's: one run on a shared two-core machine moves
by ±10%. Every sample is kept in the JSON (`samples`); request checks must hold in each one.

    python -m bench.scale [--quick] [--sizes 10,100] [--repeat 3]
                          [--checkpoints once|every-step] [--out F]

`--checkpoints once` (the default, as `scripts/stack` runs a dcr stack) sets
`PULUMI_SKIP_CHECKPOINTS=true` for ours and the baseline alike; `every-step` is the engine's
default, a checkpoint rewrite after every step. Needs the Pulumi CLI (`PULUMI_BIN_DIR`, or
`bash scripts/pulumi-cli | tail -1`).
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

import yaml

from bench.cpu import cpu_seconds, run_measured
from bench.floor import Floor
from bench.harness import (
    REPO_ROOT,
    BenchCLI,
    SandboxControl,
    Window,
    bin_dir_with_this_langhost,
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
RATIO_TARGET = 1.5  # create vs the no-request baseline, and per-app growth from N=100
GROWTH_FROM = 100
# What `scripts/stack` does for a dcr stack: state saved once per run, not after every step.
ENGINE = {
    "once": {"PULUMI_SKIP_CHECKPOINTS": "true"},
    "every-step": {},
}


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


def _cli(work: Path, name: str, checkpoints: str) -> BenchCLI:
    home, backend = work / f"{name}-home", work / f"{name}-state"
    home.mkdir(parents=True)
    backend.mkdir(parents=True)
    bin_dir = bin_dir_with_this_langhost(pulumi_bin_dir(), work / "bin")
    return BenchCLI(bin_dir, home, backend, engine_env=dict(ENGINE[checkpoints]))


@dataclass
class Cost:
    """What one `pulumi` command cost."""

    seconds: float
    cpu: dict[str, float]  # CPU seconds per process kind
    rss_mb: dict[str, float]  # peak RSS per process kind
    disk_bytes: int  # bytes the engine and its plugins wrote to disk (state files)
    state_bytes: int  # size of the checkpoint after the command


@dataclass
class PhaseResult:
    phase: str
    apps: int  # apps in the stack during this phase
    objects: int  # dynamic resources this phase acts on
    ours: Cost
    baseline: Cost | None = None
    floor_seconds: float | None = None
    admin: dict[str, int] = field(default_factory=dict)
    issuer: dict[str, int] = field(default_factory=dict)
    root_gets: int = 0
    connections: int = 0  # TCP connections to the Admin API and the issuer
    checks: dict[str, bool] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    # seconds of every repetition (ours, baseline, floor); the figures above are the medians'
    samples: dict[str, list[float]] = field(default_factory=dict)

    @property
    def per_app(self) -> float:
        return self.ours.seconds / self.apps

    @property
    def ratio(self) -> float | None:
        """Our time over the baseline's (same objects, same dependency shape, no requests)."""
        return self.ours.seconds / self.baseline.seconds if self.baseline else None

    @property
    def floor_ratio(self) -> float | None:
        return self.ours.seconds / self.floor_seconds if self.floor_seconds else None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.update(per_app=self.per_app, ratio=self.ratio, floor_ratio=self.floor_ratio)
        return data


def _timed(cli: BenchCLI, project: Path, *args: str, sandbox_pid: int | None = None) -> Cost:
    """One command, measured: wall, CPU and peak RSS per process kind, bytes written."""
    before = cpu_seconds(sandbox_pid) if sandbox_pid else None
    argv = [str(cli.bin_dir / "pulumi"), "--non-interactive", *args]
    measured = run_measured(argv, cwd=project, env=cli.env)
    if measured.proc.returncode != 0:
        raise RuntimeError(
            f"pulumi {' '.join(args)} exited {measured.proc.returncode}\n"
            f"{measured.proc.stdout[-8000:]}\n{measured.proc.stderr[-4000:]}"
        )
    after = cpu_seconds(sandbox_pid) if sandbox_pid else None
    cpu = dict(measured.cpu)
    if before is not None and after is not None:
        cpu["sandbox"] = round(after - before, 2)
    name = yaml.safe_load((project / "Pulumi.yaml").read_text())["name"]
    checkpoint = cli.checkpoint(name, STACK)
    return Cost(
        seconds=round(measured.wall, 3),
        cpu=cpu,
        rss_mb=measured.rss_mb,
        disk_bytes=measured.disk_bytes,
        state_bytes=checkpoint.stat().st_size if checkpoint.exists() else 0,
    )


def _state(cli: BenchCLI, project: Path) -> dict[str, Any]:
    return json.loads(cli.run("stack", "export", cwd=project).stdout)


def run_real(n: int, work: Path, checkpoints: str) -> tuple[list[PhaseResult], dict[str, Any]]:
    """The real program against a fresh sandbox: every phase, with request counts; the floor."""
    cli = _cli(work, f"real-{n}", checkpoints)
    project = write_stack_project(work / f"real-{n}")
    sandbox = start_bench_sandbox()
    control = SandboxControl(sandbox.urls)
    results: list[PhaseResult] = []
    shape: dict[str, Any] = {}
    try:
        cli.stack_init(project, STACK)
        control.enable_portal()
        config = stack_config(sandbox.urls, n)
        write_stack_config(project, STACK, config)
        if sandbox.urls.get("idp_api_token"):
            cli.run(
                "config", "set", "--secret", "identityApiToken", sandbox.urls["idp_api_token"],
                cwd=project,
            )  # fmt: skip
        # Preflight probes Kong once, here, as the preview a user runs first would; the pass
        # is remembered, so the phases below measure the deploy itself.
        cli.run("preview", cwd=project)

        def phase(name: str, apps: int, *args: str) -> tuple[PhaseResult, Window]:
            mark = control.mark()
            cost = _timed(cli, project, *args, sandbox_pid=sandbox.pid)
            window = control.since(mark)
            result = PhaseResult(
                phase=name,
                apps=apps,
                objects=0,
                ours=cost,
                admin=window.counts("admin"),
                issuer=window.counts("issuer"),
                root_gets=window.root_gets(),
                connections=window.connections(),
            )
            results.append(result)
            return result, window

        create, window = phase("create", n, "up", "--yes", "--skip-preview")
        inventory = control.inventory()
        kong_objects = inventory.total - inventory.counts.get("clients", 0)
        clients = inventory.counts.get("clients", 0)
        state = _state(cli, project)
        resources = len(dynamic_resources(state))
        create.objects = resources
        create.notes.append(f"sandbox holds {inventory.counts}; duplicates {inventory.duplicates}")
        # the WorkspacePortal reads its workspace once: the bench's portal is on already
        other_gets = (
            window.counts("admin").get("GET", 0) - window.root_gets() - window.workspace_gets()
        )
        create.checks = {
            "one write per Kong object": window.writes("admin") == kong_objects,
            "at most one version lookup": window.root_gets() <= 1,
            "no other Admin API reads": other_gets == 0,
            "one registration per client": window.writes("issuer") == clients,
            "no duplicates": not inventory.duplicates,
        }

        same, window = phase("no-change", n, "up", "--yes", "--skip-preview")
        same.objects = resources
        same.checks = {"zero requests": window.total() == 0}

        refresh, window = phase("refresh", n, "refresh", "--yes", "--skip-preview")
        refresh.objects = resources
        gets = window.counts("admin").get("GET", 0) + window.counts("issuer").get("GET", 0)
        refresh.checks = {
            # the workspace (its portal settings) is an object of the stack too
            "one GET per object": gets == kong_objects + clients + window.workspace_gets(),
            "no writes": window.writes() == 0,
        }
        refresh.notes.append(f"{gets} GETs for {kong_objects} Kong objects + {clients} clients")

        write_stack_config(project, STACK, stack_config(sandbox.urls, n + 1))
        add, window = phase("add-one", n + 1, "up", "--yes", "--skip-preview")
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
            "state_bytes_per_resource": round(create.ours.state_bytes / max(resources, 1)),
        }

        destroy, window = phase("destroy", n + 1, "destroy", "--yes", "--skip-preview")
        destroy.objects = resources_after
        empty = control.inventory()
        destroy.checks = {
            "one DELETE per object": window.counts().get("DELETE", 0)
            == kong_objects + clients + added_kong + added_clients,
            "sandbox empty": empty.total == 0,
        }
        if empty.total:
            destroy.notes.append(f"left behind: {empty.counts}")

        # the floor, on the same (now empty) sandbox: the same requests from one client
        floor = Floor(sandbox.urls, config)
        try:
            for result in (create, refresh, destroy):
                mark = control.mark()
                result.floor_seconds = round(getattr(floor, result.phase)(), 3)
                window = control.since(mark)
                if result.phase == "create":
                    result.checks["the floor sends the same requests"] = (
                        window.counts("admin"),
                        window.counts("issuer"),
                    ) == (result.admin, result.issuer)
        finally:
            floor.close()
    finally:
        control.close()
        sandbox.stop()
    return results, shape


def run_baseline(shape: dict[str, Any], work: Path, checkpoints: str) -> dict[str, Cost]:
    """The same phases on no-op dynamic resources: engine cost only."""
    n, per_app, fixed = shape["apps"], shape["per_app"], shape["fixed"]
    cli = _cli(work, f"baseline-{n}", checkpoints)
    project = write_baseline_project(work / f"baseline-{n}")
    cli.stack_init(project, STACK)
    write_baseline_config(project, STACK, apps=n, per_app=per_app, fixed=fixed)
    out: dict[str, Cost] = {}
    out["create"] = _timed(cli, project, "up", "--yes", "--skip-preview")
    out["no-change"] = _timed(cli, project, "up", "--yes", "--skip-preview")
    out["refresh"] = _timed(cli, project, "refresh", "--yes", "--skip-preview")
    write_baseline_config(project, STACK, apps=n + 1, per_app=per_app, fixed=fixed)
    out["add-one"] = _timed(cli, project, "up", "--yes", "--skip-preview")
    out["destroy"] = _timed(cli, project, "destroy", "--yes", "--skip-preview")
    return out


WORK_KINDS = ("engine", "program", "provider", "language host")


def _median(items: list[Any], seconds: Any) -> Any:
    """The middle item by `seconds` (the lower middle of an even count)."""
    ranked = sorted(items, key=seconds)
    return ranked[(len(ranked) - 1) // 2]


def median_phases(reps: list[tuple[list[PhaseResult], dict[str, Cost]]]) -> list[PhaseResult]:
    """One result per phase from repeated runs: our median repetition with the baseline's
    median and the floor's median beside it; a check passes only if it passed every time."""
    merged = []
    for i, first in enumerate(reps[0][0]):
        ours = [phases[i] for phases, _ in reps]
        bases = [baseline[first.phase] for _, baseline in reps]
        floors = [p.floor_seconds for p in ours if p.floor_seconds is not None]
        result = _median(ours, lambda p: p.ours.seconds)
        result.baseline = _median(bases, lambda c: c.seconds)
        result.floor_seconds = _median(floors, float) if floors else None
        result.checks = {
            name: all(p.checks.get(name, False) for p in ours) for name in first.checks
        }
        result.samples = {
            "ours": [p.ours.seconds for p in ours],
            "baseline": [c.seconds for c in bases],
            "floor": floors,
        }
        merged.append(result)
    return merged


def _cpu(cost: dict[str, Any] | None) -> float | None:
    """CPU seconds of the Pulumi side (engine, program, provider): wall time without the load."""
    if not cost:
        return None
    return round(sum(cost["cpu"].get(k, 0.0) for k in WORK_KINDS), 2)


def derive(runs: list[dict[str, Any]]) -> None:
    """CPU figures beside the wall-time ones, and the growth checks from N=GROWTH_FROM.

    On a shared machine wall time also measures the neighbours; CPU seconds do not, so each
    phase carries both: `cpu` / `cpu_ratio` (to the baseline) / `cpu_growth_from_100`."""
    for run in runs:
        for p in run["phases"]:
            p["cpu_seconds"] = _cpu(p["ours"])
            base = _cpu(p["baseline"])
            p["cpu_ratio"] = round(p["cpu_seconds"] / base, 2) if base else None
            p["cpu_per_app"] = p["cpu_seconds"] / p["apps"]
    base_run = {p["phase"]: p for r in runs if r["apps"] == GROWTH_FROM for p in r["phases"]}
    if not base_run:
        return
    for run in runs:
        if run["apps"] <= GROWTH_FROM:
            continue
        for p in run["phases"]:
            first = base_run[p["phase"]]
            growth = p["per_app"] / first["per_app"]
            p["growth_from_100"] = round(growth, 2)
            p["cpu_growth_from_100"] = round(p["cpu_per_app"] / first["cpu_per_app"], 2)
            p["checks"][f"per-app time within {RATIO_TARGET}x of N={GROWTH_FROM}"] = (
                growth <= RATIO_TARGET
            )


def _fmt(value: float | None, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _methods(counts: dict[str, int]) -> str:
    return " ".join(f"{m}:{counts[m]}" for m in sorted(counts)) or "0"


def render_table(runs: list[dict[str, Any]]) -> str:
    header = (
        f"{'N':>5} {'phase':<10} {'objs':>5} {'secs':>8} {'s/app':>7} {'base s':>8} "
        f"{'ratio':>6} {'floor s':>7} {'x floor':>7} {'growth':>6} {'cpu s':>7} {'cpu r':>5} "
        f"{'cpu gr':>6}  {'admin requests':<30} "
        f"{'issuer':<16} checks"
    )
    lines = [header, "-" * len(header)]
    for run in runs:
        for p in run["phases"]:
            failed = [name for name, ok in p["checks"].items() if not ok]
            verdict = "ok" if not failed else "FAIL: " + "; ".join(failed)
            base = p["baseline"]["seconds"] if p["baseline"] else None
            lines.append(
                f"{run['apps']:>5} {p['phase']:<10} {p['objects']:>5} "
                f"{_fmt(p['ours']['seconds'], 2):>8} {_fmt(p['per_app']):>7} {_fmt(base, 2):>8} "
                f"{_fmt(p['ratio'], 2):>6} {_fmt(p['floor_seconds'], 2):>7} "
                f"{_fmt(p['floor_ratio'], 1):>7} {_fmt(p.get('growth_from_100'), 2):>6} "
                f"{_fmt(p.get('cpu_seconds'), 1):>7} {_fmt(p.get('cpu_ratio'), 2):>5} "
                f"{_fmt(p.get('cpu_growth_from_100'), 2):>6}  "
                f"{_methods(p['admin']):<30} {_methods(p['issuer']):<16} {verdict}"
            )
    return "\n".join(lines)


CPU_KINDS = ("engine", "program", "provider", "sandbox")


def render_cost_table(runs: list[dict[str, Any]]) -> str:
    """CPU seconds and peak RSS per process kind, disk bytes written, checkpoint size."""
    header = (
        f"{'N':>5} {'phase':<10} "
        + " ".join(f"{k[:8]:>8}" for k in CPU_KINDS)
        + " | base eng  base prg | RSS MB eng/prog/prov | written MB  state MB | base MB"
    )
    lines = ["CPU seconds, peak RSS, bytes written", header, "-" * len(header)]
    for run in runs:
        for p in run["phases"]:
            ours, base = p["ours"], p["baseline"] or {"cpu": {}, "disk_bytes": None}
            cpu = " ".join(f"{_fmt(ours['cpu'].get(k), 1):>8}" for k in CPU_KINDS)
            rss = "/".join(_fmt(ours["rss_mb"].get(k), 0) for k in CPU_KINDS[:3])
            written = ours["disk_bytes"] / 1e6
            base_written = base["disk_bytes"] / 1e6 if base["disk_bytes"] is not None else None
            base_cpu = " ".join(_fmt(base["cpu"].get(k), 1).rjust(8) for k in CPU_KINDS[:2])
            lines.append(
                f"{run['apps']:>5} {p['phase']:<10} {cpu} | {base_cpu} | "
                f"{rss:>20} | {written:>10.2f} {ours['state_bytes'] / 1e6:>9.2f} | "
                f"{_fmt(base_written, 2):>7}"
            )
    return "\n".join(lines)


def run(sizes: list[int], out: Path, checkpoints: str, repeat: int = 3) -> dict[str, Any]:
    runs: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="kop-bench-") as tmp:
        work = Path(tmp)
        for n in sizes:
            load_before = [round(x, 2) for x in os.getloadavg()]
            reps = []
            for rep in range(repeat):
                print(f"bench: N={n} real stack ({rep + 1}/{repeat}) ...", file=sys.stderr)
                phases, shape = run_real(n, work / f"rep-{rep}", checkpoints)
                print(f"bench: N={n} baseline ({shape}) ...", file=sys.stderr, flush=True)
                reps.append((phases, run_baseline(shape, work / f"rep-{rep}", checkpoints)))
            phases = median_phases(reps)
            create = next(p for p in phases if p.phase == "create")
            if create.ratio is not None:
                create.checks[f"within {RATIO_TARGET}x of the baseline"] = (
                    create.ratio <= RATIO_TARGET
                )
            runs.append(
                {
                    "apps": n,
                    "shape": shape,
                    "load_average": {
                        "before": load_before,
                        "after": [round(x, 2) for x in os.getloadavg()],
                    },
                    "phases": [p.to_json() for p in phases],
                }
            )
            print(render_table(runs[-1:]), file=sys.stderr, flush=True)
            print(render_cost_table(runs[-1:]), file=sys.stderr, flush=True)
    derive(runs)
    report = {
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "host": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        },
        "pulumi": subprocess.run(
            [str(pulumi_bin_dir() / "pulumi"), "version"], capture_output=True, text=True
        ).stdout.strip(),
        "command": "up/destroy/refresh with --yes --skip-preview, default --parallel",
        "checkpoints": checkpoints,
        "repeat": repeat,
        "engine_env": ENGINE[checkpoints],
        "per_app": "seconds / apps in the stack (add-one and destroy: N+1)",
        "runs": runs,
    }
    dump_json(out, report)
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.scale",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--quick", action="store_true", help="N=10 only (a fast smoke)")
    parser.add_argument("--sizes", default="10,100,1000", help="comma-separated app counts")
    parser.add_argument(
        "--checkpoints",
        choices=sorted(ENGINE),
        default="once",
        help="when the engine saves state: once per run (default) or after every step",
    )
    parser.add_argument(
        "--repeat", type=int, default=None, help="runs per size, the median reported (3; --quick 1)"
    )
    parser.add_argument("--out", type=Path, default=None, help="JSON output path")
    parser.add_argument(
        "--render", type=Path, default=None, help="re-derive and print a saved JSON; run nothing"
    )
    args = parser.parse_args(argv)
    if args.render:
        report = json.loads(args.render.read_text())
        for size in report["runs"]:  # checks that derive() adds are recomputed
            for p in size["phases"]:
                p["checks"] = {k: v for k, v in p["checks"].items() if "N=" not in k}
        derive(report["runs"])
        dump_json(args.render, report)
        print(render_table(report["runs"]))
        print()
        print(render_cost_table(report["runs"]))
        return 0
    sizes = [10] if args.quick else [int(s) for s in args.sizes.split(",") if s.strip()]
    out = args.out or RESULTS / ("scale-quick.json" if args.quick else "scale.json")
    report = run(sizes, out, args.checkpoints, max(1, args.repeat or (1 if args.quick else 3)))
    print(render_table(report["runs"]))
    print()
    print(render_cost_table(report["runs"]))
    print(f"\nresults: {out}")
    failed = [
        (size["apps"], p["phase"], name)
        for size in report["runs"]
        for p in size["phases"]
        for name, ok in p["checks"].items()
        if not ok
    ]
    for n, phase, name in failed:
        print(f"target missed: N={n} {phase}: {name}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
