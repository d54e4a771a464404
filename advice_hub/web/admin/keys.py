"""API keys for council systems: the list, a new key (its raw value shown once), revoking one.

The new key is shown on the response to the POST that made it, not after a redirect: the
only ways to carry it across a redirect are the browser's cookie (signed, not secret) or the
server-side session, and the raw key is kept nowhere. That page is sent ``no-store`` so no
cache or back button shows it again; posting the form again is refused, the name being taken.
"""

from __future__ import annotations

from typing import Any

from flask import flash, make_response, redirect, render_template, url_for
from sqlalchemy import select
from wtforms import SelectChoice

from advice_hub.accounts.api_keys import (
    SCOPES,
    create_api_key,
    list_api_keys,
    revoke_api_key,
)
from advice_hub.accounts.teams import team_summaries
from advice_hub.models import ApiKey, Team, utcnow
from advice_hub.transactions import committing
from advice_hub.web.admin.blueprint import bp
from advice_hub.web.admin.forms import ApiKeyForm, ConfirmForm
from advice_hub.web.admin.lookup import row_or_404
from advice_hub.web.db_session import db
from advice_hub.web.formkit import form_page, offer, page_errors
from advice_hub.web.staff.sign_in import staff_actor


@bp.route("/api-keys", endpoint="api_keys")
def api_keys_page() -> Any:
    keys = list_api_keys(db())
    teams = {team.id: team for team in db().scalars(select(Team))} if keys else {}
    return render_template(
        "admin/api_keys.html", page_title="API keys", keys=keys, teams=teams, scopes=SCOPES
    )


@bp.route("/api-keys/new", methods=["GET", "POST"], endpoint="new_api_key")
def new_api_key_page() -> Any:
    teams = {str(row.team.id): row.team for row in team_summaries(db())}
    form = ApiKeyForm()
    offer(form.team, [SelectChoice(value, team.name) for value, team in teams.items()])
    if teams and form.validate_on_submit():
        name, team = form.name.data, teams[form.team.data]
        try:
            with committing(db()):
                raw = create_api_key(
                    db(), name, team=team, scopes=form.scopes.data, actor=staff_actor()
                )
        except ValueError as exc:
            form.name.errors = [str(exc)]
        else:
            page = render_template(
                "admin/api_key_created.html",
                page_title="Copy the new API key",
                name=name.strip(),
                team=team,
                raw_key=raw,
            )
            response = make_response(page)
            response.headers["Cache-Control"] = "no-store"
            return response
    return form_page(
        "admin/new_api_key.html",
        title="Create an API key",
        errors=page_errors(form),
        form=form,
        has_teams=bool(teams),
    )


@bp.route("/api-keys/<int:key_id>/revoke", methods=["GET", "POST"], endpoint="revoke_api_key")
def revoke_api_key_page(key_id: int) -> Any:
    key = row_or_404(ApiKey, key_id)
    back = url_for("admin.api_keys")
    if key.revoked_at is not None:
        flash(f"The API key {key.name} is already revoked")
        return redirect(back, code=303)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            with committing(db()):
                revoke_api_key(db(), key.name, utcnow(), actor=staff_actor())
        except ValueError as exc:  # revoked by someone else meanwhile
            flash(str(exc))
        else:
            flash(f"The API key {key.name} is revoked: requests using it are refused from now on")
        return redirect(back, code=303)
    return form_page(
        "admin/confirm.html",
        title=f"Revoke the API key {key.name}",
        errors=page_errors(form, button="Revoke the key", href="#submit-action"),
        form=form,
        caption="API keys",
        paragraphs=[
            f"Every request that {key.name} makes to the API is refused from the moment you "
            "revoke it, and it cannot be turned back on: the system using it will need a new key."
        ],
        button="Revoke the key",
        button_classes="govuk-button--warning",
        back_url=back,
    )
