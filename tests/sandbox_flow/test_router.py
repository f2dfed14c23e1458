"""Kong's route selection and upstream path rules, as the proxy applies them."""

from __future__ import annotations

import pytest

from sandbox.proxy.router import match_route, upstream_path


def route(name: str, **fields: object) -> tuple[str, dict]:
    return ("default", {"id": name, "protocols": ["http", "https"], **fields})


def pick(routes: list[tuple[str, dict]], path: str, method: str = "GET", host: str = "h") -> str:
    found = match_route(routes, method=method, host=host, path=path, scheme="http", headers={})
    return found.route["id"] if found else "none"


def test_longest_prefix_wins() -> None:
    routes = [route("short", paths=["/api"]), route("long", paths=["/api/v1"])]
    assert pick(routes, "/api/v1/users") == "long"
    assert pick(routes, "/api/v2") == "short"
    assert pick(routes, "/other") == "none"


def test_more_matching_fields_win_and_must_all_match() -> None:
    routes = [
        route("paths", paths=["/api"]),
        route("paths-methods", paths=["/api"], methods=["POST"]),
        route("hosts", hosts=["*.example.com"], paths=["/api"]),
    ]
    assert pick(routes, "/api", method="POST") == "paths-methods"
    assert pick(routes, "/api", method="GET") == "paths"
    assert pick(routes, "/api", host="shop.example.com:8000") == "hosts"


def test_protocols_are_respected() -> None:
    routes = [route("https-only", paths=["/"], protocols=["https"])]
    assert pick(routes, "/x") == "none"


@pytest.mark.parametrize(
    ("service_path", "request_path", "matched", "strip", "expected"),
    [
        (None, "/billing/invoices", "/billing", True, "/invoices"),
        (None, "/billing", "/billing", True, "/"),
        ("/echo", "/billing/invoices", "/billing", True, "/echo/invoices"),
        ("/echo", "/billing", "/billing", True, "/echo"),
        ("/echo/", "/billing/x", "/billing", True, "/echo/x"),
        ("/echo", "/billing/x", "/billing", False, "/echo/billing/x"),
    ],
)
def test_upstream_path(
    service_path: str | None, request_path: str, matched: str, strip: bool, expected: str
) -> None:
    assert upstream_path(service_path, request_path, matched, strip) == expected
