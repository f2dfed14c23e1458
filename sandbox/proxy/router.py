"""Kong's route matching for the fields the sandbox supports (no HTTP in here).

Kong (``traditional_compatible``) tries routes with more matching categories first; within a
category regex paths go first by ``regex_priority``, then prefix paths longest first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any


@dataclass
class RouteMatch:
    workspace: str
    route: dict[str, Any]
    matched_path: str | None  # the prefix (or regex match) that selected the route


def _host_matches(patterns: list[str], host: str) -> tuple[bool, bool]:
    """(matched, matched by a plain host rather than a wildcard)."""
    host = host.lower()
    bare = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    for pattern in patterns:
        pattern = pattern.lower()
        candidate = host if ":" in pattern else bare
        if pattern.startswith("*."):
            if candidate.endswith(pattern[1:]):
                return True, False
        elif pattern.endswith(".*"):
            if candidate.startswith(pattern[:-1]):
                return True, False
        elif candidate == pattern:
            return True, True
    return False, False


def _path_match(paths: list[str], path: str) -> tuple[str, bool, int] | None:
    """Best matching path of a route: (matched text, is regex, length)."""
    best: tuple[str, bool, int] | None = None
    for candidate in paths:
        if candidate.startswith("~"):
            try:
                found = re.match(candidate[1:], path)
            except re.error:
                continue
            if found:
                text = found.group(0)
                if best is None or (not best[1]):
                    best = (text, True, len(text))
        elif path.startswith(candidate):
            if best is None or (not best[1] and len(candidate) > best[2]):
                best = (candidate, False, len(candidate))
    return best


def _headers_match(expected: dict[str, list[str]], headers: dict[str, str]) -> bool:
    for name, values in expected.items():
        actual = headers.get(name.lower())
        if actual is None or actual.lower() not in {v.lower() for v in values}:
            return False
    return True


def match_route(
    routes: list[tuple[str, dict[str, Any]]],
    *,
    method: str,
    host: str,
    path: str,
    scheme: str,
    headers: dict[str, str],
) -> RouteMatch | None:
    """Pick the route Kong would pick for this request; ``routes`` are (workspace, route)."""
    best_key: tuple | None = None
    best: RouteMatch | None = None
    for workspace, route in routes:
        if scheme not in (route.get("protocols") or ["http", "https"]):
            continue
        categories = 0
        plain_host = False
        methods = route.get("methods") or []
        if methods:
            if method.upper() not in {m.upper() for m in methods}:
                continue
            categories += 1
        hosts = route.get("hosts") or []
        if hosts:
            matched, plain_host = _host_matches(hosts, host)
            if not matched:
                continue
            categories += 1
        route_headers = route.get("headers") or {}
        if route_headers:
            if not _headers_match(route_headers, headers):
                continue
            categories += 1
        paths = route.get("paths") or []
        matched_path: str | None = None
        is_regex, length = False, 0
        if paths:
            found = _path_match(paths, path)
            if found is None:
                continue
            matched_path, is_regex, length = found
            categories += 1
        if categories == 0:
            continue
        key = (
            categories,
            plain_host,
            is_regex,
            route.get("regex_priority", 0) if is_regex else 0,
            length,
            -(route.get("created_at") or 0),
        )
        if best_key is None or key > best_key:
            best_key = key
            best = RouteMatch(workspace=workspace, route=route, matched_path=matched_path)
    return best


def upstream_path(
    service_path: str | None, request_path: str, matched: str | None, strip: bool
) -> str:
    """The path sent upstream (``path_handling`` v0): service path + (stripped) request path."""
    rest = request_path
    if strip and matched:
        rest = request_path[len(matched) :]
    base = service_path or "/"
    if base == "/":
        return rest if rest.startswith("/") else "/" + rest
    if not rest:
        return base
    if base.endswith("/") and rest.startswith("/"):
        return base + rest[1:]
    return base + rest
