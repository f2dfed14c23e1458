"""``config`` for the two plugins of the guide, with the guide's sample corrected."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from providers.kong_kinds import GUIDE_TYPO_FIELD, GUIDE_TYPO_MESSAGE


def openid_connect(
    *,
    issuer: Any,
    consumer_claim: Sequence[str] | str = ("application_id",),
    consumer_by: Sequence[str] = ("custom_id",),
    auth_methods: Sequence[str] = ("bearer",),
    verify_parameters: bool = False,
    scopes_required: Sequence[str] | None = None,
    audience_required: Sequence[str] | None = None,
    consumer_optional: bool | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """``config`` for the openid-connect plugin.

    ``consumer_claim`` is a claim *path* and always sent as a list; ``verify_parameters``
    replaces the guide's nonexistent ``verify_credentials``.
    """
    if GUIDE_TYPO_FIELD in extra:
        raise ValueError(GUIDE_TYPO_MESSAGE)
    if isinstance(consumer_claim, str):
        consumer_claim = [consumer_claim]
    config: dict[str, Any] = {
        "issuer": issuer,
        "consumer_claim": list(consumer_claim),
        "consumer_by": list(consumer_by),
        "auth_methods": list(auth_methods),
        "verify_parameters": verify_parameters,
    }
    optional = {
        "scopes_required": None if scopes_required is None else list(scopes_required),
        "audience_required": None if audience_required is None else list(audience_required),
        "consumer_optional": consumer_optional,
    }
    config.update({k: v for k, v in optional.items() if v is not None})
    config.update(extra)
    return config


def application_registration(
    *,
    display_name: str,
    description: str | None = None,
    auto_approve: bool = False,
    show_issuer: bool = False,
) -> dict[str, Any]:
    """``config`` for the application-registration plugin (service scope only)."""
    config: dict[str, Any] = {
        "display_name": display_name,
        "auto_approve": auto_approve,
        "show_issuer": show_issuer,
    }
    if description is not None:
        config["description"] = description
    return config
