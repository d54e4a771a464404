"""Who a contributor contacts about an assessment: its case officer, or the SEND team when
the assessment has no named officer yet. Emails and pages say the same."""

from __future__ import annotations

from dataclasses import dataclass

from advice_hub.config import Settings
from advice_hub.models import Assessment


@dataclass(frozen=True)
class Contact:
    name: str
    email: str


def council_contact(assessment: Assessment, settings: Settings) -> Contact:
    """The person (or team mailbox) contributors reply to about ``assessment``."""
    officer = assessment.case_officer
    if officer is not None:
        return Contact(officer.name, officer.email)
    return Contact(settings.send_team_name, settings.send_team_email)
