"""What a preflight pass found, and the error that stops the program."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from providers.kong_admin import KongInfo

SKIP_ENV = "KONG_OKTA_PORTAL_PREFLIGHT"

# Reads a stack config value by its full key (`pulumi.runtime.get_config` in the program).
Getter = Callable[[str], Any]


class PreflightError(Exception):
    """The deploy cannot succeed: every problem, each naming the setting to change."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(
            f"preflight: this deploy cannot succeed; nothing was created "
            f"({len(problems)} problem{'s' if len(problems) > 1 else ''}):\n{lines}\n"
            f"Fix the above and run again (skipping the check: {SKIP_ENV}=off, not advised)."
        )


@dataclass
class Report:
    """What the probes found: problems stop the run; notes are printed."""

    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    kong: KongInfo | None = None
