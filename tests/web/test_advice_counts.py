"""The counts case officers read: each piece of advice sought counted once, on the assessment
page and in the list alike, whoever ends up writing it; and the list costs the same number of
SQL statements however many assessments it shows."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask.testing import FlaskClient

from advice_hub.assessments.assessment_actions import ExistingAdvice, record_reuse
from advice_hub.assessments.request_actions import withdraw_request
from advice_hub.models import AdviceRequest, Agency, Assessment, utcnow
from advice_hub.requests.alternatives import decline_not_known, pass_on
from advice_hub.requests.seal import seal_submission
from tests.factories import first_text_key, make_assessment
from tests.html import parse_page, text_of
from tests.statements import statements

NOW = utcnow()


def of(assessment: Assessment, agency: Agency) -> AdviceRequest:
    return next(r for r in assessment.advice_requests if r.agency == agency)


def seal(session: Any, advice_request: AdviceRequest) -> None:
    seal_submission(
        session,
        advice_request,
        answers={first_text_key(advice_request): "Needs a quiet space to work."},
        declaration={"name": advice_request.contributor.name, "role": "Practitioner"},
        now=NOW,
        actor="test",
    )


def pass_health_on(session: Any, assessment: Assessment) -> AdviceRequest:
    """The health contributor passes the request to a colleague; returns the colleague's."""
    return pass_on(
        session,
        of(assessment, Agency.HEALTH),
        colleague_name="Dr Pat Lee",
        colleague_email="pat.lee@nhs.example.org",
        colleague_role="Community paediatrician",
        now=NOW,
        actor="contributor:health.3@example.org",
    )


def reuse_for(session: Any, assessment: Assessment, replaced: AdviceRequest | None) -> None:
    record_reuse(
        session,
        assessment,
        advice=ExistingAdvice(
            agency=Agency.SOCIAL_CARE.value,
            description="Child in need assessment, held by the disability team",
            author_name="Jo Social",
            advice_dated=date(2026, 1, 5),
            author_agreed_on=date(2026, 1, 6),
            la_agreed_on=date(2026, 1, 6),
            family_agreed_on=date(2026, 1, 7),
            family_agreed_by="Alex Taylor-Brown",
        ),
        replaced_request=replaced,
        now=NOW,
        actor="user:1",
        actor_name="Olu Adeyemi",
    )


def progress_on_page(client: FlaskClient, assessment: Assessment) -> str:
    page = parse_page(client.get(f"/assessments/{assessment.id}").data)
    heading = page.find("h2", string="Advice requests")
    return heading.find_next_sibling("p").get_text(" ", strip=True)


def progress_in_list(client: FlaskClient, assessment: Assessment) -> str:
    page = parse_page(client.get("/assessments").data)
    link = page.find("a", string=assessment.reference)
    return link.find_parent("tr").find_all("td")[-1].get_text(" ", strip=True)


def test_a_request_passed_on_and_its_replacement_count_as_one_piece_of_advice(
    signed_in: FlaskClient, session: Any
) -> None:
    assessment = make_assessment(session, agreed=True)  # four agencies
    session.commit()
    colleague = pass_health_on(session, assessment)
    session.commit()
    assert progress_on_page(signed_in, assessment) == "0 of 4 returned."
    assert progress_in_list(signed_in, assessment) == "0 of 4"
    seal(session, colleague)
    session.commit()
    assert progress_on_page(signed_in, assessment) == "1 of 4 returned."
    assert progress_in_list(signed_in, assessment) == "1 of 4"


def test_withdrawn_requests_are_not_sought_unless_existing_advice_replaced_them(
    signed_in: FlaskClient, session: Any
) -> None:
    assessment = make_assessment(session, agreed=True)
    session.commit()
    withdraw_request(
        session, of(assessment, Agency.EDUCATION), reason="Asked twice", now=NOW, actor="user:1"
    )
    session.commit()
    assert progress_on_page(signed_in, assessment) == "0 of 3 returned."
    reuse_for(session, assessment, replaced=of(assessment, Agency.SOCIAL_CARE))
    session.commit()
    expected = "1 of 3 returned. 1 piece of existing advice reused."
    assert progress_on_page(signed_in, assessment) == expected
    assert progress_in_list(signed_in, assessment) == "1 of 3 1 piece of existing advice reused."


def test_a_service_that_does_not_know_the_child_is_counted_as_still_missing_advice(
    signed_in: FlaskClient, session: Any
) -> None:
    assessment = make_assessment(session, agreed=True)
    session.commit()
    for agency in (Agency.SOCIAL_CARE, Agency.EDUCATIONAL_PSYCHOLOGY):
        decline_not_known(
            session,
            of(assessment, agency),
            what_we_know="",
            name="Jo Duty",
            role="Duty manager",
            now=NOW,
            actor="contributor:x",
        )
    seal(session, of(assessment, Agency.EDUCATION))
    session.commit()
    expected = "1 of 4 returned. 2 services do not know the child."
    assert progress_on_page(signed_in, assessment) == expected


def test_an_assessment_whose_every_request_was_withdrawn_says_so_in_the_list(
    signed_in: FlaskClient, session: Any
) -> None:
    assessment = make_assessment(session, agreed=True, agencies=(Agency.HEALTH,))
    session.commit()
    withdraw_request(
        session, of(assessment, Agency.HEALTH), reason="Asked twice", now=NOW, actor="user:1"
    )
    session.commit()
    assert progress_in_list(signed_in, assessment) == "None sought: every request was withdrawn"


# --- The list's cost ----------------------------------------------------------------------------


def busy_assessment(session: Any, n: int) -> None:
    """An assessment with a passed-on request, a decline, a withdrawal and reused advice."""
    assessment = make_assessment(session, agreed=True, given_names=f"Child {n}")
    session.flush()
    pass_health_on(session, assessment)
    decline_not_known(
        session,
        of(assessment, Agency.EDUCATIONAL_PSYCHOLOGY),
        what_we_know="",
        name="Jo Duty",
        role="Duty manager",
        now=NOW,
        actor="contributor:x",
    )
    reuse_for(session, assessment, replaced=of(assessment, Agency.SOCIAL_CARE))
    seal(session, of(assessment, Agency.EDUCATION))
    session.commit()


def test_the_list_runs_as_many_statements_for_many_assessments_as_for_one(
    signed_in: FlaskClient, session: Any, svc: Any
) -> None:
    busy_assessment(session, 1)
    with statements(svc.engine) as few:
        page = signed_in.get("/assessments")
    assert "2 of 4" in text_of(parse_page(page.data))
    for n in range(2, 7):
        busy_assessment(session, n)
    with statements(svc.engine) as many:
        page = signed_in.get("/assessments")
    assert text_of(parse_page(page.data)).count("2 of 4") == 6
    assert len(many) == len(few), many
