"""Kong proxy stand-in: routes requests and enforces openid-connect + application-registration."""

from sandbox.proxy.app import KongProxy, create_proxy_app

__all__ = ["KongProxy", "create_proxy_app"]
