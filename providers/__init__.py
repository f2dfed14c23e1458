"""Kong dynamic providers for Pulumi (`kong_dynamic`) and their Admin API client (`kong_admin`)."""
