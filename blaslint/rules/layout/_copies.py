"""Helpers shared by the layout rules."""

from __future__ import annotations

from dataclasses import dataclass
import ast

from blaslint.analysis import flow
from blaslint.rules._common import product_operands
from blaslint.rules._common import TransposedCopy, transposed_copy


# torch functions whose listed positional arguments are operands of a matrix product
_TORCH_OPERANDS = {"torch.nn.functional.linear": (0, 1), "torch.addmm": (1, 2), "torch.addmv": (1, 2)}
_PRODUCT_METHODS = ("dot", "matmul", "mm", "mv")


@dataclass
class CopyFinding:
    copy: TransposedCopy
    consumers: list     # [(kind, name)]: kind "blas" (f2py wrapper) or "product" (@, np.dot, torch.mm, ...)
    binding: object     # the Binding when the copy is bound to a local name first, else None

    @property
    def only_blas(self) -> bool:
        return all(kind == "blas" for kind, _ in self.consumers)


def operand_consumer(ctx, expr: ast.AST) -> tuple[str, str] | None:
    """(kind, name) when ``expr`` is a read-only operand of a matrix product or a BLAS wrapper."""
    par = ctx.parent(expr)
    if isinstance(par, ast.BinOp) and isinstance(par.op, ast.MatMult):
        return "product", "`@`"
    if isinstance(par, ast.Attribute) and par.value is expr and par.attr in _PRODUCT_METHODS:
        call = ctx.parent(par)
        if isinstance(call, ast.Call) and call.func is par and product_operands(ctx, call) is not None:
            return "product", f"`.{par.attr}()`"
        return None
    call = ctx.parent(par) if isinstance(par, ast.keyword) else par
    if isinstance(par, (ast.List, ast.Tuple)):
        outer = ctx.parent(par)
        if isinstance(outer, ast.Call) and outer.args and outer.args[0] is par \
                and ctx.resolve_call(outer) == "numpy.linalg.multi_dot":
            return "product", "`multi_dot`"
        return None
    if not isinstance(call, ast.Call):
        return None
    if par is call:
        ops = product_operands(ctx, call)
        if ops is not None and any(o is expr for o in ops):
            return "product", f"`{ctx.text(call.func)}`"
        q = ctx.resolve_call(call)
        if q in _TORCH_OPERANDS:
            positions = [i for i, a in enumerate(call.args) if a is expr]
            if positions and positions[0] in _TORCH_OPERANDS[q]:
                return "product", f"`{ctx.text(call.func)}`"
    bound = ctx.blas_call(call)
    if bound is not None and bound.routine.module == "blas":
        for param, arg in bound.args.items():
            if arg is expr and param not in bound.routine.written and not param.startswith("overwrite_"):
                return "blas", f"`{bound.routine.name}`"
    return None


def _single_binding(ctx, node: ast.Call):
    """The Binding of ``name = node`` when it is the only binding of that name in its scope."""
    stmt = ctx.parent(node)
    if not isinstance(stmt, ast.Assign) or stmt.value is not node or len(stmt.targets) != 1 \
            or not isinstance(stmt.targets[0], ast.Name):
        return None
    target = stmt.targets[0]
    scope = ctx.scope_of(target)
    binds = scope.bindings.get(target.id, [])
    if len(binds) != 1 or binds[0].node is not target or target.id in scope.globals:
        return None
    if scope.node is ctx.tree and any(isinstance(n, ast.Global) and target.id in n.names for n in ast.walk(ctx.tree)):
        return None  # a function may rebind the module-level name
    return binds[0]


def _live_region(ctx, stmt: ast.stmt, uses) -> list | None:
    """Statements from just after ``stmt`` up to the one holding the last use (same block)."""
    region: list = []
    for use in uses:
        found = None
        node = ctx.statement_of(use)
        while node is not None:
            between = ctx.statements_between(stmt, node)
            if between is not None:
                found = [*between, node]
                break
            node = ctx.statement_of(ctx.parent(node)) if ctx.parent(node) is not None else None
        if found is None:
            return None
        if len(found) > len(region):
            region = found
    return region


def _source_changed(ctx, source: ast.AST, region: list) -> bool:
    """May the transposed array change while its copy is alive (so the copy is a snapshot)?"""
    path = flow.target_path(source)
    if path is None:
        return False  # a temporary (f(x).T.copy()): nothing else refers to it
    changed: set[str] = set()
    for stmt in region:
        changed |= ctx.mutated_in(stmt)
    if flow.path_conflicts(path, changed):
        return True
    root = path.split(".")[0]
    scope = ctx.scope_of(source)
    local = scope.node is not ctx.tree and scope.is_local(root)
    for stmt in region:
        for node in ast.walk(stmt):
            if not isinstance(node, ast.Call):
                continue
            bound = ctx.blas_call(node)
            if bound is not None:
                for param in bound.routine.written:
                    arg = bound.args.get(param)
                    target = flow.target_path(arg) if arg is not None else None
                    if target and flow.path_conflicts(path, {target}):
                        return True
            elif flow.is_opaque_call(ctx, node):
                handed = set()
                for a in [*node.args, *(k.value for k in node.keywords)]:
                    handed |= flow.passed_paths(a)
                if isinstance(node.func, ast.Attribute):
                    handed |= flow.passed_paths(node.func.value)
                if any(flow.path_conflicts(path, {h}) for h in handed) or not local or "." in path:
                    return True
    return False


def droppable_copy(ctx, node: ast.AST) -> CopyFinding | None:
    """A transposed copy whose only purpose is to be a product/BLAS operand, so it can be dropped."""
    tc = transposed_copy(ctx, node)
    if tc is None:
        return None
    direct = operand_consumer(ctx, node)
    if direct is not None:
        return CopyFinding(tc, [direct], None)
    binding = _single_binding(ctx, node)
    if binding is None:
        return None
    uses = ctx.uses(binding)
    if not uses:
        return None
    consumers = [operand_consumer(ctx, u) for u in uses]
    if any(c is None for c in consumers):
        return None
    region = _live_region(ctx, binding.stmt, uses)
    if region is None or _source_changed(ctx, tc.source, region):
        return None
    return CopyFinding(tc, consumers, binding)
