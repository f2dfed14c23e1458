"""Kong dynamic providers for Pulumi (`kong_dynamic`) and their Admin API client (`kong_admin`)."""

# Before any dynamic resource is made: keeps the SDK's pickler from overflowing (see the module).
from providers import pickle_chain as pickle_chain
