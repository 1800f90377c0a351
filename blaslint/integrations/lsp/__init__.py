"""``blaslint server``: the language server (needs the ``lsp`` extra: pygls).

Modules: :mod:`.positions` (LSP positions), :mod:`.linting` (lint a buffer),
:mod:`.suppression` (the noqa edit), :mod:`.pages` (rule pages for hover),
:mod:`.convert` and :mod:`.actions` (LSP objects), :mod:`.server` (pygls wiring).
"""

from __future__ import annotations

import argparse
import sys

INSTALL_HINT = "blaslint server needs the 'lsp' extra: python -m pip install 'blaslint[lsp]'"


def main_server(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="blaslint server",
        description="Start the blaslint language server (LSP over stdin/stdout).")
    parser.add_argument("--stdio", action="store_true", help="talk over stdin/stdout (the default and only mode)")
    parser.parse_args(argv)
    try:
        from blaslint.integrations.lsp.server import server
    except ImportError as exc:
        if exc.name in ("pygls", "lsprotocol") or (exc.name or "").startswith(("pygls.", "lsprotocol.")):
            print(f"blaslint: error: {INSTALL_HINT}", file=sys.stderr)
            return 2
        raise
    # The protocol owns stdout: anything printed by mistake goes to stderr instead.
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr
    try:
        server.start_io(stdin, stdout)
    finally:
        sys.stdout = sys.__stdout__
    return 0
