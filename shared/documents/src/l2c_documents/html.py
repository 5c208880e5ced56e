"""HTML documents from Jinja templates with autoescaping on: every value a template shows is
escaped unless the template says otherwise, so a customer named "<script>…" prints as text."""

from __future__ import annotations

from jinja2 import Environment, StrictUndefined, Template

_ENVIRONMENT = Environment(autoescape=True, undefined=StrictUndefined, keep_trailing_newline=True)


def html_template(source: str) -> Template:
    """A template whose output escapes every interpolated value; a missing value is an error."""
    return _ENVIRONMENT.from_string(source)
