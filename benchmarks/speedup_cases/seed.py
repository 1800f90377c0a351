"""The seed's whole step: the naive port vs its ``blaslint --fix --unsafe-fixes`` output
(and vs the hand-optimised version). ``n`` is the input size N_IN."""

from fix_speedups import Case

_SETUP = ("import seed_speed\nnaive = seed_speed.load('naive', n)\nfixed = seed_speed.load('{other}', n)\n"
          "xs, es = seed_speed.step_inputs(n)\n")
_SIZES = (64 * 64, 128 * 128, 256 * 256)


def _bytes(n):
    return 5 * 2048 * n * 4  # W1, dW1 (twice: both variants) and the naive transposed copies


CASES = [
    Case("seed", "mockNN step: naive port -> blaslint --fix --unsafe-fixes", setup=_SETUP.format(other="fixed"),
         naive="out = naive['train'](xs, es)[1]", fixed="out = fixed['train'](xs, es)[1]",
         sizes=_SIZES, bytes_for=_bytes),
    Case("seed", "mockNN step: naive port -> optimised by hand", setup=_SETUP.format(other="fast"),
         naive="out = naive['train'](xs, es)[1]", fixed="out = fixed['train'](xs, es)[1]",
         sizes=_SIZES, bytes_for=_bytes),
]
