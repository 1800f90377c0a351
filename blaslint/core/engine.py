"""One file in, findings (and optionally fixed text) out.

The pipeline of one file: read and decode -> prefilter on the selected rules'
trigger substrings -> parse once with the stdlib ``ast`` -> one traversal that
links parents and dispatches each node to the rules that visit its type ->
suppressions -> (with --fix) apply edits, re-parse, repeat to a fixpoint.

Why ``ast`` and not libcst for detection: libcst parses ~10k lines/s here and
the generic metadata providers cost 8x more; ``ast`` parses ~130k lines/s and
gives exact end positions, which is all the rules need. libcst remains the
judge of every fix: a fixed file must round-trip through libcst's parser
losslessly (see :mod:`blaslint.core.fix`). The engine knows no rule.
"""

from __future__ import annotations

import ast
import gc
import sys
import traceback
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field, replace

from blaslint.analysis import severity as _severity
from blaslint.analysis.context import FileContext
from blaslint.analysis.context_kind import context_reason
from blaslint.analysis.runtime_facts import citation as runtime_citation
from blaslint.core.diagnostics import (
    INTERNAL_ERROR,
    Applicability,
    SYNTAX_ERROR,
    UNREADABLE_FILE,
    Diagnostic,
    Edit,
    Fix,
)
from blaslint.core.rule import Rule, rule_classes
from blaslint.core.source import SourceError, SourceText
from blaslint.core.walk import link_and_collect

MAX_NESTING_MESSAGE = "too deeply nested for Python's parser"


@dataclass
class FileResult:
    path: str
    diagnostics: list[Diagnostic] = field(default_factory=list)
    # With fixing: the new text (None when unchanged) and how many fixes were applied.
    fixed_text: str | None = None
    fixes_applied: int = 0
    source: SourceText | None = None
    # Messages for stderr (tracebacks of internal errors, failed writes).
    errors: list[str] = field(default_factory=list)
    original_bytes: bytes | None = None
    cached: bool = False
    # Hash of the bytes linted (only for the cache): its entry then describes exactly them.
    digest: str | None = None
    # The other files the findings rest on (blaslint.analysis.reads.Stamp): modules of the
    # package read for helper summaries, files looked for. The cache checks them too.
    reads: tuple = ()
    # With fixing: the findings before any fix, reported instead when the fix is not written.
    unfixed: list[Diagnostic] | None = None


class RuleSet:
    """The selected rule classes with their dispatch table and prefilter."""

    _cache: dict[frozenset, "RuleSet"] = {}

    def __init__(self, codes: frozenset[str]) -> None:
        self.classes: list[type[Rule]] = rule_classes(codes)
        self.triggers: tuple[str, ...] = tuple(sorted({t for c in self.classes for t in c.triggers}))
        self.any_without_triggers = any(not c.triggers for c in self.classes)
        # rule class -> [(ast node class, method name)], from its visit_* methods
        self.visits: dict[type[Rule], list[tuple[type, str]]] = {
            c: [(getattr(ast, name), method) for name, method in c.node_types().items()
                if isinstance(getattr(ast, name, None), type)]
            for c in self.classes}

    @classmethod
    def for_codes(cls, codes) -> "RuleSet":
        key = frozenset(codes)
        rs = cls._cache.get(key)
        if rs is None:
            rs = cls._cache[key] = RuleSet(key)
        return rs

    def wanted(self, text: str) -> list[type[Rule]]:
        """Rules whose triggers occur in ``text`` (the conservative prefilter)."""
        return [c for c in self.classes if not c.triggers or any(t in text for t in c.triggers)]


def parse(text: str, path: str) -> ast.Module:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ast.parse(text, filename=path, type_comments=False)


def syntax_diagnostic(path: str, exc: BaseException, source: SourceText | None) -> Diagnostic:
    if isinstance(exc, SyntaxError):
        line = exc.lineno or 1
        col = exc.offset or 1
        msg = exc.msg
    elif isinstance(exc, (RecursionError, MemoryError)):
        line, col, msg = 1, 1, MAX_NESTING_MESSAGE
    else:
        line, col, msg = 1, 1, str(exc)
    return Diagnostic(SYNTAX_ERROR, f"SyntaxError: {msg}", path, line, max(col, 1), line, max(col, 1),
                      name="syntax-error", stmt_line=line)


@contextmanager
def gc_paused():
    """No cyclic garbage collection while one file is parsed and linted.

    A parsed tree is up to a million young objects, and the collector would
    walk them again every few hundred allocations; parent links make the tree
    cyclic, so only the collector frees it. Pausing, then collecting the
    youngest generation once frees the file's tree in one pass (on numpy's
    sources a serial run took 10.5 s before, 7.4 s after). A caller that
    disabled the collector keeps it disabled.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.collect(0)


def lint_source(source: SourceText, path: str, codes, errors: list[str] | None = None,
                tree: ast.Module | None = None, line_name=None, runtime_facts=None) -> list[Diagnostic]:
    """All findings of the selected rules in one decoded source text.

    ``line_name`` (line -> text) names the lines messages refer to (a
    notebook says "cell 3, line 4"); default "line N". ``runtime_facts``:
    this file's parameters as ``blaslint measure`` observed them,
    ``{(function qualname, parameter): fact}`` (the weakest evidence).
    """
    with gc_paused():
        diags = _lint_source(source, path, codes, errors, tree, line_name, runtime_facts)
        if runtime_facts and diags:
            # what the code alone shows keeps its own message and fix; only the findings
            # the observed facts added (or changed) cite them (a second pass, files with facts only)
            plain = _lint_source(source, path, codes, None, None, line_name)
            diags = _only_new_rest_on_runtime(diags, plain)
        return diags


def _lint_source(source: SourceText, path: str, codes, errors: list[str] | None,
                 tree: ast.Module | None, line_name=None, runtime_facts=None) -> list[Diagnostic]:
    ruleset = RuleSet.for_codes(codes)
    classes = ruleset.wanted(source.text)
    if not classes:
        # No selected rule can fire here, but a file that does not parse is
        # still reported (BL900), as ruff does: the parse is the only cost.
        if tree is None:
            try:
                parse(source.text, path)
            except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
                return [syntax_diagnostic(path, exc, source)]
        return []
    if tree is None:
        try:
            tree = parse(source.text, path)
        except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
            return [syntax_diagnostic(path, exc, source)]
    ctx = FileContext(source, tree, path)
    if runtime_facts:
        ctx.runtime_facts = runtime_facts
    if line_name is not None:
        ctx.line_name = line_name
    rules = [cls(ctx) for cls in classes]
    dispatch: dict[type, list] = {}
    for rule in rules:
        for node_type, method in ruleset.visits[type(rule)]:
            dispatch.setdefault(node_type, []).append(getattr(rule, method))
    failed: set[int] = set()
    diags: list[Diagnostic] = []

    def crashed(rule: Rule, exc: BaseException) -> None:
        failed.add(id(rule))
        tb = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        if errors is not None:
            errors.append(f"{path}: internal error in {rule.code}:\n{tb}")
        diags.append(Diagnostic(INTERNAL_ERROR, f"internal error in {rule.code}: {type(exc).__name__}: {exc}",
                                path, 1, 1, 1, 1, name="internal-error", stmt_line=1))

    # One traversal links parents and collects the nodes some rule visits;
    # rules then run over those nodes, with the whole tree already linked
    # (a rule may look at any statement, before or after its node).
    wanted = link_and_collect(tree, dispatch)
    observed = ctx.runtime_consulted if runtime_facts else None
    for node in wanted:
        for h in dispatch[type(node)]:
            rule = h.__self__
            if id(rule) in failed:
                continue
            before = len(rule.reports)
            try:
                h(node)
            except Exception as exc:  # noqa: BLE001 - a rule bug must not stop the run
                crashed(rule, exc)
            if observed:
                _rests_on_runtime(ctx, rule, before)
    for rule in rules:
        if id(rule) in failed:
            continue
        before = len(rule.reports)
        try:
            rule.finish()
        except Exception as exc:  # noqa: BLE001
            crashed(rule, exc)
        if observed:
            _rests_on_runtime(ctx, rule, before)
    for rule in rules:
        if id(rule) in failed:
            continue
        if ctx.namespace_names:
            _no_fix_through_namespaces(ctx, rule)
        for rep in rule.reports:
            try:
                diags.append(_to_diagnostic(ctx, rep, path))
            except Exception as exc:  # noqa: BLE001
                crashed(rule, exc)
    diags.sort(key=Diagnostic.sort_key)
    return _dedupe(diags)


def _rests_on_runtime(ctx: FileContext, rule: Rule, before: int) -> None:
    """Findings made while a rule consulted facts observed at run time cite them, and their fixes
    become unsafe: an observed rank holds for the run measured, not for every call the code allows."""
    consulted = list(ctx.runtime_consulted)
    ctx.runtime_consulted.clear()
    if len(rule.reports) == before:
        return
    cited = runtime_citation(ctx, consulted)
    for rep in rule.reports[before:]:
        rep.message = f"{rep.message} [{cited}]"
        if rep.fix is not None and rep.fix.is_safe:
            rep.fix = Fix(rep.fix.message, rep.fix.edits, Applicability.UNSAFE)


def _no_fix_through_namespaces(ctx: FileContext, rule: Rule) -> None:
    """A finding on code that calls an array-API namespace (``xp.sum``) keeps no fix: the rewrite is
    spelled with NumPy's API, and the namespace may be another library's at run time."""
    from blaslint.analysis.namespaces import spelled_in

    text = ctx.source.text
    for rep in rule.reports:
        spans = [ctx.span(rep.node)] + ([(e.start, e.end) for e in rep.fix.edits] if rep.fix else [])
        name = next((n for a, b in spans if (n := spelled_in(text[a:b], ctx.namespace_names))), None)
        if name is None:
            continue
        rep.fix = None
        rep.message = (f"{rep.message} (`{name}` is an array namespace, read as NumPy's API; no fix: it may be "
                       f"another library's at run time)")


RUNTIME_NOTE = "relies on facts observed at run time"


def _only_new_rest_on_runtime(with_facts: list[Diagnostic], plain: list[Diagnostic]) -> list[Diagnostic]:
    """``with_facts``, where the lint without the facts found the same: that finding instead, unless the
    facts made it say more: a higher severity, a fix where the code alone allowed none, or a claim resting on
    them where the code alone gave only a hidden one without a fix (a rank-free sum of a product that the
    observed ranks make a dot)."""
    def key(d):
        return (d.code, d.line, d.col, d.end_line, d.end_col)

    before = {key(d): d for d in plain}
    out = []
    for d in with_facts:
        same = before.get(key(d))
        if same is not None and not (_severity.rank(d.severity) > _severity.rank(same.severity)
                                     or same.fix is None and d.fix is not None
                                     or same.fix is None and same.severity == "info"
                                     and "observed at run time" in d.message):
            out.append(same)
            continue
        if "observed at run time" not in d.message:  # added though no consulted fact was recorded
            d = replace(d, message=f"{d.message} [{RUNTIME_NOTE}]")
        if d.fix is not None and d.fix.is_safe:
            d = replace(d, fix=Fix(d.fix.message, d.fix.edits, Applicability.UNSAFE))
        out.append(d)
    return out


def _dedupe(diags: list[Diagnostic]) -> list[Diagnostic]:
    seen = set()
    out = []
    for d in diags:
        key = (d.code, d.line, d.col, d.end_line, d.end_col)
        if key in seen:
            continue
        seen.add(key)
        out.append(d)
    return out


def _to_diagnostic(ctx: FileContext, rep, path: str) -> Diagnostic:
    src = ctx.source
    if rep.span is not None:
        start, end = rep.span
    else:
        start, end = ctx.span(rep.node)
    line, col = src.position(start)
    end_line, end_col = src.position(end)
    stmt = ctx.statement_of(rep.node)
    stmt_line = stmt.lineno if stmt is not None else line
    fix = rep.fix
    if fix is not None:
        fix = Fix(fix.message, tuple(
            Edit(e.start, e.end, e.content, src.position(e.start), src.position(e.end))
            for e in sorted(fix.edits)), fix.applicability)
    snippet = " ".join(src.text[start:end].split())
    reason = context_reason(ctx, rep.node) or ""
    severity = _severity.derive(rep.rule.code, rep.cost, rep.severity, lowered=bool(reason))
    return Diagnostic(rep.rule.code, rep.message, path, line, col, end_line, end_col, fix,
                      name=rep.rule.name, stmt_line=stmt_line, snippet=snippet,
                      scope=ctx.function_name(rep.node), severity=severity, cost=rep.cost,
                      context=reason if severity == "info" and reason else "")


def read_error_diagnostic(path: str, reason: str) -> Diagnostic:
    return Diagnostic(UNREADABLE_FILE, f"cannot read file: {reason}", path, 1, 1, 1, 1,
                      name="unreadable-file", stmt_line=1)


def decode(data: bytes) -> SourceText:
    return SourceText.from_bytes(data)


__all__ = ["FileResult", "lint_source", "parse", "SourceError", "read_error_diagnostic", "RuleSet", "sys"]
