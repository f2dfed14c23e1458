"""The sandbox's own CPU per Admin API request, with no engine and no program.

For each N it starts a fresh sandbox (all servers on free ports), turns the Dev Portal on in the
default workspace, then sends a create of the bench stack with N developer apps from one
kept-alive httpx client (`bench.floor.Floor`: per app a client registration, a developer, an
application and an approved contract, plus the services, routes and plugins). It prints the
sandbox process's CPU seconds over that create (utime + stime from /proc), the requests it
served, and CPU microseconds per request; with `--phases` it does the same for the floor's
refresh (one GET per object) and destroy (one DELETE per object).

    python -m bench.sandbox_cpu [--sizes 1000,10000] [--phases] [--out F.json]

The scale bench (`bench.scale`) runs the sandbox on the same cores as the Pulumi engine, so
what the sandbox burns per request is part of every figure there; this isolates it.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from bench.cpu import cpu_seconds
from bench.floor import Floor
from bench.harness import SandboxControl, stack_config, start_bench_sandbox

DEFAULT_SIZES = (1000, 10000)


def measure(n: int, phases: tuple[str, ...] = ("create",)) -> list[dict[str, Any]]:
    """CPU seconds, requests and wall time of each floor phase at N apps, on a fresh sandbox."""
    sandbox = start_bench_sandbox()
    control = SandboxControl(sandbox.urls)
    rows: list[dict[str, Any]] = []
    try:
        control.enable_portal()
        floor = Floor(sandbox.urls, stack_config(sandbox.urls, n))
        try:
            for phase in phases:
                mark = control.mark()
                before = cpu_seconds(sandbox.pid)
                wall = getattr(floor, phase)()
                after = cpu_seconds(sandbox.pid)
                window = control.since(mark)
                if before is None or after is None:
                    raise RuntimeError(f"sandbox (pid {sandbox.pid}) exited during {phase}")
                cpu = after - before
                requests = window.total()
                rows.append(
                    {
                        "apps": n,
                        "phase": phase,
                        "requests": requests,
                        "admin": window.counts("admin"),
                        "issuer": window.counts("issuer"),
                        "sandbox_cpu_s": round(cpu, 2),
                        "cpu_us_per_request": round(cpu / max(requests, 1) * 1e6),
                        "wall_s": round(wall, 2),
                    }
                )
        finally:
            floor.close()
    finally:
        control.close()
        sandbox.stop()
    return rows


def render(rows: list[dict[str, Any]]) -> str:
    lines = [
        f"{'N':>6} {'phase':<8} {'requests':>8} {'sandbox CPU s':>13} {'µs/req':>7} {'wall s':>7}"
    ]
    for r in rows:
        lines.append(
            f"{r['apps']:>6} {r['phase']:<8} {r['requests']:>8} {r['sandbox_cpu_s']:>13.2f} "
            f"{r['cpu_us_per_request']:>7} {r['wall_s']:>7.2f}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes",
        default=",".join(map(str, DEFAULT_SIZES)),
        help="comma-separated numbers of developer apps (default %(default)s)",
    )
    parser.add_argument("--phases", action="store_true", help="also measure refresh and destroy")
    parser.add_argument("--out", type=Path, help="also write the rows as JSON here")
    args = parser.parse_args(argv)
    try:
        sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    except ValueError:
        parser.error(f"--sizes must be comma-separated integers, got {args.sizes!r}")
    if not sizes or any(n < 1 for n in sizes):
        parser.error(f"--sizes must be positive integers, got {args.sizes!r}")
    phases = ("create", "refresh", "destroy") if args.phases else ("create",)
    rows: list[dict[str, Any]] = []
    for n in sizes:
        start = time.perf_counter()
        rows += measure(n, phases)
        print(f"N={n}: {time.perf_counter() - start:.0f} s", flush=True)
    print(render(rows))
    if args.out:
        args.out.write_text(json.dumps(rows, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
