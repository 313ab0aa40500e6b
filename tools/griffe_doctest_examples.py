"""A griffe extension for the documentation site (mkdocs.yml): docstrings write ``Example:`` (as
Keras's do) above ``>>>`` sessions, but griffe's Google-style parser only knows the plural
``Examples:`` section with its content indented, and renders anything else as Markdown text, where
``>>>`` lines become nested block quotes and ``x["a"]["b"]`` a broken link. This rewrites such a
block as an indented ``Examples:`` section for the site only, so the sessions render as code
(``help()`` is unchanged)."""
from __future__ import annotations

import re

import griffe

_HEADING = re.compile(r"^([ \t]*)Examples?:[ \t]*$")
_ANY_SECTION = re.compile(r"^[ \t]*[A-Z][A-Za-z ]*:[ \t]*$")


def as_examples_section(text):
    """``text`` with each ``Example:``/``Examples:`` block of ``>>>`` sessions as an indented
    ``Examples:`` section."""
    lines = text.split("\n")
    out = []
    i = 0
    while i < len(lines):
        m = _HEADING.match(lines[i])
        j = i + 1
        while j < len(lines) and not lines[j].strip():
            j += 1
        if not m or j == len(lines) or not lines[j].lstrip().startswith(">>>"):
            out.append(lines[i])
            i += 1
            continue
        indent = m.group(1)
        out.append(f"{indent}Examples:")
        body_indent = len(lines[j]) - len(lines[j].lstrip())
        k = j  # griffe wants the section's content right under its heading: no blank line
        while k < len(lines):  # the block: up to the next section heading at the heading's indent
            line = lines[k]
            if line.strip() and len(line) - len(line.lstrip()) <= len(indent) and _ANY_SECTION.match(line):
                break
            if line.strip() and body_indent <= len(indent):
                line = "    " + line  # content level with the heading: indent it under the section
            out.append(line)
            k += 1
        i = k
    return "\n".join(out)


class DoctestExamples(griffe.Extension):
    def on_instance(self, *, obj, **kwargs):
        doc = getattr(obj, "docstring", None)
        if doc is not None and "Example" in doc.value and ">>>" in doc.value:
            doc.value = as_examples_section(doc.value)
