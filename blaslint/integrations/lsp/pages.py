"""Rule pages for the editor: where a page is (its URI) and what hover shows.

Page text, sections and rule names come from :mod:`blaslint.report.ruledocs`, the
loader of ``blaslint rule``, which also says where a page lies; here it
becomes a URI for ``codeDescription.href`` and the hover text.
"""

from __future__ import annotations

import functools

from blaslint.report import ruledocs


@functools.lru_cache(maxsize=None)
def page_uri(code: str) -> str | None:
    """A ``file://`` URI of the rule's page, for ``codeDescription.href`` (None: no page)."""
    path = ruledocs.page_path(code)
    return path.as_uri() if path is not None else None


@functools.lru_cache(maxsize=None)
def hover_markdown(code: str) -> str | None:
    """Hover text: the rule's name and summary, what it does, its measured cost, a link."""
    info = ruledocs.find_rule(code)
    if info is None:
        return None
    parts = [f"**{info.code} {info.name}**: {' '.join(info.summary.split())}"]
    sections = ruledocs.page_sections(ruledocs.rule_page(info))
    what = sections.get("What it does", "")
    if what.startswith(info.summary):  # generated pages repeat the summary
        what = what[len(info.summary):].lstrip(". \n")
    if what:
        parts.append(what)
    if not info.is_tool_code:
        parts.append("**Measured cost**\n\n" + (sections.get("Measured cost") or "not measured yet"))
    uri = page_uri(code)
    if uri:
        parts.append(f"[Rule page]({uri})")
    return "\n\n".join(parts)
