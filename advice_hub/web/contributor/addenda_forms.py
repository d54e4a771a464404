"""The author's addendum form.

Field names match the `field` the domain names in its refusals, so each refusal lands on the
input it is about. The forms check presence, length and text hygiene; the domain checks again.
"""

from __future__ import annotations

from flask_wtf import FlaskForm

from advice_hub.sealing.addenda import REASON_MAX, TEXT_MAX
from advice_hub.web.formkit import required_textarea


class AddendumForm(FlaskForm):
    """The addendum and why. Posted with the declaration form, which carries the CSRF token,
    so this one does not look for a second."""

    class Meta:
        csrf = False

    text = required_textarea("Your addendum", "Enter your addendum", TEXT_MAX)
    reason = required_textarea("Why you are adding it", "Enter why you are adding it", REASON_MAX)
