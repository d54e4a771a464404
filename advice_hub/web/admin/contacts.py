"""Who each agency's people are to the service: its lead, who hears when its advice is badly
overdue (``accounts.agency_leads``), and its sign-off reviewer, who approves its advice before
it is sealed (``requests.sign_off``). Both as the ``leads`` and ``sign-off`` commands keep
them: set or replaced one agency at a time, or removed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import flash, redirect, render_template, url_for
from sqlalchemy import select

from advice_hub.accounts.agency_leads import (
    agency_leads,
    clear_agency_lead,
    lead_for,
    set_agency_lead,
)
from advice_hub.accounts.users import UserError
from advice_hub.display import sentence
from advice_hub.models import Agency, SignOffReviewer, utcnow
from advice_hub.requests.sign_off import clear_reviewer, reviewer_for, set_reviewer
from advice_hub.services import current_services
from advice_hub.transactions import committing
from advice_hub.web.admin.blueprint import bp
from advice_hub.web.admin.forms import ConfirmForm, ContactForm
from advice_hub.web.admin.lookup import agency_or_404
from advice_hub.web.db_session import db
from advice_hub.web.formkit import form_page, page_errors
from advice_hub.web.staff.sign_in import staff_actor


@dataclass(frozen=True)
class Contact:
    """An agency's lead or reviewer as the pages show it (``about``: a title or a role)."""

    name: str
    email: str
    about: str


# --- Agency leads ----------------------------------------------------------------------------


@bp.route("/agency-leads", endpoint="agency_leads")
def agency_leads_page() -> Any:
    found = agency_leads(db())
    rows = [
        (agency, Contact(lead.name, lead.email, lead.title) if lead else None)
        for agency in Agency
        for lead in [found.get(agency.value)]
    ]
    return render_template("admin/agency_leads.html", page_title="Agency leads", rows=rows)


@bp.route("/agency-leads/<agency>", methods=["GET", "POST"], endpoint="agency_lead")
def agency_lead_page(agency: str) -> Any:
    chosen = agency_or_404(agency)
    lead = lead_for(db(), chosen.value)
    form = ContactForm()
    form.title.label.text = "Title"
    if not form.is_submitted():
        if lead is not None:
            form.name.data, form.email.data, form.title.data = lead.name, lead.email, lead.title
        else:
            form.title.data = current_services().chase_policy.for_agency(chosen.value).lead_title
    if form.validate_on_submit():
        try:
            with committing(db()):
                set_agency_lead(
                    db(),
                    agency=chosen.value,
                    name=form.name.data,
                    email=form.email.data,
                    title=form.title.data,
                    now=utcnow(),
                    actor=staff_actor(),
                )
        except UserError as exc:
            form.name.errors = [str(exc)]
        else:
            flash(f"{chosen.label} escalations now go to {form.name.data}")
            return redirect(url_for("admin.agency_leads"), code=303)
    return form_page(
        "admin/contact.html",
        title=f"{chosen.label} lead",
        errors=page_errors(form),
        form=form,
        agency=chosen,
        intro=(
            f"Who hears when {chosen.advice_name} is badly overdue. Escalations go to them from "
            "the next one on; without a named lead they go to the SEND team's mailbox."
        ),
        about_label="Their title",
        about_hint="As escalation emails name them, for example designated clinical officer (DCO)",
        button="Save the lead",
        back_url=url_for("admin.agency_leads"),
        back_text="Back to agency leads",
        existing=lead is not None,
        remove_url=url_for("admin.remove_agency_lead", agency=chosen.value),
        remove_text=f"Remove the {chosen.label.lower()} lead",
    )


@bp.route("/agency-leads/<agency>/remove", methods=["GET", "POST"], endpoint="remove_agency_lead")
def remove_agency_lead_page(agency: str) -> Any:
    chosen = agency_or_404(agency)
    back = url_for("admin.agency_leads")
    lead = lead_for(db(), chosen.value)
    if lead is None:
        flash(f"{chosen.label} has no named lead")
        return redirect(back, code=303)
    form = ConfirmForm()
    if form.validate_on_submit():
        with committing(db()):
            clear_agency_lead(db(), agency=chosen.value, now=utcnow(), actor=staff_actor())
        flash(f"{chosen.label} has no named lead now: its escalations go to the SEND team")
        return redirect(back, code=303)
    return form_page(
        "admin/confirm.html",
        title=f"Remove the {chosen.label.lower()} lead",
        errors=page_errors(form, button="Remove the lead", href="#submit-action"),
        form=form,
        caption="Agency leads",
        paragraphs=[
            f"{lead.name} ({lead.email}) will no longer hear when {chosen.advice_name} is badly "
            "overdue. Escalations go to the SEND team's mailbox until a new lead is named."
        ],
        button="Remove the lead",
        button_classes="govuk-button--warning",
        back_url=back,
    )


# --- Sign-off reviewers ----------------------------------------------------------------------


@bp.route("/sign-off-reviewers", endpoint="sign_off_reviewers")
def sign_off_reviewers_page() -> Any:
    found = {r.agency: r for r in db().scalars(select(SignOffReviewer))}
    rows = [
        (agency, Contact(r.name, r.email, r.role) if r else None)
        for agency in Agency
        for r in [found.get(agency.value)]
    ]
    return render_template(
        "admin/sign_off_reviewers.html", page_title="Sign-off reviewers", rows=rows
    )


@bp.route("/sign-off-reviewers/<agency>", methods=["GET", "POST"], endpoint="sign_off_reviewer")
def sign_off_reviewer_page(agency: str) -> Any:
    chosen = agency_or_404(agency)
    reviewer = reviewer_for(db(), chosen.value)
    form = ContactForm()
    form.title.label.text = "Role"
    if not form.is_submitted() and reviewer is not None:
        form.name.data, form.email.data, form.title.data = (
            reviewer.name,
            reviewer.email,
            reviewer.role,
        )
    advice = sentence(chosen.advice_name)
    if form.validate_on_submit():
        with committing(db()):
            set_reviewer(
                db(),
                agency=chosen.value,
                name=form.name.data,
                email=form.email.data,
                role=form.title.data,
                now=utcnow(),
                actor=staff_actor(),
            )
        flash(f"{advice} now needs sign-off by {form.name.data}")
        return redirect(url_for("admin.sign_off_reviewers"), code=303)
    return form_page(
        "admin/contact.html",
        title=f"{chosen.label} sign-off reviewer",
        errors=page_errors(form),
        form=form,
        agency=chosen,
        intro=(
            f"{advice} waits for this reviewer's approval before it is sealed; they can return "
            "it to its author with comments but never change it. Advice already waiting keeps "
            "the reviewer it was sent to."
        ),
        about_label="Their role",
        about_hint="For example senior educational psychologist",
        button="Save the reviewer",
        back_url=url_for("admin.sign_off_reviewers"),
        back_text="Back to sign-off reviewers",
        existing=reviewer is not None,
        remove_url=url_for("admin.remove_sign_off_reviewer", agency=chosen.value),
        remove_text=f"Stop requiring sign-off of {chosen.advice_name}",
    )


@bp.route(
    "/sign-off-reviewers/<agency>/remove",
    methods=["GET", "POST"],
    endpoint="remove_sign_off_reviewer",
)
def remove_sign_off_reviewer_page(agency: str) -> Any:
    chosen = agency_or_404(agency)
    back = url_for("admin.sign_off_reviewers")
    reviewer = reviewer_for(db(), chosen.value)
    advice = sentence(chosen.advice_name)
    if reviewer is None:
        flash(f"{advice} does not need sign-off")
        return redirect(back, code=303)
    form = ConfirmForm()
    if form.validate_on_submit():
        with committing(db()):
            clear_reviewer(db(), agency=chosen.value, now=utcnow(), actor=staff_actor())
        flash(f"{advice} no longer needs sign-off")
        return redirect(back, code=303)
    return form_page(
        "admin/confirm.html",
        title=f"Stop requiring sign-off of {chosen.advice_name}",
        errors=page_errors(form, button="Stop requiring sign-off", href="#submit-action"),
        form=form,
        caption="Sign-off reviewers",
        paragraphs=[
            f"{advice} will be sealed as soon as its author submits it, without {reviewer.name}'s "
            "approval. Advice already waiting for them stays with them."
        ],
        button="Stop requiring sign-off",
        button_classes="govuk-button--warning",
        back_url=back,
    )
