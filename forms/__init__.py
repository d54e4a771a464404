"""Co-produced advice templates and the code that turns them into web forms."""

from forms.templates import (
    AdviceTemplate,
    Question,
    Section,
    TemplateError,
    check_all,
    latest_version,
    load_template,
)

__all__ = [
    "AdviceTemplate",
    "Question",
    "Section",
    "TemplateError",
    "check_all",
    "latest_version",
    "load_template",
]
