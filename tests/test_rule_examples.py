"""Every rule's own VALID/INVALID examples (Fixit style) and its documentation page."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from blaslint.rules import all_rules as rule_classes
from support import fix, lint

RULES = rule_classes()
PAGES = Path(__file__).resolve().parent.parent / "rules"


def _cases(kind):
    for cls in RULES:
        for i, ex in enumerate(getattr(cls, kind)):
            yield pytest.param(cls, ex, id=f"{cls.code}-{kind.lower()}-{i}")


@pytest.mark.parametrize("cls,example", list(_cases("VALID")))
def test_valid_example_not_flagged(cls, example):
    found = [d for d in lint(example, {cls.code}) if d.code == cls.code]
    assert not found, f"{cls.code} flagged a valid example:\n{example}\n{found}"


@pytest.mark.parametrize("cls,example", list(_cases("INVALID")))
def test_invalid_example_flagged(cls, example):
    found = [d for d in lint(example.code, {cls.code}) if d.code == cls.code]
    assert len(found) == example.count, f"{cls.code}: expected {example.count} finding(s) in:\n{example.code}\n{found}"
    if example.fixed is not None:
        assert fix(example.code, {cls.code}, unsafe=example.unsafe) == example.fixed
        if example.unsafe:
            # an unsafe fix must not be applied without --unsafe-fixes
            assert all(d.fix is None or not d.fix.is_safe for d in found)
            assert fix(example.code, {cls.code}, unsafe=False) == example.code


def test_every_rule_has_examples_and_metadata():
    for cls in RULES:
        assert re.fullmatch(r"BL[1-8]\d\d", cls.code), cls.code
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", cls.name), cls.name
        assert cls.summary and cls.__doc__, cls.code
        assert cls.fix_safety in ("safe", "unsafe", "none"), cls.code
        assert cls.VALID and cls.INVALID, f"{cls.code} needs VALID and INVALID examples"
        assert cls.triggers, f"{cls.code} must declare prefilter triggers"


def _code_block(page: str, heading: str) -> str:
    m = re.search(rf"^## {re.escape(heading)}\s*\n(?:.*?\n)*?```python\n(.*?)```", page, re.M | re.S)
    assert m, f"no python block under '## {heading}'"
    return m.group(1)


@pytest.mark.parametrize("cls", RULES, ids=[c.code for c in RULES])
def test_rule_page(cls):
    page_path = PAGES / f"{cls.code}.md"
    assert page_path.exists(), f"missing rules/{cls.code}.md"
    page = page_path.read_text(encoding="utf-8")
    assert page.startswith(f"# {cls.code} {cls.name}"), "page must start with '# CODE name'"
    for heading in ("What it does", "Why is this bad?", "Measured cost", "Example", "Use instead", "Fix safety"):
        assert f"## {heading}" in page, f"rules/{cls.code}.md lacks '## {heading}'"
    bad = _code_block(page, "Example")
    good = _code_block(page, "Use instead")
    assert any(d.code == cls.code for d in lint(bad, {cls.code})), "the page's bad example is not flagged"
    assert not any(d.code == cls.code for d in lint(good, {cls.code})), "the page's good example is flagged"
