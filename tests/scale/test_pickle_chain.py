"""Thousands of our dynamic resources in one program (the SDK's pickler cliff), under mocks.

The Pulumi SDK 3.272 adds one wrapper layer to the pure-Python pickler per dynamic resource and
never takes it off; at ~985 dynamic resources a program died with `RecursionError`.
`providers.pickle_chain` takes each new layer off; these tests pin that it does, that the bytes
in state are the SDK's, and that it stands aside once the SDK leaves no layer behind.
"""

from __future__ import annotations

import pickle
import runpy
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pulumi.dynamic import dynamic

from providers import pickle_chain
from providers.dcr import ClientRegistrationProvider
from providers.kong_dynamic import ApplicationInstanceProvider, DeveloperProvider, ServiceProvider
from tests.program import configs
from tests.program.mocks import install, run

REPO = Path(__file__).resolve().parents[2]
APPS = 800  # 4 dynamic resources per app: > 3,200 in one program, over three times the cliff


def many_apps(n: int) -> dict[str, Any]:
    cfg = configs.dcr()
    cfg["developers"] = [
        {
            "email": f"dev{i}@example.com",
            "fullName": f"Developer {i}",
            "apps": [{"name": f"app-{i}", "flow": "client_credentials", "services": ["orders"]}],
        }
        for i in range(n)
    ]
    return cfg


@pytest.fixture
def pickler_restored() -> Iterator[None]:
    """Whatever a test does to the pickler, the next test finds it as it was."""
    before = pickle._Pickler.__dict__["_batch_setitems"]
    yield
    pickle._Pickler._batch_setitems = before


def test_one_program_registers_thousands_of_kong_objects_and_dcr_clients(
    pickler_restored: None,
) -> None:
    mocks = install(many_apps(APPS))
    run(lambda: runpy.run_path(str(REPO / "__main__.py")))
    kinds = Counter(r.typ.rsplit(":", 1)[-1] for r in mocks.resources if "dynamic" in r.typ)
    assert kinds["ClientRegistration"] == APPS
    assert kinds["Developer"] == kinds["Application"] == kinds["ApplicationInstance"] == APPS
    assert sum(kinds.values()) > 3 * 985
    # every registration went through the SDK's serializer, and none left a layer behind
    assert _depth(pickle._Pickler.__dict__["_batch_setitems"]) <= 1


def _depth(func: Any) -> int:
    """How many closures wrap one another below `func` (the SDK's wrappers close over the next)."""
    depth = 0
    while func.__closure__:
        inner = [c.cell_contents for c in func.__closure__ if callable(c.cell_contents)]
        if not inner:
            break
        func, depth = inner[0], depth + 1
    return depth


def test_the_sdk_serializer_is_wrapped_once_and_sorts_as_before(pickler_restored: None) -> None:
    assert getattr(dynamic.serialize_provider, "_kop_unchained", False)
    pickle_chain.install()  # a second install (another import path) must not wrap again
    assert not getattr(dynamic.serialize_provider.__wrapped__, "_kop_unchained", False)
    sdk = dynamic.serialize_provider.__wrapped__
    providers = (ServiceProvider, DeveloperProvider, ApplicationInstanceProvider)
    providers += (ClientRegistrationProvider,)
    ours = [dynamic.serialize_provider(p()) for p in providers]
    assert [sdk(p()) for p in providers] == ours  # the SDK's bytes, so no diff on upgrade


def test_stands_aside_when_the_sdk_leaves_the_pickler_alone(pickler_restored: None) -> None:
    before = pickle._Pickler.__dict__["_batch_setitems"]
    removed = pickle_chain.layers_removed()
    fixed_sdk = pickle_chain.unchained(lambda provider: "pickled")  # upstream, once fixed
    for _ in range(3000):
        assert fixed_sdk(object()) == "pickled"
    assert pickle._Pickler.__dict__["_batch_setitems"] is before
    assert pickle_chain.layers_removed() == removed


def test_keeps_a_replacement_that_does_not_wrap_the_previous_one(pickler_restored: None) -> None:
    def sorted_batch(self: Any, items: Any, *rest: Any) -> None:  # closes over nothing
        raise AssertionError("never called here")

    def sdk_replaces(provider: object) -> str:
        pickle._Pickler._batch_setitems = sorted_batch
        return "pickled"

    pickle_chain.unchained(sdk_replaces)(object())
    assert pickle._Pickler.__dict__["_batch_setitems"] is sorted_batch
