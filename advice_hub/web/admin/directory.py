"""The contributor directory's pages: the services of each agency (searched by name,
organisation or contact), adding, changing, retiring and reinstating one, its leads, and a
CSV import whose problems are shown line by line on the page (nothing is imported then).
The domain is ``directory``; the views parse, call it, commit and redirect."""

from __future__ import annotations

from typing import Any

from flask import Response, abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from advice_hub.directory.csv_import import HEADER, MAX_BYTES, TEMPLATE_CSV, import_services
from advice_hub.directory.services import (
    DIRECTORY_AGENCIES,
    DirectoryError,
    LeadDetails,
    ServiceDetails,
    add_lead,
    add_service,
    edit_service,
    find_services,
    reinstate_service,
    remove_lead,
    retire_service,
)
from advice_hub.models import Agency, Service, ServiceLead, utcnow
from advice_hub.transactions import committing
from advice_hub.web.admin.blueprint import bp
from advice_hub.web.admin.forms import ConfirmForm, ContactForm, ImportForm, ServiceForm
from advice_hub.web.admin.lookup import row_or_404
from advice_hub.web.db_session import db
from advice_hub.web.formkit import form_page, page_errors
from advice_hub.web.staff.sign_in import staff_actor

DETAIL_NAMES = tuple(ServiceDetails.__dataclass_fields__)


@bp.route("/directory", endpoint="directory")
def directory_page() -> Any:
    search = " ".join(request.args.get("q", "").split())[:200]
    agency = request.args.get("agency", "")
    chosen = next((a for a in DIRECTORY_AGENCIES if a.value == agency), None)
    services = find_services(
        db(), agency=chosen.value if chosen else None, search=search, retired=True
    )
    groups = [
        (a, [s for s in services if s.agency == a.value])
        for a in DIRECTORY_AGENCIES
        if chosen in (None, a)
    ]
    return render_template(
        "admin/directory.html",
        page_title="Contributor directory",
        groups=groups,
        found=len(services),
        search=search,
        chosen=chosen,
        agencies=DIRECTORY_AGENCIES,
    )


def _details(form: ServiceForm) -> ServiceDetails:
    return ServiceDetails(**{name: form[name].data or "" for name in DETAIL_NAMES})


def _show_refusal(form: ServiceForm | ContactForm, exc: DirectoryError) -> None:
    for problem in exc.problems:
        field = form._fields.get(problem.field) or form.name
        field.errors = [*field.errors, problem.message]


@bp.route("/directory/new", methods=["GET", "POST"], endpoint="new_service")
def new_service_page() -> Any:
    form = ServiceForm(agency=request.args.get("agency", ""))
    if form.validate_on_submit():
        try:
            with committing(db()):
                service = add_service(db(), _details(form), now=utcnow(), actor=staff_actor())
        except DirectoryError as exc:
            _show_refusal(form, exc)
        else:
            flash(f"{service.name} added to the directory. Add its leads below.")
            return redirect(url_for("admin.service", service_id=service.id), code=303)
    return _service_form(form, None)


@bp.route("/directory/<int:service_id>", methods=["GET", "POST"], endpoint="service")
def service_page(service_id: int) -> Any:
    service = row_or_404(Service, service_id)
    form = ServiceForm(obj=service)
    if form.validate_on_submit():
        try:
            with committing(db()):
                edit_service(db(), service, _details(form), now=utcnow(), actor=staff_actor())
        except DirectoryError as exc:
            _show_refusal(form, exc)
        else:
            flash(f"{service.name} saved")
            return redirect(url_for("admin.directory", agency=service.agency), code=303)
    return _service_form(form, service)


def _service_form(form: ServiceForm, service: Service | None) -> Any:
    return form_page(
        "admin/service.html",
        title=service.name if service else "Add a service",
        errors=page_errors(form),
        form=form,
        service=service,
    )


def _confirm(service: Service, *, title: str, paragraph: str, button: str, warn: bool) -> Any:
    form = ConfirmForm()
    return form, lambda: form_page(
        "admin/confirm.html",
        title=title,
        errors=page_errors(form, button=button, href="#submit-action"),
        form=form,
        caption=service.name,
        paragraphs=[paragraph],
        button=button,
        button_classes="govuk-button--warning" if warn else "",
        back_url=url_for("admin.service", service_id=service.id),
    )


@bp.route("/directory/<int:service_id>/retire", methods=["GET", "POST"], endpoint="retire_service")
def retire_service_page(service_id: int) -> Any:
    service = row_or_404(Service, service_id)
    if service.retired_at is not None:
        flash(f"{service.name} is retired already")
        return redirect(url_for("admin.service", service_id=service.id), code=303)
    form, page = _confirm(
        service,
        title=f"Retire {service.name}",
        paragraph=(
            "Case officers will no longer be offered it when they record an assessment. "
            "Requests already sent to it go on; their late advice escalates to the agency's "
            "lead, and their sign-off is the agency's reviewer's. You can offer it again later."
        ),
        button="Retire the service",
        warn=True,
    )
    if form.validate_on_submit():
        with committing(db()):
            retire_service(db(), service, now=utcnow(), actor=staff_actor())
        flash(f"{service.name} is retired")
        return redirect(url_for("admin.directory", agency=service.agency), code=303)
    return page()


@bp.route(
    "/directory/<int:service_id>/reinstate", methods=["GET", "POST"], endpoint="reinstate_service"
)
def reinstate_service_page(service_id: int) -> Any:
    service = row_or_404(Service, service_id)
    if service.retired_at is None:
        flash(f"{service.name} is offered already")
        return redirect(url_for("admin.service", service_id=service.id), code=303)
    form, page = _confirm(
        service,
        title=f"Offer {service.name} again",
        paragraph="Case officers will be offered it again when they record an assessment.",
        button="Offer the service again",
        warn=False,
    )
    if form.validate_on_submit():
        with committing(db()):
            reinstate_service(db(), service, now=utcnow(), actor=staff_actor())
        flash(f"{service.name} is offered again")
        return redirect(url_for("admin.service", service_id=service.id), code=303)
    return page()


@bp.route(
    "/directory/<int:service_id>/leads/new", methods=["GET", "POST"], endpoint="new_service_lead"
)
def new_service_lead_page(service_id: int) -> Any:
    service = row_or_404(Service, service_id)
    back = url_for("admin.service", service_id=service.id)
    form = ContactForm()
    if form.validate_on_submit():
        details = LeadDetails(form.name.data, form.email.data, form.title.data)
        try:
            with committing(db()):
                add_lead(db(), service, details, now=utcnow(), actor=staff_actor())
        except DirectoryError as exc:
            _show_refusal(form, exc)
        else:
            flash(f"{service.name}'s late advice now escalates to {details.name} too")
            return redirect(back, code=303)
    return form_page(
        "admin/contact.html",
        title=f"Add a lead to {service.name}",
        errors=page_errors(form),
        form=form,
        agency=Agency(service.agency),
        intro=(
            f"Who hears when {service.name}'s advice is badly overdue. Each of its leads is "
            "told, instead of the agency's lead."
        ),
        about_label="Their title",
        about_hint="As escalation emails name them, for example service manager",
        button="Add the lead",
        back_url=back,
        back_text=f"Back to {service.name}",
        existing=False,
        remove_url="",
        remove_text="",
    )


@bp.route(
    "/directory/<int:service_id>/leads/<int:lead_id>/remove",
    methods=["GET", "POST"],
    endpoint="remove_service_lead",
)
def remove_service_lead_page(service_id: int, lead_id: int) -> Any:
    service = row_or_404(Service, service_id)
    lead = row_or_404(ServiceLead, lead_id)
    if lead.service_id != service.id:
        abort(404)
    others = len(service.leads) - 1
    form, page = _confirm(
        service,
        title=f"Remove {lead.name} as a lead",
        paragraph=(
            f"{lead.name} ({lead.email}) will no longer hear when {service.name}'s advice is "
            "badly overdue."
            + ("" if others else " With no lead left, escalations go to the agency's lead.")
        ),
        button="Remove the lead",
        warn=True,
    )
    if form.validate_on_submit():
        with committing(db()):
            remove_lead(db(), lead, now=utcnow(), actor=staff_actor())
        flash(f"{lead.name} is no longer a lead of {service.name}")
        return redirect(url_for("admin.service", service_id=service.id), code=303)
    return page()


@bp.route("/directory/import", methods=["GET", "POST"], endpoint="import_services")
def import_services_page() -> Any:
    form = ImportForm()
    problems: list[Any] = []
    if form.validate_on_submit():
        data = form.file.data.stream.read(MAX_BYTES + 1)
        with committing(db()):
            result = import_services(db(), data, now=utcnow(), actor=staff_actor())
        if result.ok:
            flash(f"Directory imported: {result.summary()}")
            return redirect(url_for("admin.directory"), code=303)
        problems = result.problems
    errors = page_errors(form, button="Import", href="#file")
    if problems:
        errors.insert(
            0,
            {
                "text": f"Nothing was imported: the file has {len(problems)} "
                + ("problem" if len(problems) == 1 else "problems")
                + ". Correct them and upload it again.",
                "href": "#problems",
            },
        )
    return form_page(
        "admin/import_services.html",
        title="Import services from a CSV file",
        errors=errors,
        form=form,
        problems=problems,
        header=HEADER,
        max_mb=MAX_BYTES // (1024 * 1024),
    )


@bp.route("/directory/template.csv", endpoint="directory_template")
def directory_template() -> BaseResponse:
    return Response(
        TEMPLATE_CSV,
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="directory-template.csv"'},
    )
