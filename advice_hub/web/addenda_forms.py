"""Forms for addenda: the author's addendum, and the case officer's request for one.

Field names match the `field` the domain names in its refusals, so each refusal lands on the
input it is about. The forms check presence, length and text hygiene; the domain checks again.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from advice_hub.domain.addenda import NOTE_MAX, REASON_MAX, TEXT_MAX
from advice_hub.web.formkit import NoControlCharacters, clean_text


def _textarea(label: str, missing: str, limit: int) -> TextAreaField:
    return TextAreaField(
        label,
        [
            DataRequired(missing),
            Length(max=limit, message=f"{label} must be {limit:,} characters or fewer"),
            NoControlCharacters(),
        ],
        filters=[clean_text],
    )


class AddendumForm(FlaskForm):
    """The addendum and why. Posted with the declaration form, which carries the CSRF token,
    so this one does not look for a second."""

    class Meta:
        csrf = False

    text = _textarea("Your addendum", "Enter your addendum", TEXT_MAX)
    reason = _textarea("Why you are adding it", "Enter why you are adding it", REASON_MAX)


class AddendumRequestForm(FlaskForm):
    note = _textarea(
        "What you are asking the author for",
        "Enter what you are asking the author to add or correct",
        NOTE_MAX,
    )
