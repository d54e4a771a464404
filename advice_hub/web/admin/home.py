"""The administration home page: each thing an administrator keeps, with how many there are."""

from __future__ import annotations

from typing import Any

from flask import render_template
from sqlalchemy import func, select

from advice_hub.models import AgencyLead, ApiKey, Service, SignOffReviewer, Team, User
from advice_hub.web.admin.blueprint import bp
from advice_hub.web.db_session import db


@bp.route("", endpoint="home")
def home() -> Any:
    def count(*where: Any, of: Any) -> Any:
        return select(func.count()).select_from(of).where(*where).scalar_subquery()

    counts = (
        db()
        .execute(
            select(
                count(of=Team).label("teams"),
                count(User.deactivated_at.is_(None), of=User).label("active_users"),
                count(User.deactivated_at.is_not(None), of=User).label("deactivated_users"),
                count(of=AgencyLead).label("leads"),
                count(of=SignOffReviewer).label("reviewers"),
                count(ApiKey.revoked_at.is_(None), of=ApiKey).label("live_keys"),
                count(Service.retired_at.is_(None), of=Service).label("services"),
            )
        )
        .one()
    )
    return render_template("admin/home.html", page_title="Administration", counts=counts)
