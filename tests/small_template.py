"""Health v90, the tests' own small template: every kind of question in three sections.

Published for one test by the `small_template` fixture (tests/conftest.py) as the newest health
template, so the web and browser tests can name exactly what they answer whatever the published
templates ask. Its involvement text is limited to 500 characters, its date of last contact is
required, where the child was seen is optional, and each piece of provision may give a start
date.
"""

from __future__ import annotations

from typing import Any

SMALL_TEMPLATE: dict[str, Any] = {
    "key": "health",
    "version": 90,
    "agency": "health",
    "title": "Health advice",
    "audience": "professional",
    "introduction": "A template with every kind of question, for the tests.",
    "co_production": {"with": "the test suite", "approved_on": "2026-11-01"},
    "registration_bodies": ["HCPC", "GMC"],
    "sections": [
        {
            "id": "involvement",
            "title": "Your involvement",
            "questions": [
                {
                    "id": "discipline",
                    "kind": "radios",
                    "label": "Your discipline",
                    "options": [
                        {"value": "paediatrics", "label": "Paediatrics"},
                        {"value": "salt", "label": "Speech and language therapy"},
                    ],
                },
                {"id": "on_caseload", "kind": "yes_no", "label": "Is the child on your caseload?"},
                {
                    "id": "involvement",
                    "kind": "textarea",
                    "label": "How do you know the child?",
                    "max_length": 500,
                },
                {"id": "seen_on", "kind": "date", "label": "When did you last see them?"},
                {
                    "id": "settings",
                    "kind": "checkboxes",
                    "label": "Where have you seen them?",
                    "required": False,
                    "options": [
                        {"value": "clinic", "label": "Clinic"},
                        {"value": "school", "label": "School"},
                        {"value": "home", "label": "Home"},
                    ],
                },
            ],
        },
        {
            "id": "communication",
            "title": "Communication and interaction",
            "can_skip": True,
            "questions": [{"id": "needs", "kind": "textarea", "label": "What are their needs?"}],
        },
        {
            "id": "provision",
            "title": "Provision",
            "questions": [
                {
                    "id": "items",
                    "kind": "group",
                    "label": "Provision",
                    "item_label": "piece of provision",
                    "max_items": 3,
                    "fields": [
                        {
                            "id": "what",
                            "kind": "textarea",
                            "label": "What",
                            "check_vague_wording": True,
                        },
                        {"id": "who", "kind": "text", "label": "Delivered by", "max_length": 200},
                        {
                            "id": "starts_on",
                            "kind": "date",
                            "label": "Starting on",
                            "required": False,
                        },
                        {
                            "id": "section",
                            "kind": "radios",
                            "label": "Plan section",
                            "options": [{"value": "F", "label": "F"}, {"value": "G", "label": "G"}],
                        },
                    ],
                },
            ],
        },
    ],
}
