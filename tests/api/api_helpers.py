"""Helpers for the API tests: keys, request bodies and sealing, kept apart from fixtures."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any

from flask import Flask
from sqlalchemy.orm import Session

from advice_hub.accounts.api_keys import SCOPES, create_api_key
from advice_hub.deadlines import london_date
from advice_hub.models import AdviceRequest, SealedAdvice, utcnow
from advice_hub.requests.seal import seal_submission
from forms import load_template
from tests.conftest import services
from tests.factories import CASEWORK_TEAM, casework_team

API = "/api/v1"
FOUR_AGENCIES = ("education", "educational_psychology", "health", "social_care")


@contextmanager
def transaction(app: Flask) -> Iterator[Session]:
    """A short session that commits at the end.

    Kept short on purpose: on SQLite an open transaction holds the write lock, and a test
    request made while it is open would wait for it.
    """
    with services(app).session_factory() as session, session.begin():
        yield session


def issue_key(
    app: Flask,
    name: str = "case-system",
    *,
    team: str = CASEWORK_TEAM,
    scopes: Collection[str] = tuple(SCOPES),
) -> str:
    """A key for ``team`` (made if missing) holding ``scopes``, by default every one."""
    with transaction(app) as session:
        return create_api_key(session, name, team=casework_team(session, team), scopes=scopes)


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def today() -> date:
    return london_date(utcnow())


def contributor_payload(agency: str, n: int = 1, **overrides: Any) -> dict[str, Any]:
    body = {
        "agency": agency,
        "name": f"Contributor {n}",
        "email": f"{agency}.{n}@example.org",
        "organisation": f"{agency.replace('_', ' ').title()} Service",
        "role": "Practitioner",
    }
    body.update(overrides)
    return body


def assessment_payload(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "child": {
            "given_names": "Sam",
            "family_name": "Taylor-Brown",
            "date_of_birth": "2016-05-03",
            "year_group": 4,
        },
        "requested_on": (today() - timedelta(days=20)).isoformat(),
        "contributors": [
            contributor_payload(agency, n) for n, agency in enumerate(FOUR_AGENCIES, start=1)
        ],
    }
    body.update(copy.deepcopy(overrides))
    return body


def seal(app: Flask, advice_request_id: str) -> SealedAdvice:
    """Submit advice for one request the way the contributor's form does, and commit."""
    with transaction(app) as session:
        advice_request = session.get_one(AdviceRequest, uuid.UUID(advice_request_id))
        template = load_template(advice_request.template_key, advice_request.template_version)
        # Non-ASCII on purpose: the canonical text keeps characters as themselves.
        answers = {
            f"{section.id}.{question.id}": f"Réponse to {question.id}: 1:1 support — “daily”"
            for section, question in template.questions()
            if question.kind in {"text", "textarea"}
        }
        return seal_submission(
            session,
            advice_request,
            answers=answers,
            declaration={
                "name": "Dr A Okafor",
                "role": "Paediatrician",
                "registration": "GMC 1234567",
            },
            now=utcnow(),
            actor="contributor",
        )
