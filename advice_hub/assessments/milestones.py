"""The council's milestones of stored assessments, moved by their exceptions (the arithmetic
is ``advice_hub.deadlines.adjusted_milestones``), read for many assessments in one statement.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from advice_hub.deadlines import AdjustedMilestones, adjusted_milestones
from advice_hub.models import Assessment, AssessmentException


def milestones_for(
    session: Session, assessments: Sequence[Assessment]
) -> dict[uuid.UUID, AdjustedMilestones]:
    """Each assessment's decision, draft and final plan dates after its exceptions."""
    periods: dict[uuid.UUID, list[tuple[date, date | None]]] = defaultdict(list)
    ids = [assessment.id for assessment in assessments]
    if ids:
        rows = session.execute(
            select(
                AssessmentException.assessment_id,
                AssessmentException.starts_on,
                AssessmentException.ends_on,
            ).where(AssessmentException.assessment_id.in_(ids))
        )
        for assessment_id, starts_on, ends_on in rows:
            periods[assessment_id].append((starts_on, ends_on))
    return {a.id: adjusted_milestones(a.requested_on, periods[a.id]) for a in assessments}


def milestones_of(session: Session, assessment: Assessment) -> AdjustedMilestones:
    """One assessment's milestones after its exceptions."""
    return milestones_for(session, [assessment])[assessment.id]
