"""Auto-reply templates: `{client_name}`, `{subject}` and `{company_name}`, nothing else.

Not `str.format`: a template written by a user (or a subject written by a stranger) must never
reach attributes or indexes (`{subject.__class__}`), so only the three names are replaced and
every other brace stays as written. Values are inserted once, never re-expanded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PLACEHOLDERS = ("client_name", "subject", "company_name")
_PLACEHOLDER = re.compile(r"\{(client_name|subject|company_name)\}")
# Every control character (line breaks of every kind among them), the line and paragraph
# separators, and lone surrogates, which no header can carry.
_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]+")
# A subject line longer than this is cut: RFC 5322 lines stop at 998 characters.
MAX_SUBJECT_CHARS = 250


@dataclass(frozen=True, slots=True)
class TemplateValues:
    """What a template may mention."""

    client_name: str
    subject: str
    company_name: str


def render(template: str, values: TemplateValues) -> str:
    """Return `template` with the three placeholders replaced by `values` (one pass)."""
    mapping = {
        "client_name": values.client_name,
        "subject": values.subject,
        "company_name": values.company_name,
    }
    return _PLACEHOLDER.sub(lambda m: mapping[m.group(1)], template)


def one_line(text: str, limit: int = MAX_SUBJECT_CHARS) -> str:
    """`text` on one line with no control or separator character (no header injection),
    whitespace collapsed, at most `limit` characters."""
    flat = " ".join(_UNSAFE.sub(" ", text).split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def render_subject(template: str, values: TemplateValues) -> str:
    """The subject of an auto-reply: rendered from header-safe values, on one line."""
    safe = TemplateValues(
        client_name=one_line(values.client_name),
        subject=one_line(values.subject),
        company_name=one_line(values.company_name),
    )
    return one_line(render(template, safe))


def unknown_placeholders(template: str) -> list[str]:
    """Names in `{…}` that are not placeholders: a hint for the user who wrote the template."""
    found = re.findall(r"\{([A-Za-z_][A-Za-z0-9_]*)\}", template)
    return sorted({name for name in found if name not in PLACEHOLDERS})
