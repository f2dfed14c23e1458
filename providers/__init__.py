"""Kong dynamic providers for Pulumi (`kong_dynamic`) and their Admin API client (`kong_admin`)."""

# Before any dynamic resource is made: keeps the SDK's pickler from overflowing (see the module).
from providers import pickle_chain as pickle_chain

# Our resources register without the SDK's Python stack capture (see the module).
from providers import source_positions as source_positions
from providers.errors import install_in_provider_server

# In the SDK's dynamic-provider server (whichever launcher started it): expected failures are
# answered with one message instead of a traceback (see providers/errors.py).
install_in_provider_server()
