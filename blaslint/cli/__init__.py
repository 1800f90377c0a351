"""The command line: argument parsing (:mod:`.entry`), the check command (:mod:`.checker`), progress."""

from blaslint.cli.entry import main

__all__ = ["main"]
