"""Adapters at the edge: Jupyter notebooks (a source adapter below the runner) and the language server."""
