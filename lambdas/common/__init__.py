"""Code shared by every function: copied into each zip that imports it (see scripts/build_lambdas.py)."""
