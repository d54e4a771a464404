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


def store_milestones(session: Session, assessment: Assessment) -> AdjustedMilestones:
    """Keep the assessment's stored milestone dates in step with its request date and its
    exceptions, so that lists, the work queue and reports filter on them in SQL.

    Called by whatever changes either: recording the assessment, and recording or ending an
    exception (after the session holds the change).
    """
    session.flush()
    milestones = milestones_of(session, assessment)
    assessment.decision_due_on = milestones.decision_due
    assessment.draft_due_on = milestones.draft_due
    assessment.final_due_on = milestones.final_due
    return milestones
