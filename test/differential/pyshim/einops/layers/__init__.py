# The einops layers package of the reference shim (see ../__init__.py).
