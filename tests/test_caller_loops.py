"""The loops that run a helper: a finding's cost is multiplied by the loop around its function's call.

``update(z)`` called once per observation in ``batch``'s loop runs its
inverse once per observation; an objective handed to ``minimize`` runs once
per optimiser step. Only this module's own calls count, by the name that
means the function where it is called.
"""

from __future__ import annotations

import textwrap

from tests.support import lint

NP = "import numpy as np\n"


def _one(src: str, code: str):
    found = [d for d in lint(textwrap.dedent(src), {code}) if d.code == code]
    assert len(found) == 1, found
    return found[0]


HELPER = NP + """
def loglik(x, mu):
    d = x - mu
    return np.sum(d * d, axis=1)
"""


def test_a_helper_called_in_a_loop_costs_once_per_iteration():
    alone = _one(HELPER, "BL503")
    looped = _one(HELPER + "def fit(X, mus, n_iter):\n    for it in range(n_iter):\n"
                           "        for mu in mus:\n            ll = loglik(X, mu)\n    return ll\n", "BL503")
    assert alone.cost.loop is None and alone.severity == "info"
    assert "that calls `loglik`" in looped.cost.loop and "range(n_iter)" in looped.cost.loop
    assert looped.cost.saving > 100 * alone.cost.saving and looped.severity == "warning"


def test_a_method_called_through_self_in_a_loop():
    src = NP + textwrap.dedent("""
        class Filter:
            def update(self, z):
                S = self.H @ self.P @ self.H.T + self.R
                return np.linalg.inv(S) @ z
            def batch(self, zs):
                for z in zs:
                    self.update(z)
        """)
    d = _one(src, "BL401")
    assert "the loop over `zs`" in d.cost.loop and "that calls `update`" in d.cost.loop


def test_a_shadowed_name_a_property_and_recursion_are_not_callers():
    shadowed = HELPER + "def fit(X, mus):\n    loglik = len\n    for mu in mus:\n        loglik(X)\n"
    assert _one(shadowed, "BL503").cost.loop is None
    recursive = HELPER.replace("    return np.sum(d * d, axis=1)\n",
                               "    for k in range(3):\n        loglik(x, mu)\n    return np.sum(d * d, axis=1)\n")
    assert _one(recursive, "BL503").cost.loop is None  # its own recursive call is not a caller's loop
    prop = NP + textwrap.dedent("""
        class M:
            @property
            def energy(self):
                return np.sum(self.x[1:] * self.x[:-1], axis=1)
            def run(self, steps):
                for s in range(steps):
                    e = self.energy
        """)
    assert _one(prop, "BL503").cost.loop is None


def test_a_callback_of_an_optimiser_runs_per_step_a_plot_callback_does_not():
    objective = HELPER.replace("def loglik(x, mu)", "def objective(x, mu)")
    optimised = _one(objective + "from scipy.optimize import minimize\n"
                                 "def train(X, m0):\n    return minimize(objective, m0, args=(X,))\n", "BL503")
    assert "repeated calls of `objective` by `minimize`" in optimised.cost.loop
    plotted = _one(objective + "def show(ax, X):\n    ax.plot_surface(objective, X)\n", "BL503")
    assert plotted.cost.loop is None
