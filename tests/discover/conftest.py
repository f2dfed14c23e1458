"""The provider tests' sandbox Kong fixtures, shared with the adoption tests."""

from tests.provider.conftest import kong, kong_module  # noqa: F401
