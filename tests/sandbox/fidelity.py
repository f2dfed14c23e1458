"""Fidelity tallies of the conformance tests: how many facts of each vendor spec file the
sandbox matches. The suite prints them at the end (see `conftest.pytest_terminal_summary`)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SPECS = Path(__file__).parent / "specs"
RESULTS: dict[str, Tally] = {}


def spec(name: str) -> dict[str, Any]:
    """The test's own copy of a published spec file (not the sandbox's)."""
    return json.loads((SPECS / name).read_text(encoding="utf-8"))


@dataclass
class Tally:
    """Facts checked against one spec file, and the ones that did not match."""

    name: str
    checked: int = 0
    misses: list[str] = field(default_factory=list)

    def check(self, fact: str, ok: bool) -> bool:
        self.checked += 1
        if not ok:
            self.misses.append(fact)
        return ok

    @property
    def matched(self) -> int:
        return self.checked - len(self.misses)

    def line(self) -> str:
        pct = 100.0 * self.matched / self.checked if self.checked else 0.0
        return f"{self.name}: {self.matched}/{self.checked} facts match ({pct:.1f}%)"


def tally(name: str) -> Tally:
    RESULTS[name] = Tally(name)
    return RESULTS[name]
