"""Fuzzing: blaslint never raises, never reports BL999, and every fix re-parses and is idempotent.

A bounded, deterministic run in the suite (``derandomize=True``). A long run by hand:

    HYPOTHESIS_PROFILE=long python -m pytest -q tests/test_fuzz.py --hypothesis-show-statistics

(``python benchmarks/fuzz_long.py`` does exactly that.)
"""

from __future__ import annotations

import os

import hypothesmith
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fuzz_strategies import (
    assert_never_crashes,
    insert,
    insertion_points,
    mutated_programs,
    nest,
    rename,
    seed_programs,
)

_QUIET = [HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large]
settings.register_profile("ci", derandomize=True, deadline=None, suppress_health_check=_QUIET,
                          database=None, print_blob=True)
settings.register_profile("long", deadline=None, suppress_health_check=_QUIET, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
LONG = os.environ.get("HYPOTHESIS_PROFILE") == "long"


def _examples(ci: int, long: int):
    return settings(max_examples=long if LONG else ci)


PREFIXES = st.sampled_from(["", "import numpy as np\n", "import numpy as np\nimport scipy.linalg as la\nimport torch\n"])


@pytest.mark.parametrize("index", range(len(seed_programs())))
def test_every_seed_program_as_is(index):
    """Each rule example and fixture unmutated: the fuzzers' starting points pass too."""
    assert_never_crashes(seed_programs()[index])


@_examples(ci=150, long=3_000)
@given(mutated_programs())
def test_mutated_examples_and_fixtures(code):
    assert_never_crashes(code)


@_examples(ci=25, long=600)
@given(PREFIXES, hypothesmith.from_grammar())
def test_programs_from_the_grammar(prefix, code):
    assert_never_crashes(prefix + code)


@_examples(ci=25, long=600)
@given(PREFIXES, hypothesmith.from_node())
def test_programs_from_libcst_nodes(prefix, code):
    assert_never_crashes(prefix + code)


# -- the mutations themselves keep code valid and do what they say ------------------------

def test_rename_touches_names_only():
    code = "x = 1\ns = 'x'  # x\ny = x + f(x=x)\n"
    assert rename(code, "x", "renamed") == "renamed = 1\ns = 'x'  # x\ny = renamed + f(renamed=renamed)\n"


def test_nest_keeps_imports_first_and_parses():
    code = '"""doc"""\nfrom __future__ import annotations\nimport numpy as np\n@dec\ndef f():\n    pass\nx = 1\n'
    nested = nest(code, "try:", "except Exception:\n    pass\n")
    assert nested.startswith('"""doc"""\nfrom __future__ import annotations\nimport numpy as np\ntry:\n    @dec\n')
    compile(nested, "n.py", "exec")


def test_insertion_points_cover_nested_blocks():
    code = "import numpy as np\ndef f(a):\n    if a:\n        return a\n    return 0\n"
    points = insertion_points(code)
    assert (3, "        ") in points and (1, "") in points
    compile(insert(code, 3, "        ", "a = a.T"), "i.py", "exec")
