"""Bring an existing Kong Dev Portal under code: discover it, adopt it, audit it.

`python -m discover` reads a live workspace and its identity clients and writes the stack
settings with adoption markers; `python -m discover audit` lists what lives outside the stack.
"""
