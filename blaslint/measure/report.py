"""Sites + the child's records -> report rows, ranked by the time a fix saves over the run."""

from __future__ import annotations

import os

from blaslint.measure.sites import Site

TOLERANCE = ("results compared with allclose: rtol 1e-5 for float32/complex64 (1e-3 float16), 1e-9 for float64/"
             "complex128, atol = rtol * max|original|; integers exactly; an `empty` allocation by shape and dtype")


def rows(sites: list[Site], records: dict | None) -> list[dict]:
    recs = (records or {}).get("sites", {})
    replays = (records or {}).get("replay", {})
    loaded = {os.path.realpath(p) for p in (records or {}).get("loaded", {})}
    out = []
    for site in sites:
        rec = recs.get(str(site.id))
        calls = rec["calls"] if rec else 0
        total = rec["total"] if rec else 0.0
        k = 0
        for f in site.findings:
            row = {"site_id": site.id, "path": site.path, "line": f.line, "col": f.col, "site": f"{site.path}:{f.line}:{f.col}",
                   "code": f.code, "name": f.name, "function": site.function, "timed": site.text,
                   "calls": calls, "seconds": total, "per_call": total / calls if calls else None,
                   "with_fix": None, "saving": None, "fix": f.fix, "note": f.fix_reason,
                   "shapes": _shapes(rec), "operands": rec["operands"] if rec else {},
                   "by_size": rec.get("by_size") if rec else None}
            if site.kind is None:
                row["status"] = f"not instrumented: {site.reason}"
            elif calls == 0:
                imported = os.path.realpath(site.path) in loaded
                row["status"] = "not executed" + ("" if imported or records is None else " (module not imported)")
            else:
                row["status"] = "executed"
            if f.fix == "replay":
                r = replays.get(f"{site.id}:{k}")
                k += 1
                if r is None:
                    row["note"] = "fix not timed (no sample captured)" if calls else "fix not timed"
                elif r["status"] == "timed":
                    row["with_fix"] = with_fix(total, r, rec.get("by_size") if rec else None)
                    row["saving"] = total - row["with_fix"]
                    row["note"] = (f"fix timed on copies of {len(r['samples'])} sample(s): {_speedups(r)} "
                                   f"per call; {r['check']}") if r["ratio"] > 0 else "fix timed"
                    row["replay"] = r
                else:
                    row["note"] = f"fix not timed: {r['status']}: {r.get('reason', '')}"
                    row["replay"] = r
            elif f.fix == "deleted" and calls:
                row["with_fix"], row["saving"] = 0.0, total
            elif f.fix == "rejected":
                row["note"] = f"fix not timed: {f.fix_reason}"
            out.append(row)
    out.sort(key=_rank)
    return out


def with_fix(total: float, replay: dict, by_size: dict | None) -> float:
    """The site's time with the fix: each size class's time scaled by the ratio measured at that size
    (else at the nearest size sampled); without per-size records, the median ratio over all of it."""
    ratios: dict[int, list[float]] = {}
    for s in replay.get("samples", ()):
        if s.get("original", 0) > 0 and "size" in s:
            ratios.setdefault(int(s["size"]), []).append(s["fixed"] / s["original"])
    if not by_size or not ratios:
        return total * replay["ratio"]
    out = 0.0
    for size, (_, seconds) in by_size.items():
        near = min(ratios, key=lambda c: (abs(c - int(size)), c))
        rs = sorted(ratios[near])
        out += seconds * rs[len(rs) // 2]
    return out


def _speedups(replay: dict) -> str:
    """"x1.8" for one size; "x0.1 at ~2^5 elements, x6.5 at ~2^17" when the sizes differ."""
    by: dict[int, list[float]] = {}
    for s in replay.get("samples", ()):
        if s.get("fixed", 0) > 0:
            by.setdefault(int(s.get("size", 0)), []).append(s["original"] / s["fixed"])
    if len(by) <= 1:
        return f"x{1 / replay['ratio']:.1f}"
    return ", ".join(f"x{sorted(v)[len(v) // 2]:.2g} at ~2^{k} elements" for k, v in sorted(by.items()))


def _rank(row: dict):
    executed = row["status"] == "executed"
    return (not executed, -(row["saving"] if row["saving"] is not None else -1.0), -row["seconds"],
            row["path"], row["line"], row["col"], row["code"])


def _shapes(rec: dict | None) -> str:
    """`W1 2048x4096 float32 C; input 4096 float32` from the most frequent signature per operand."""
    if not rec:
        return ""
    parts = []
    for name, sigs in rec["operands"].items():
        sig = next((s for s in sigs if not s.get("other")), None)
        if sig is None:
            continue
        shape = "x".join(str(d) for d in sig["shape"]) or "scalar"
        dev = "" if sig["device"] == "cpu" else f" {sig['device']}"
        more = f" (+{len(sigs) - 1} more)" if len(sigs) > 1 else ""
        parts.append(f"{name} {shape} {sig['dtype']} {sig['order']}{dev}{more}")
    return "; ".join(parts)
