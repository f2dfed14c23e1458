"""Request log and fault injection for sandbox ASGI apps, plus the `/_sandbox/` control endpoints.

Wrap any ASGI app so its requests are logged and faults can be injected into it::

    controller = FaultController()
    admin = FaultInjector(admin_app, controller, target="admin", control=True)
    issuer = FaultInjector(issuer_app, controller, target="issuer")

Only the wrapper built with `control=True` serves the control endpoints (they are exempt from
faults, from the request log and from whatever auth the wrapped app enforces):

- `GET /_sandbox/requests[?target=admin|issuer|all]` -> `{"requests": [{"target", "method",
  "path", "status", "fault", "client"}], "counts": {"GET": n, ...}, "total": n}` (default
  target `admin`; `client` is the peer's `host:port`, so distinct values count connections).
- `POST /_sandbox/reset` -> clears the request log and runs every reset hook (the store).
- `POST /_sandbox/faults` with a JSON rule, `GET /_sandbox/faults`, `DELETE /_sandbox/faults`.

A fault rule (JSON body of `POST /_sandbox/faults`)::

    {"target": "admin",          # which wrapped app; default "admin"
     "status": 503,              # 429 (with Retry-After), 502, 503 or 504; the app is not called
     "retry_after": 1,           # seconds, for 429
     "latency_ms": 200,          # added delay before the request is handled
     "drop": true,               # let the app handle (commit) the request, then drop the connection
     "commit": true,             # with status 502 or 504: the app handles (commits) the request,
                                 # then the client gets the status instead of the app's answer
     "rate": 1.0, "seed": 0,     # probability per matching request, deterministic with the seed
     "methods": ["POST"], "path_prefix": "/services",   # optional filters
     "count": 1}                 # optional: stop after this many injections

At least one of `status`, `latency_ms`, `drop` is required; `status` and `drop` exclude each other.
`commit` is what a gateway or load balancer in front of Kong does when it gives up on an answer
that Kong then commits: the write is in the store, the client sees only 502/504.
"""

from __future__ import annotations

import asyncio
import json
import random
import threading
from collections import Counter
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

CONTROL_PREFIX = "/_sandbox/"
FAULT_STATUSES = {
    429: {"message": "API rate limit exceeded"},
    502: {"message": "An invalid response was received from the upstream server"},
    503: {"message": "Service unavailable"},
    504: {"message": "The upstream server is timing out"},
}
# a gateway answers these when the upstream (Kong) may have acted on the request
COMMIT_STATUSES = (502, 504)
_RULE_KEYS = {
    "target",
    "status",
    "retry_after",
    "latency_ms",
    "drop",
    "commit",
    "rate",
    "seed",
    "methods",
    "path_prefix",
    "count",
}


class FaultRuleError(ValueError):
    """A fault rule that cannot be accepted; the message says which key and what is expected."""


@dataclass
class FaultRule:
    target: str = "admin"
    status: int | None = None
    retry_after: int = 1
    latency_ms: int = 0
    drop: bool = False
    commit: bool = False
    rate: float = 1.0
    seed: int = 0
    methods: list[str] | None = None
    path_prefix: str | None = None
    count: int | None = None
    injected: int = 0
    _rng: random.Random = field(default_factory=random.Random, repr=False)

    @classmethod
    def from_json(cls, body: Any) -> FaultRule:
        """Validate a JSON rule; raises FaultRuleError naming the bad key."""
        if not isinstance(body, dict):
            raise FaultRuleError("fault rule must be a JSON object")
        unknown = sorted(set(body) - _RULE_KEYS)
        if unknown:
            raise FaultRuleError(f"unknown fault rule key(s): {', '.join(unknown)}")

        def typed(key: str, kinds: tuple[type, ...], default: Any) -> Any:
            value = body.get(key, default)
            if (
                value is None
                or (isinstance(value, kinds) and not isinstance(value, bool))
                or (bool in kinds and isinstance(value, bool))
            ):
                return value
            raise FaultRuleError(f"fault rule key {key!r} has the wrong type: {value!r}")

        rule = cls(
            target=typed("target", (str,), "admin"),
            status=typed("status", (int,), None),
            retry_after=typed("retry_after", (int,), 1),
            latency_ms=typed("latency_ms", (int,), 0) or 0,
            drop=bool(typed("drop", (bool,), False)),
            commit=bool(typed("commit", (bool,), False)),
            rate=float(typed("rate", (int, float), 1.0)),
            seed=typed("seed", (int,), 0),
            methods=typed("methods", (list,), None),
            path_prefix=typed("path_prefix", (str,), None),
            count=typed("count", (int,), None),
        )
        if rule.status is not None and rule.status not in FAULT_STATUSES:
            raise FaultRuleError(
                f"fault status {rule.status} not supported: expected one of 429, 502, 503, 504"
            )
        if rule.status is not None and rule.drop:
            raise FaultRuleError("a fault rule takes either 'status' or 'drop', not both")
        if rule.commit and rule.status not in COMMIT_STATUSES:
            raise FaultRuleError(
                f"fault 'commit' needs status 502 or 504 (a gateway's answer), got {rule.status}"
            )
        if rule.status is None and not rule.drop and not rule.latency_ms:
            raise FaultRuleError("a fault rule needs at least one of: status, latency_ms, drop")
        if not 0.0 <= rule.rate <= 1.0:
            raise FaultRuleError(f"fault rate must be between 0 and 1, got {rule.rate}")
        if rule.latency_ms < 0 or rule.latency_ms > 60_000:
            raise FaultRuleError("latency_ms must be between 0 and 60000")
        if rule.count is not None and rule.count < 1:
            raise FaultRuleError("count must be at least 1")
        if rule.methods is not None:
            if not all(isinstance(m, str) for m in rule.methods):
                raise FaultRuleError("methods must be a list of HTTP method names")
            rule.methods = [m.upper() for m in rule.methods]
        rule._rng = random.Random(rule.seed)
        return rule

    def to_json(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "status": self.status,
            "retry_after": self.retry_after,
            "latency_ms": self.latency_ms,
            "drop": self.drop,
            "commit": self.commit,
            "rate": self.rate,
            "seed": self.seed,
            "methods": self.methods,
            "path_prefix": self.path_prefix,
            "count": self.count,
            "injected": self.injected,
        }

    def matches(self, target: str, method: str, path: str) -> bool:
        if target != self.target:
            return False
        if self.count is not None and self.injected >= self.count:
            return False
        if self.methods is not None and method not in self.methods:
            return False
        if self.path_prefix is not None and not path.startswith(self.path_prefix):
            return False
        return self._rng.random() < self.rate


class FaultController:
    """Shared by every FaultInjector of one sandbox: rules, the request log and reset hooks."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: list[FaultRule] = []
        self._log: list[dict[str, Any]] = []
        self._reset_hooks: list[Callable[[], None]] = []
        self.targets: set[str] = set()

    def add_reset_hook(self, hook: Callable[[], None]) -> None:
        """`hook()` runs on `POST /_sandbox/reset` (e.g. `backend.reset`)."""
        self._reset_hooks.append(hook)

    def reset(self) -> None:
        with self._lock:
            self._log.clear()
        for hook in self._reset_hooks:
            hook()

    def add_rule(self, body: Any) -> FaultRule:
        rule = FaultRule.from_json(body)
        if rule.target not in self.targets:
            known = ", ".join(sorted(self.targets))
            raise FaultRuleError(f"unknown fault target {rule.target!r}; known targets: {known}")
        with self._lock:
            self._rules.append(rule)
        return rule

    def clear_rules(self, target: str | None = None) -> None:
        with self._lock:
            self._rules = [r for r in self._rules if target is not None and r.target != target]

    def rules(self) -> list[dict[str, Any]]:
        with self._lock:
            return [r.to_json() for r in self._rules]

    def pick(self, target: str, method: str, path: str) -> FaultRule | None:
        """The first rule that fires for this request (its injection is counted)."""
        with self._lock:
            for rule in self._rules:
                if rule.matches(target, method, path):
                    rule.injected += 1
                    return rule
        return None

    def record(
        self,
        target: str,
        method: str,
        path: str,
        status: int | None,
        fault: str | None,
        client: str | None = None,
    ) -> None:
        row = {
            "target": target,
            "method": method,
            "path": path,
            "status": status,
            "fault": fault,
            "client": client,
        }
        with self._lock:
            self._log.append(row)

    def requests(self, target: str = "admin") -> dict[str, Any]:
        with self._lock:
            rows = [dict(r) for r in self._log if target == "all" or r["target"] == target]
        counts = Counter(r["method"] for r in rows)
        return {"requests": rows, "counts": dict(counts), "total": len(rows)}


def _peer(scope: Scope) -> str | None:
    """The client's `host:port` (one per TCP connection)."""
    client = scope.get("client")
    return f"{client[0]}:{client[1]}" if client else None


async def _send_json(send: Send, status: int, body: Any, headers: list | None = None) -> None:
    payload = b"" if body is None else json.dumps(body).encode()
    hdrs = [(b"content-length", str(len(payload)).encode())]
    if body is not None:
        hdrs.append((b"content-type", b"application/json; charset=utf-8"))
    await send({"type": "http.response.start", "status": status, "headers": hdrs + (headers or [])})
    await send({"type": "http.response.body", "body": payload})


async def _read_body(receive: Receive, limit: int = 1 << 20) -> bytes:
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise FaultRuleError("request body too large")
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _abort_connection(receive: Receive) -> bool:
    """Close the client connection without a response (uvicorn keeps its transport on the
    request cycle that `receive` is bound to). Returns False when that is not possible."""
    cycle = getattr(receive, "__self__", None)
    transport = getattr(cycle, "transport", None)
    if transport is None:
        return False
    transport.abort()
    if hasattr(cycle, "response_complete"):
        cycle.response_complete = True  # stop uvicorn from writing a 500 to the dead socket
    return True


class FaultInjector:
    """ASGI middleware: logs each request of `app` under `target` and applies fault rules.

    With `control=True` it also answers `/_sandbox/*` (see the module docstring)."""

    def __init__(
        self,
        app: ASGIApp,
        controller: FaultController,
        *,
        target: str = "admin",
        control: bool = False,
    ) -> None:
        self.app = app
        self.controller = controller
        self.target = target
        self.control = control
        controller.targets.add(target)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        method: str = scope.get("method", "GET")
        if self.control and path.startswith(CONTROL_PREFIX):
            await self._control(scope, receive, send)
            return

        rule = self.controller.pick(self.target, method, path)
        if rule is not None and rule.latency_ms:
            await asyncio.sleep(rule.latency_ms / 1000)
        if rule is not None and rule.status is not None and not rule.commit:
            headers = (
                [(b"retry-after", str(rule.retry_after).encode())] if rule.status == 429 else []
            )
            await _send_json(send, rule.status, FAULT_STATUSES[rule.status], headers)
            self.controller.record(
                self.target, method, path, rule.status, f"status:{rule.status}", _peer(scope)
            )
            return

        drop = rule is not None and rule.drop
        committed = rule is not None and rule.commit
        status: list[int] = []

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])
            if not drop and not committed:
                await send(message)

        await self.app(scope, receive, capture)
        code = status[0] if status else None
        if committed:
            assert rule is not None and rule.status is not None
            # The app has committed (or refused) the change; the client sees the gateway's error.
            await _send_json(send, rule.status, FAULT_STATUSES[rule.status])
            self.controller.record(
                self.target, method, path, code, f"commit:{rule.status}", _peer(scope)
            )
            return
        if drop:
            # The app has committed the change; the client gets no response at all.
            if not _abort_connection(receive):
                await send({"type": "http.response.start", "status": 500, "headers": []})
                raise ConnectionAbortedError("sandbox fault: connection dropped")
            self.controller.record(self.target, method, path, code, "drop", _peer(scope))
            return
        latency = f"latency:{rule.latency_ms}" if rule is not None else None
        self.controller.record(self.target, method, path, code, latency, _peer(scope))

    async def _control(self, scope: Scope, receive: Receive, send: Send) -> None:
        path, method = scope["path"], scope["method"]
        query = dict(
            kv.split("=", 1) if "=" in kv else (kv, "")
            for kv in scope.get("query_string", b"").decode("latin-1").split("&")
            if kv
        )
        ctl = self.controller
        if path == "/_sandbox/requests" and method == "GET":
            await _send_json(send, 200, ctl.requests(query.get("target", "admin")))
        elif path == "/_sandbox/reset" and method == "POST":
            ctl.reset()
            await _send_json(send, 200, {"reset": True})
        elif path == "/_sandbox/faults" and method == "GET":
            await _send_json(send, 200, {"data": ctl.rules()})
        elif path == "/_sandbox/faults" and method == "DELETE":
            ctl.clear_rules(query.get("target"))
            await _send_json(send, 204, None)
        elif path == "/_sandbox/faults" and method == "POST":
            try:
                raw = await _read_body(receive)
                body = json.loads(raw or b"{}")
                rule = ctl.add_rule(body)
            except (ValueError, RecursionError) as exc:
                message = str(exc) if isinstance(exc, FaultRuleError) else "Cannot parse JSON body"
                await _send_json(send, 400, {"message": message})
                return
            await _send_json(send, 201, rule.to_json())
        elif path in ("/_sandbox/requests", "/_sandbox/reset", "/_sandbox/faults"):
            await _send_json(send, 405, {"message": "Method not allowed"})
        else:
            await _send_json(send, 404, {"message": "Not found"})
