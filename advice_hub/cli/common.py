"""What every command shares: the app's services, and arguments checked the same way."""

from __future__ import annotations

import click

from advice_hub.models import Agency
from advice_hub.services import Services, current_services


def services() -> Services:
    """The running app's services (commands run inside its app context)."""
    return current_services()


def agency_argument(value: str) -> str:
    """An AGENCY argument, refused with the list of agencies when it is not one of them."""
    try:
        return Agency(value).value
    except ValueError:
        raise click.BadParameter(
            f"must be one of {', '.join(a.value for a in Agency)}", param_hint="AGENCY"
        ) from None


def email_option(value: str, hint: str) -> str:
    """An email address, normalised, or refused saying what is wrong with it."""
    from email_validator import EmailNotValidError, validate_email

    try:
        return str(validate_email(value, check_deliverability=False).normalized)
    except EmailNotValidError as exc:
        raise click.BadParameter(str(exc), param_hint=hint) from None
