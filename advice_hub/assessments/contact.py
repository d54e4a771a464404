"""Who a contributor contacts about an assessment: its case officer, or the SEND team when
the assessment has no named officer yet. Emails and pages say the same."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from advice_hub.models import Assessment


@dataclass(frozen=True)
class Contact:
    name: str
    email: str


def council_contact(assessment: Assessment, settings: Mapping[str, Any]) -> Contact:
    """The person (or team mailbox) contributors reply to about ``assessment``."""
    officer = assessment.case_officer
    if officer is not None:
        return Contact(officer.name, officer.email)
    return Contact(settings["SEND_TEAM_NAME"], settings["SEND_TEAM_EMAIL"])
