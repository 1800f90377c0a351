"""Wrap the timed sites of a module with libcst, keeping every line at its line number.

An expression ``E`` becomes ``__blaslint__.e(ID, __blaslint__.s(ID), E)``
(arguments run left to right: start clock, E, stop clock; the value passes
through; an exception in E propagates from E's own line). A simple statement
``S`` becomes ``__blaslint__.b(ID); S; __blaslint__.t(ID)`` on its own line. A
``for`` loop's iterable ``I`` becomes ``__blaslint__.loop(ID, I)``. Only text
is inserted, never a newline, so line numbers (and tracebacks) are the
user's; columns after an insertion shift on that line only. The name is a
dunder so that class bodies do not mangle it; the child puts it in builtins.
"""

from __future__ import annotations

import libcst as cst

from blaslint.measure.sites import Site

NAME = "__blaslint__"


def _call(method: str, *args: cst.BaseExpression) -> cst.Call:
    return cst.Call(func=cst.Attribute(cst.Name(NAME), cst.Name(method)),
                    args=[cst.Arg(a) for a in args])


class _Wrap(cst.CSTTransformer):
    def __init__(self, sites: list[Site]) -> None:
        super().__init__()
        self.expr = {id(s.node): s.id for s in sites if s.kind == "expr"}
        self.stmt = {id(s.node): s.id for s in sites if s.kind == "stmt"}
        self.loop = {id(s.node): s.id for s in sites if s.kind == "loop"}

    def on_leave(self, original, updated):
        updated = super().on_leave(original, updated)
        sid = self.expr.get(id(original))
        if sid is not None and isinstance(updated, cst.BaseExpression):
            inner = updated
            if isinstance(inner, (cst.NamedExpr, cst.GeneratorExp)) and not inner.lpar:
                inner = inner.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
            return _call("e", cst.Integer(str(sid)), _call("s", cst.Integer(str(sid))), inner)
        sid = self.loop.get(id(original))
        if sid is not None and isinstance(updated, cst.For):
            return updated.with_changes(iter=_call("loop", cst.Integer(str(sid)), updated.iter))
        return updated

    def _statements(self, original, updated):
        if not any(id(s) in self.stmt for s in original.body):
            return updated
        body = []
        for orig, new in zip(original.body, updated.body):
            sid = self.stmt.get(id(orig))
            if sid is None:
                body.append(new.with_changes(semicolon=cst.MaybeSentinel.DEFAULT))
                continue
            body.append(cst.Expr(_call("b", cst.Integer(str(sid)))))
            body.append(new.with_changes(semicolon=cst.MaybeSentinel.DEFAULT))
            body.append(cst.Expr(_call("t", cst.Integer(str(sid)))))
        return updated.with_changes(body=body)

    def leave_SimpleStatementLine(self, original, updated):
        return self._statements(original, updated)

    def leave_SimpleStatementSuite(self, original, updated):
        return self._statements(original, updated)


def instrument(module: cst.Module, sites: list[Site]) -> str:
    """The module's text with its sites wrapped (``module`` is the tree the sites' nodes belong to)."""
    live = [s for s in sites if s.kind is not None]
    if not live:
        return module.code
    return module.visit(_Wrap(live)).code
