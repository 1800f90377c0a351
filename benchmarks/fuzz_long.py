"""The long fuzz run, by hand: tests/test_fuzz.py under the ``long`` hypothesis profile
(3,000 mutated examples/fixtures, 600 grammar programs, 600 libcst-node programs),
with hypothesis's statistics (examples run, how many were rejected as invalid mutations).

    python benchmarks/fuzz_long.py [extra pytest args]
"""

import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

if __name__ == "__main__":
    env = dict(os.environ, HYPOTHESIS_PROFILE="long")
    sys.exit(subprocess.call([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                              os.path.join(ROOT, "tests", "test_fuzz.py"), "--hypothesis-show-statistics",
                              *sys.argv[1:]], env=env, cwd=ROOT))
