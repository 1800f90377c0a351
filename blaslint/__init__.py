"""blaslint: find and fix linear-algebra and BLAS misuse in Python numerical code."""

__version__ = "0.1.0"
