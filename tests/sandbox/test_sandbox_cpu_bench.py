"""`python -m bench.sandbox_cpu` measures the floor's requests against a real sandbox: a
create of N apps is three portal POSTs per app, refresh and destroy one request per object."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import sandbox_cpu


def test_the_bench_sends_the_floors_requests_and_reports_cpu_per_request(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "rows.json"
    assert sandbox_cpu.main(["--sizes", "3", "--phases", "--out", str(out)]) == 0
    rows = json.loads(out.read_text())
    assert [r["phase"] for r in rows] == ["create", "refresh", "destroy"]
    create, refresh, destroy = rows
    # per app: a developer, an application and its contract (plus the services' PUTs)
    assert create["admin"]["POST"] == 3 * 3
    assert create["issuer"]["POST"] == 3  # one client registration per app
    objects = destroy["admin"]["DELETE"]
    assert refresh["admin"]["GET"] == objects + 1  # and the workspace's one read
    for row in rows:
        assert row["requests"] == sum(row["admin"].values()) + sum(row["issuer"].values())
        assert row["sandbox_cpu_s"] >= 0
        per_request = row["sandbox_cpu_s"] / row["requests"] * 1e6
        assert abs(row["cpu_us_per_request"] - per_request) <= 1e4 / row["requests"] + 1
    printed = capsys.readouterr().out
    assert "µs/req" in printed and "create" in printed


def test_bad_sizes_are_refused_naming_the_value(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        sandbox_cpu.main(["--sizes", "ten"])
    assert "--sizes must be comma-separated integers, got 'ten'" in capsys.readouterr().err
