"""The contributor's journey: emailed link, start page, form, check answers, declaration, receipt.

Link scanners open links before people do, so GET never changes anything: the token is
exchanged for a cookie only when the contributor presses Start (a POST).
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from sqlalchemy.orm.exc import StaleDataError

from advice_hub.db_session import db
from advice_hub.domain.drafts import DraftConflictError, save_draft
from advice_hub.domain.links import find_usable_token, redeem_link_token
from advice_hub.domain.sealing import AlreadySealedError, seal_submission
from advice_hub.models import AdviceDraft, AdviceRequest, RequestStatus, utcnow
from advice_hub.web.contributor_access import AccessDenied, grant_access, granted_request
from advice_hub.web.contributor_forms import DeclarationForm
from advice_hub.web.formkit import error_list
from forms import load_template
from forms.wtf import answer_key, answers_form_class, field_name

bp = Blueprint("contributor", __name__)

PROFESSIONAL_REGISTRATION = {
    "education",
    "educational_psychology",
    "health",
    "social_care",
    "preparation_for_adulthood",
    "other",
}


@bp.errorhandler(AccessDenied)
def _access_denied(exc: AccessDenied) -> Any:
    return render_template(
        "contributor/no_access.html", page_title="Open the link in your email", reason=exc.reason
    ), 403


def _context(advice_request: AdviceRequest) -> dict[str, Any]:
    template = load_template(advice_request.template_key, advice_request.template_version)
    return {
        "advice_request": advice_request,
        "assessment": advice_request.assessment,
        "template": template,
        "home_url": url_for("contributor.form", request_id=advice_request.id),
    }


def _actor(advice_request: AdviceRequest) -> str:
    return f"contributor:{advice_request.contributor.email}"


@bp.route("/a/<token>", methods=["GET"])
def start(token: str) -> Any:
    link = find_usable_token(db(), token, now=utcnow())
    if link is None:
        return render_template("contributor/link_invalid.html", page_title="Link not valid"), 404
    return render_template(
        "contributor/start.html", page_title="Give your advice", **_context(link.advice_request)
    )


@bp.route("/a/<token>", methods=["POST"])
def redeem(token: str) -> Any:
    session = db()
    link = find_usable_token(session, token, now=utcnow())
    if link is None:
        return render_template("contributor/link_invalid.html", page_title="Link not valid"), 404
    advice_request = redeem_link_token(session, link, now=utcnow())
    session.commit()
    target = (
        "contributor.submitted"
        if advice_request.status == RequestStatus.SUBMITTED
        else "contributor.form"
    )
    response = redirect(url_for(target, request_id=advice_request.id), code=303)
    grant_access(response, link)
    return response


@bp.route("/advice/<uuid:request_id>", methods=["GET", "POST"])
def form(request_id: uuid.UUID) -> Any:
    session = db()
    advice_request = granted_request(request_id)
    if advice_request.status == RequestStatus.SUBMITTED:
        return redirect(url_for("contributor.submitted", request_id=request_id))
    template = load_template(advice_request.template_key, advice_request.template_version)
    form_class = answers_form_class(template.key, template.version)
    draft = session.get(AdviceDraft, advice_request.id)
    saved = draft.answers if draft is not None else {}
    conflict = False
    if request.method == "GET":
        answers_form = form_class(
            data={
                field_name(s, q): saved.get(answer_key(s, q), "") for s, q in template.questions()
            }
        )
        version = draft.version if draft is not None else ""
        errors: list[dict[str, str]] = []
    else:
        answers_form = form_class()
        answers_form.validate()
        version = request.form.get("draft_version", "")
        # Save every answer that passed its checks; the rest stay on the page to be fixed.
        answers = {
            answer_key(s, q): answers_form[field_name(s, q)].data
            for s, q in template.questions()
            if not answers_form[field_name(s, q)].errors
        }
        try:
            draft = save_draft(
                session,
                advice_request,
                answers,
                expected_version=int(version) if version.isdigit() else None,
                now=utcnow(),
                actor=_actor(advice_request),
            )
            session.commit()
            version = draft.version
        except DraftConflictError as exc:
            session.rollback()
            conflict = True
            version = exc.current.version
        except StaleDataError:
            # Another save landed between our check and our write: the same conflict.
            session.rollback()
            conflict = True
            current = session.get(AdviceDraft, advice_request.id)
            version = current.version if current is not None else ""
        errors = error_list(answers_form)
        if not errors and not conflict:
            if request.form.get("action") == "continue":
                missing = [
                    (s, q)
                    for s, q in template.questions()
                    if q.required and not answers_form[field_name(s, q)].data
                ]
                if not missing:
                    return redirect(url_for("contributor.check", request_id=request_id), code=303)
                for s, q in missing:
                    answers_form[field_name(s, q)].errors = ["Answer this question to continue"]
                errors = error_list(answers_form)
            else:
                flash(
                    "Your answers have been saved. You can close this page and come back later "
                    "with the link in your email."
                )
                return redirect(url_for("contributor.form", request_id=request_id), code=303)
    return render_template(
        "contributor/form.html",
        page_title=template.title,
        form=answers_form,
        errors=errors,
        conflict=conflict,
        form_has_errors=bool(errors),
        draft_version=version,
        field_name=field_name,
        **_context(advice_request),
    ), (400 if (errors or conflict) else 200)


def _answers(advice_request: AdviceRequest) -> dict[str, str]:
    draft = db().get(AdviceDraft, advice_request.id)
    return dict(draft.answers) if draft is not None else {}


def _missing(advice_request: AdviceRequest, answers: dict[str, str]) -> list[str]:
    template = load_template(advice_request.template_key, advice_request.template_version)
    return [
        answer_key(s, q)
        for s, q in template.questions()
        if q.required and not answers.get(answer_key(s, q))
    ]


@bp.route("/advice/<uuid:request_id>/check")
def check(request_id: uuid.UUID) -> Any:
    advice_request = granted_request(request_id)
    if advice_request.status == RequestStatus.SUBMITTED:
        return redirect(url_for("contributor.submitted", request_id=request_id))
    answers = _answers(advice_request)
    return render_template(
        "contributor/check.html",
        page_title="Check your answers",
        answers=answers,
        missing=_missing(advice_request, answers),
        field_name=field_name,
        answer_key=answer_key,
        **_context(advice_request),
    )


@bp.route("/advice/<uuid:request_id>/declaration", methods=["GET", "POST"])
def declaration(request_id: uuid.UUID) -> Any:
    session = db()
    advice_request = granted_request(request_id)
    if advice_request.status == RequestStatus.SUBMITTED:
        return redirect(url_for("contributor.submitted", request_id=request_id))
    answers = _answers(advice_request)
    if _missing(advice_request, answers):
        return redirect(url_for("contributor.check", request_id=request_id))
    professional = advice_request.agency in PROFESSIONAL_REGISTRATION
    form = DeclarationForm()
    if not professional:
        del form.registration_body
        del form.registration_number
    if form.validate_on_submit():
        signed = {"name": form.name.data, "role": form.role.data}
        if professional and form.registration_body.data:
            signed["registration_body"] = form.registration_body.data
            signed["registration_number"] = form.registration_number.data
        try:
            seal_submission(
                session,
                advice_request,
                answers=answers,
                declaration=signed,
                now=utcnow(),
                actor=_actor(advice_request),
            )
            session.commit()
        except AlreadySealedError:
            session.rollback()
        return redirect(url_for("contributor.submitted", request_id=request_id), code=303)
    errors = error_list(form)
    return render_template(
        "contributor/declaration.html",
        page_title="Declaration",
        form=form,
        errors=errors,
        form_has_errors=bool(errors),
        professional=professional,
        **_context(advice_request),
    ), (400 if errors else 200)


@bp.route("/advice/<uuid:request_id>/submitted")
def submitted(request_id: uuid.UUID) -> Any:
    advice_request = granted_request(request_id)
    sealed = advice_request.sealed
    if sealed is None:
        return redirect(url_for("contributor.form", request_id=request_id))
    document = json.loads(sealed.canonical)
    return render_template(
        "contributor/submitted.html",
        page_title="Advice submitted",
        sealed=sealed,
        document=document,
        **_context(advice_request),
    )
