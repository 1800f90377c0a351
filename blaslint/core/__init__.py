"""The engine and what it needs: source text, one traversal, the rule base class, findings, fixes, suppressions.

Nothing here knows a rule: :mod:`blaslint.rules` fills the registry of :mod:`.rule` when the
engine's caller imports it.
"""
