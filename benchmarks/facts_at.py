"""What blaslint knows at a line: the facts of every array expression on it.

``python3 benchmarks/facts_at.py FILE LINE [LINE ...]`` prints, for each name,
attribute, subscript and call on those lines, the rank, shape, dtype, library and
the evidence for it, as the rules see them. A debugging aid for reading misses:
why did a rule stay silent on a labelled instance?
"""

from __future__ import annotations

import ast
import sys

from blaslint.analysis.context import FileContext, set_parents
from blaslint.core.source import SourceText


def facts_at(path: str, lines: list[int]) -> None:
    with open(path, "rb") as fh:
        source = SourceText.from_bytes(fh.read())
    tree = ast.parse(source.text)
    set_parents(tree)
    ctx = FileContext(source, tree, path)
    seen = set()
    for node in ast.walk(tree):
        if getattr(node, "lineno", None) in lines and isinstance(node, (ast.Name, ast.Attribute, ast.Subscript, ast.Call, ast.BinOp)):
            text = ast.unparse(node)
            if text in seen or len(text) > 70:
                continue
            seen.add(text)
            f = ctx.array_facts(node)
            ev = "; ".join(str(e) for e in f.evidence)[:160]
            print(f"{node.lineno}: {text:40s} rank={f.rank} min={f.min_rank} shape={f.shape} dtype={f.dtype} lib={f.lib} | {ev}")


if __name__ == "__main__":
    facts_at(sys.argv[1], [int(x) for x in sys.argv[2:]])
