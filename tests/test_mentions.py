"""mention_lines answers the same whether it scans the text per name or, after INDEX_AFTER questions,
looks the name up in a one-pass index of every word (a 20 MB generated module: 3x faster)."""

from __future__ import annotations

import ast
import re

from blaslint.analysis import mentions
from blaslint.analysis.context import FileContext
from blaslint.core.source import SourceText
from blaslint.core.walk import link_and_collect

CODE = '''
import numpy as np
def f(x, x2, _x, xx, déjà):
    y = x + x2 + _x + xx + déjà  # x in a comment
    s = "x inside a string, x2"
    return np.dot(x, y), x.T, f(x, x, x, x, x, x, x, x, x), 2x_not_a_name if False else 0
'''.replace("2x_not_a_name", "x_2")


def _ctx():
    tree = ast.parse(CODE)
    link_and_collect(tree, ())
    return FileContext(SourceText(CODE), tree, "m.py")


def _scan(name):
    starts = [0] + [m.end() for m in re.finditer("\n", CODE)]
    from bisect import bisect_right
    return [bisect_right(starts, m.start()) for m in re.finditer(rf"\b{re.escape(name)}\b", CODE)]


def test_index_and_scan_agree(monkeypatch):
    names = ["x", "x2", "_x", "xx", "déjà", "y", "np", "f", "x_2", "nothing", "s", "dot", "T"]
    ctx = _ctx()
    got = [mentions.mention_lines(ctx, n) for n in names]
    assert "_bl_word_index" in ctx.__dict__  # more than INDEX_AFTER names asked: the index was built
    assert got == [_scan(n) for n in names]
    monkeypatch.setattr(mentions, "INDEX_AFTER", 10**9)
    plain = _ctx()
    assert [mentions.mention_lines(plain, n) for n in names] == got
    assert "_bl_word_index" not in plain.__dict__


def test_the_index_keeps_the_cap(monkeypatch):
    monkeypatch.setattr(mentions, "MAX_MENTIONS", 3)
    monkeypatch.setattr(mentions, "INDEX_AFTER", 0)
    ctx = _ctx()
    assert mentions.mention_lines(ctx, "x") is None      # more than MAX_MENTIONS: too common
    assert mentions.mention_lines(ctx, "x2") == _scan("x2")
