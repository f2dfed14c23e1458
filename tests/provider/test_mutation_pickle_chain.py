"""`providers.pickle_chain.install()` on an SDK serializer that leaves a pickler layer behind.

The import of `providers` installs the guard once, before any test runs; these tests install it
again on a stand-in for the SDK's `serialize_provider` (the SDK 3.272 behaviour, pulumi#17803),
so what `install()` itself does is seen: it wraps once, the wrapper takes each leftover layer
off, and a second install (the package imported again by another path) adds no second wrapper.
"""

from __future__ import annotations

import pickle
from collections.abc import Iterator
from typing import Any

import pytest
from pulumi.dynamic import dynamic

from providers import pickle_chain


@pytest.fixture
def sdk_leaving_layers(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The SDK's serializer as 3.272 has it: every call wraps `_batch_setitems` once more."""
    before = pickle._Pickler.__dict__["_batch_setitems"]

    def serialize_provider(provider: object) -> str:
        inner = pickle._Pickler._batch_setitems

        def sorted_batch(self: Any, items: Any, *rest: Any) -> Any:
            return inner(self, sorted(items), *rest)

        pickle._Pickler._batch_setitems = sorted_batch
        return f"pickled {provider}"

    monkeypatch.setattr(dynamic, "serialize_provider", serialize_provider)
    yield serialize_provider
    pickle._Pickler._batch_setitems = before


def test_install_wraps_the_sdk_serializer_once(sdk_leaving_layers: Any) -> None:
    pickle_chain.install()
    wrapped = dynamic.serialize_provider
    assert wrapped is not sdk_leaving_layers
    assert wrapped.__wrapped__ is sdk_leaving_layers
    assert wrapped._kop_unchained is True
    pickle_chain.install()
    assert dynamic.serialize_provider is wrapped  # not wrapped twice


def test_installed_serializer_leaves_no_layer_behind(sdk_leaving_layers: Any) -> None:
    before = pickle._Pickler.__dict__["_batch_setitems"]
    removed = pickle_chain.layers_removed()
    pickle_chain.install()
    for i in range(50):
        assert dynamic.serialize_provider(i) == f"pickled {i}"  # the SDK's answer, unchanged
    assert pickle._Pickler.__dict__["_batch_setitems"] is before
    assert pickle_chain.layers_removed() == removed + 50


def test_without_the_guard_the_layers_pile_up(sdk_leaving_layers: Any) -> None:
    """The failure the guard prevents, shown with the same stand-in (so the tests above can
    fail): each call leaves one more layer."""
    before = pickle._Pickler.__dict__["_batch_setitems"]
    for i in range(3):
        sdk_leaving_layers(i)
    layer = pickle._Pickler.__dict__["_batch_setitems"]
    assert layer is not before
    assert pickle_chain._closes_over(layer, before) is False  # three deep, not one


def test_a_layer_is_found_past_an_empty_closure_cell(sdk_leaving_layers: Any) -> None:
    """The SDK's wrapper may close over names that are never bound (an empty cell) before the
    previous layer: the layer is still recognised and taken off."""
    before = pickle._Pickler.__dict__["_batch_setitems"]

    def sdk(provider: object) -> str:
        inner = pickle._Pickler._batch_setitems

        def aaa_layer(self: Any, items: Any, *rest: Any) -> Any:
            return aaa_unbound, inner(self, sorted(items), *rest)  # noqa: F821

        if provider is None:
            aaa_unbound = None  # never runs: the cell stays empty
        pickle._Pickler._batch_setitems = aaa_layer
        return "pickled"

    assert pickle_chain.unchained(sdk)(object()) == "pickled"
    assert pickle._Pickler.__dict__["_batch_setitems"] is before


def test_a_replacement_that_is_no_function_is_kept(sdk_leaving_layers: Any) -> None:
    import functools

    before = pickle._Pickler.__dict__["_batch_setitems"]
    replacement = functools.partial(before)

    def sdk(provider: object) -> str:
        pickle._Pickler._batch_setitems = replacement
        return "pickled"

    assert pickle_chain.unchained(sdk)(object()) == "pickled"
    assert pickle._Pickler.__dict__["_batch_setitems"] is replacement
