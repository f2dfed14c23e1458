"""Okta's management API in the sandbox, on the issuer's address (one org URL).

- :mod:`sandbox.okta.store`: the org's objects and rules, no HTTP (``OktaStore``);
- :mod:`sandbox.okta.api`: the management API's routes (``create_okta_app``);
- :mod:`sandbox.okta.directory`: what the issuer asks of the org (``OktaDirectory``);
- :mod:`sandbox.okta.org`: the org app (API beside the issuer) and absolute-URL request lines.
"""

from sandbox.okta.api import create_okta_app
from sandbox.okta.directory import OktaDirectory
from sandbox.okta.org import AbsoluteFormPaths, OktaOrg
from sandbox.okta.store import OktaStore

__all__ = ["AbsoluteFormPaths", "OktaDirectory", "OktaOrg", "OktaStore", "create_okta_app"]
