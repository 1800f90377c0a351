"""``blaslint measure`` and ``blaslint doctor``: the one mode that runs code.

measure lints PATHS, then runs the command the user names with the flagged
sites (only those) wrapped in memory, records what they cost and what their
operands look like, and times each side-effect-free fix on copies of a few
captured operands. doctor states which BLAS each library loaded.

The child-side modules (hook, timing, replay, doctor) import nothing from
blaslint: the child may be another interpreter, and they load by file path.
"""
