"""The seed (fixtures/seed/mlp_naive.py): blaslint flags every mistake its
comments name, ``--fix --unsafe-fixes`` keeps its results, and what remains
afterwards is exactly the findings that come without a fix."""

from __future__ import annotations

import importlib.util
import io
import re
import shutil
import tokenize
from pathlib import Path

import numpy as np
import pytest
from cli_support import run_cli
from support import lint

SEED_DIR = Path(__file__).resolve().parent.parent / "fixtures" / "seed"
NAIVE = SEED_DIR / "mlp_naive.py"
FAST = SEED_DIR / "mlp_fast.py"
CODE = re.compile(r"\bBL\d{3}\b")
STEPS = 2  # the second step sees the buffers the first one left behind


def comments(text: str) -> dict[int, str]:
    """Line -> the comment on that line."""
    out = {}
    for tok in tokenize.generate_tokens(io.StringIO(text).readline):
        if tok.type == tokenize.COMMENT:
            out[tok.start[0]] = tok.string
    return out


def marked(text: str) -> set[tuple[str, int]]:
    """(code, line) for every rule code named in a comment."""
    return {(code, line) for line, c in comments(text).items() for code in CODE.findall(c)}


def found(text: str) -> set[tuple[str, int]]:
    return {(d.code, d.line) for d in lint(text)}


def anchored(text: str, diags) -> set[tuple[str, str]]:
    """(code, comment on the finding's line): a position that survives fixes moving lines."""
    notes = comments(text)
    return {(d.code, notes.get(d.line, f"<no comment on line {d.line}>")) for d in diags}


def load(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def inputs(module, seed: int = 1):
    rng = np.random.default_rng(seed)
    xs = [rng.random(module.N_IN, dtype=np.float32) for _ in range(STEPS)]
    es = [rng.random(10, dtype=np.float32) for _ in range(STEPS)]
    return xs, es


def assert_same_step(reference, other):
    for name, a, b in zip(("out3", "dOut", "dW1", "dW2", "dW3"), reference, other):
        assert a.shape == b.shape, name
        np.testing.assert_allclose(b, a, rtol=2e-5, atol=0, err_msg=name)


@pytest.fixture(scope="module")
def fixed_seed(tmp_path_factory) -> Path:
    """The seed after the real command line's ``--fix --unsafe-fixes``."""
    target = tmp_path_factory.mktemp("seed") / "mlp_naive.py"
    shutil.copy(NAIVE, target)
    proc = run_cli("--fix", "--unsafe-fixes", str(target), timeout=120)
    assert proc.returncode in (0, 1), proc.err
    assert "Traceback" not in proc.err, proc.err
    return target


@pytest.fixture(scope="module")
def naive_result():
    module = load(NAIVE, "seed_mlp_naive")
    return module, module.train(*inputs(module))


def test_every_commented_mistake_is_flagged_and_nothing_else():
    text = NAIVE.read_text(encoding="utf-8")
    expected = marked(text)
    assert {code for code, _ in expected} >= {"BL101", "BL102", "BL201", "BL204", "BL301", "BL302"}
    assert found(text) == expected


def test_comments_are_unique_anchors():
    notes = [c for c in comments(NAIVE.read_text(encoding="utf-8")).values() if CODE.search(c)]
    assert len(notes) == len(set(notes))


def test_the_naive_port_computes_the_right_step(naive_result):
    """Against a plain float64 NumPy computation of the same step."""
    module, (out3, d_out, dW1, dW2, dW3) = naive_result
    x, e = (v[-1].astype(np.float64) for v in inputs(module))
    W1, W2, W3 = (w.astype(np.float64) for w in (module.W1, module.W2, module.W3))
    out1 = W1 @ x
    out2 = W2 @ out1
    d_out2 = W3.T @ e
    d_out1 = W2.T @ d_out2
    for name, got, want in (("out3", out3, W3 @ out2), ("dOut", d_out, W1.T @ d_out1),
                            ("dW3", dW3, np.outer(e, out2)), ("dW2", dW2, np.outer(d_out2, out1)),
                            ("dW1", dW1, np.outer(d_out1, x))):
        np.testing.assert_allclose(got, want, rtol=1e-4, err_msg=name)


def test_fixed_seed_computes_the_same_outputs_and_gradients(fixed_seed, naive_result):
    fixed_text = fixed_seed.read_text(encoding="utf-8")
    assert fixed_text != NAIVE.read_text(encoding="utf-8")
    _, reference = naive_result
    fixed = load(fixed_seed, "seed_mlp_fixed")
    assert_same_step(reference, fixed.train(*inputs(fixed)))


def test_fixes_reach_the_fast_forms(fixed_seed):
    text = fixed_seed.read_text(encoding="utf-8")
    assert ".copy()" not in text and "ascontiguousarray" not in text       # BL101
    assert text.count("trans=1") == 3                                       # BL102
    assert ".fill(0)" not in text and "[:] = 0" not in text                 # BL201, BL204
    assert "sger(" not in text.split("def train")[1]                        # BL204: np.outer(..., out=)
    head, loop = text.split("def train")[1].split("    for input, error in")
    assert "out1 = np." in head and "out2 = np." in head                    # BL301: allocated once
    assert "out1 = " not in loop and "out2 = " not in loop


def test_hand_optimised_version_computes_the_same(naive_result):
    _, reference = naive_result
    fast = load(FAST, "seed_mlp_fast")
    assert_same_step(reference, fast.train(*inputs(fast)))
    assert found(FAST.read_text(encoding="utf-8")) == set()


def test_after_fixing_only_the_findings_without_a_fix_remain(fixed_seed):
    original = NAIVE.read_text(encoding="utf-8")
    before = lint(original)
    fixed_text = fixed_seed.read_text(encoding="utf-8")
    after = lint(fixed_text)
    # --fix leaves negligible (info, hidden by default) findings alone: out3's 10-element zero-fill
    negligible = [d for d in after if d.severity == "info"]
    assert {(d.code, d.line) for d in negligible} <= {("BL201", 42)}, negligible
    after = [d for d in after if d.severity != "info"]
    assert all(d.fix is None for d in after), [d for d in after if d.fix]
    unfixable = anchored(original, [d for d in before if d.fix is None])
    # a loop-invariant transposed *copy* (BL302) is gone once BL101 dropped the copy
    dropped_copies = {note for code, note in anchored(original, [d for d in before if d.fix]) if code == "BL101"}
    expected = {(code, note) for code, note in unfixable if not (code == "BL302" and note in dropped_copies)}
    assert anchored(fixed_text, after) == expected
    # BL301's unsafe fix hoists the per-step allocations: nothing is left without a fix
    assert expected == set()
