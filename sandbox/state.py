"""Persistence of sandbox state to one JSON file, extensible by section.

Each component registers a section with a `dump` and a `load` callable::

    state.register("issuer", dump=issuer.dump_state, load=issuer.load_state)

`save()` writes all sections atomically (temp file in the same directory, then rename), so a
crash never leaves a half-written file. `load()` restores every registered section found in
the file; call it after all components have registered. Without a path both are no-ops.
Never put tokens or client secrets you would not want on disk into a section.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any


class StateRegistry:
    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = Path(path) if path else None
        self._sections: dict[str, tuple[Callable[[], dict], Callable[[dict], None]]] = {}
        self._lock = threading.Lock()

    def register(self, name: str, dump: Callable[[], dict], load: Callable[[dict], None]) -> None:
        """Add a section; `dump()` returns JSON-able data, `load(data)` restores it."""
        if name in self._sections:
            raise ValueError(f"state section {name!r} is already registered")
        self._sections[name] = (dump, load)

    def save(self) -> None:
        """Write every section to the state file (atomic). No-op without a path."""
        if self.path is None:
            return
        with self._lock:
            data: dict[str, Any] = {"version": 1, "sections": {}}
            for name, (dump, _) in self._sections.items():
                data["sections"][name] = dump()
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".state-", suffix=".tmp", dir=self.path.parent)
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as fh:
                    json.dump(data, fh, separators=(",", ":"))
                    fh.flush()
                    os.fsync(fh.fileno())
                os.replace(tmp, self.path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise

    def load(self) -> bool:
        """Restore sections present in the file; returns False when there is no file yet."""
        if self.path is None or not self.path.exists():
            return False
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise RuntimeError(
                f"cannot read sandbox state file {self.path}: {exc}; "
                "delete it or pass another --state-file"
            ) from exc
        sections = data.get("sections", {}) if isinstance(data, dict) else {}
        for name, (_, load) in self._sections.items():
            if name in sections:
                load(sections[name])
        return True
