"""JUnit XML (for CI systems that show test reports): a test suite per file,
a failing test case per finding, one passing case when there is none."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from itertools import groupby

from blaslint.core.diagnostics import Diagnostic
from blaslint.report import ReportEnv, register

# Characters XML 1.0 cannot hold at all, even escaped.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _clean(text: str) -> str:
    return _XML_INVALID.sub("\ufffd", text)


def _where(d: Diagnostic) -> str:
    cell = f"cell {d.cell}, " if d.cell is not None else ""
    return f"{cell}line {d.line}, col {d.col}"


@register("junit")
def render_junit(diags: list[Diagnostic], env: ReportEnv) -> str:
    root = ET.Element("testsuites", name="blaslint", tests=str(max(len(diags), 1)),
                      failures=str(len(diags)), errors="0")
    if not diags:
        suite = ET.SubElement(root, "testsuite", name="blaslint", tests="1", failures="0", errors="0")
        ET.SubElement(suite, "testcase", name="No errors found", classname="blaslint")
    for path, group in groupby(diags, key=lambda d: d.path):
        items = list(group)
        suite = ET.SubElement(root, "testsuite", name=_clean(path), tests=str(len(items)),
                              failures=str(len(items)), errors="0")
        for d in items:
            case = ET.SubElement(suite, "testcase", name=f"org.blaslint.{d.code}", classname=_clean(path),
                                 file=_clean(path), line=str(d.line))
            failure = ET.SubElement(case, "failure", message=_clean(d.message), type=d.code)
            failure.text = _clean(f"{_where(d)}, {d.code} {d.name}: {d.message}")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
