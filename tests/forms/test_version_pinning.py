"""A request keeps the template version it was sent with after a newer one is published."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from forms.publish import publish_template
from forms.templates import load_template
from tests.factories import make_assessment
from tests.forms.conftest import REAL_DEFINITIONS


def test_requests_keep_their_version_when_a_newer_one_is_published(
    session: Any, definitions: Path, tmp_path: Path
) -> None:
    for path in definitions.glob("*.v2.json"):
        path.unlink()
    before = make_assessment(session, agreed=True)
    session.commit()
    assert {r.template_version for r in before.advice_requests} == {1}

    staging = tmp_path / "staging"
    staging.mkdir()
    for path in sorted(REAL_DEFINITIONS.glob("*.v2.json")):
        publish_template(Path(shutil.copy(path, staging)))
    after = make_assessment(session, agreed=True, given_names="Alex")
    session.commit()

    session.expire_all()
    assert {r.template_version for r in before.advice_requests} == {1}
    assert {r.template_version for r in after.advice_requests} == {2}
    health_before = next(r for r in before.advice_requests if r.agency == "health")
    pinned = load_template(health_before.template_key, health_before.template_version)
    assert [s.id for s in pinned.sections] == ["involvement", "needs", "provision"]
