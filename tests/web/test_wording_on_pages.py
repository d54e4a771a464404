"""Counts and agency names on staff pages and in their messages read one way: "1 request",
"social care advice and health advice", "Parent or carer"."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from advice_hub.deadlines import london_date
from advice_hub.models import Agency, utcnow
from tests.factories import make_assessment
from tests.html import parse_page, text_of
from tests.journey import csrf_of
from tests.web.test_advice_counts import of, pass_health_on, seal

TODAY = london_date(utcnow())


def test_agreeing_with_one_contributor_says_one_request_is_being_sent(
    signed_in: FlaskClient, session: Any, jobs: Any
) -> None:
    assessment = make_assessment(session, agencies=(Agency.PARENT_CARER,))
    session.commit()
    url = f"/assessments/{assessment.id}"
    page = signed_in.get(url)
    response = signed_in.post(
        f"{url}/agree",
        data={
            "csrf_token": csrf_of(page.data),
            "decided_on-day": str(TODAY.day),
            "decided_on-month": str(TODAY.month),
            "decided_on-year": str(TODAY.year),
        },
    )
    assert response.status_code == 302
    shown = text_of(parse_page(signed_in.get(url).data))
    assert "Decision recorded. 1 request for advice is being sent." in shown
    assert "Decision to assess recorded: 1 request for advice to send" in shown


def test_the_contributors_to_be_asked_are_named_by_their_agency_label(
    signed_in: FlaskClient, session: Any
) -> None:
    assessment = make_assessment(
        session, agencies=(Agency.PARENT_CARER, Agency.PREPARATION_FOR_ADULTHOOD)
    )
    session.commit()
    shown = text_of(parse_page(signed_in.get(f"/assessments/{assessment.id}").data))
    assert "(Parent or carer)" in shown
    assert "(Preparation for adulthood)" in shown


def test_the_appendix_names_the_advice_still_awaited_the_same_way_each_time(
    signed_in: FlaskClient, session: Any
) -> None:
    assessment = make_assessment(
        session, agreed=True, agencies=(Agency.EDUCATION, Agency.SOCIAL_CARE, Agency.HEALTH)
    )
    session.commit()
    seal(session, of(assessment, Agency.EDUCATION))
    pass_health_on(session, assessment)  # the colleague's request is the same health advice
    session.commit()
    shown = text_of(parse_page(signed_in.get(f"/assessments/{assessment.id}/appendix").data))
    assert (
        "Not in the appendix yet, because they have not been returned: "
        "social care advice and health advice." in shown
    )


def test_one_piece_of_advice_awaited_is_it_not_they(signed_in: FlaskClient, session: Any) -> None:
    assessment = make_assessment(session, agreed=True, agencies=(Agency.EDUCATION, Agency.HEALTH))
    session.commit()
    seal(session, of(assessment, Agency.EDUCATION))
    session.commit()
    shown = text_of(parse_page(signed_in.get(f"/assessments/{assessment.id}/appendix").data))
    assert "because it has not been returned: health advice." in shown
