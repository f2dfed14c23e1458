"""The README's list of the plugin fields the sandbox proxy enforces is the set of config
fields the proxy's code reads."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def readme_enforced() -> set[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index("the proxy\n  acts on these only")
    end = text.index("Workspace `config.meta`", start)
    return set(re.findall(r"`([a-z_]+)`", text[start:end]))


def proxy_reads() -> set[str]:
    keys: set[str] = set()
    for source in (ROOT / "sandbox" / "proxy").glob("*.py"):
        code = source.read_text(encoding="utf-8")
        keys |= set(re.findall(r"config(?:\.get\(|\[)\"([a-z_]+)\"", code))
    return keys


def test_readme_names_exactly_the_fields_the_proxy_reads() -> None:
    # consumer_claims is the 3.14 name of consumer_claim; the proxy reads it by setting.
    assert readme_enforced() - {"consumer_claims"} == proxy_reads()


def test_crud_routes_come_from_the_entity_schemas() -> None:
    """Every foreign key between core entities yields Kong's nested and referenced-entity
    routes, including ones no hand-written table listed (`/plugins/{id}/consumer`)."""
    from sandbox.admin.routes import CORE_SCHEMAS, build_router, foreign_keys

    paths = {route.path for route in build_router().routes}
    for entity, schema in CORE_SCHEMAS.items():
        for fk, target in foreign_keys(schema, tuple(CORE_SCHEMAS)):
            assert f"/{target}/{{parent}}/{entity}" in paths
            assert f"/{entity}/{{key}}/{fk}" in paths
    assert "/plugins/{key}/consumer" in paths
