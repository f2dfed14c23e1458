"""The program raises the cyclic collector's thresholds (see providers/program_gc.py)."""

from __future__ import annotations

from pathlib import Path

import pytest


def test_the_program_raises_the_collectors_thresholds(monkeypatch: pytest.MonkeyPatch) -> None:
    """Default thresholds re-walk the program's growing object graph (half the program's CPU
    at 1,000 apps, measured in providers/program_gc.py); the program raises them."""
    import gc
    import runpy

    from providers import program_gc
    from tests.program import configs
    from tests.program.mocks import install, run

    before = gc.get_threshold()
    monkeypatch.setenv("PREFLIGHT", "off")
    try:
        install(configs.dcr())
        run(lambda: runpy.run_path(str(Path(__file__).parents[2] / "__main__.py")))
        assert gc.get_threshold() == program_gc.THRESHOLDS
    finally:
        gc.set_threshold(*before)
