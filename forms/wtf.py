"""Turns an advice template into a flask-wtf form class, one field per question."""

from __future__ import annotations

from functools import cache

from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import Length, Optional

from forms.templates import AdviceTemplate, Question, Section, load_template
from forms.text import NoControlCharacters, clean_text


def field_name(section: Section, question: Question) -> str:
    return f"{section.id}__{question.id}"


def answer_key(section: Section, question: Question) -> str:
    """How an answer is keyed in drafts and in the sealed document."""
    return f"{section.id}.{question.id}"


@cache
def answers_form_class(key: str, version: int) -> type[FlaskForm]:
    """A form class for one pinned template version (cached: versions never change)."""
    template: AdviceTemplate = load_template(key, version)
    attributes: dict[str, object] = {}
    for section, question in template.questions():
        validators = [
            Optional(),
            Length(
                max=question.max_length,
                message=f"Your answer must be {question.max_length:,} characters or fewer",
            ),
            NoControlCharacters(),
        ]
        field_class = TextAreaField if question.kind == "textarea" else StringField
        attributes[field_name(section, question)] = field_class(
            question.label, validators, filters=[clean_text]
        )
    return type(f"AnswersForm_{key}_v{version}", (FlaskForm,), attributes)
