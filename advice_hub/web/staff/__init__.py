"""The staff side: case officers' (and, later, managers' and agency leads') pages, behind
sign-in.

- ``sign_in``: who is signed in, and signing in and out;
- ``my_work``: a case officer's work queue across their cases, their start page;
- ``assessments``: the list of assessments, recording one, its page, the decision to assess;
- ``advice``: sealed advice and its files, each view audited;
- ``request_actions`` and ``assessment_actions``: the officer's actions, one page each, run
  by ``actions``;
- ``addenda``: asking an author for an addendum;
- ``appendix``: the section K appendix, as a page and as a PDF;
- ``exports``: the timeline as CSV;
- ``reports``: timeliness for managers, agency leads and auditors, with its CSV downloads;
- ``templates``: previews of every published advice template.

One blueprint; the service navigation and the handling of a lapsed security token are
registered here once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort, redirect, request, url_for
from flask_wtf.csrf import CSRFError

from advice_hub.accounts.access import admitted
from advice_hub.web.audited import record_read
from advice_hub.web.authorization import (
    ADMINISTRATION_PAGES,
    Gate,
    Refusal,
    access_for,
    forbidden_page,
    staff_refusal,
)
from advice_hub.web.errors import expired_page

# Each page module adds its routes to the blueprint as it is imported.
from advice_hub.web.staff import (
    addenda,
    advice,
    agency_requests,
    appendix,
    assessment_actions,
    assessment_list,
    assessments,
    exports,
    my_work,
    ownership,
    plan_milestones,
    reports,
    request_actions,
    sign_in,
    templates,
)
from advice_hub.web.staff.blueprint import bp
from advice_hub.web.staff.sign_in import current_user

# Pages that, posted with a lapsed security token, show again with what was typed.
KEEPS_WHAT_WAS_TYPED: dict[str, Callable[..., Any]] = {
    "staff.chase": request_actions.chase,
    "staff.extend": request_actions.extend,
    "staff.request_exception": request_actions.request_exception,
    "staff.end_exception": request_actions.end_exception,
    "staff.withdraw": request_actions.withdraw,
    "staff.new_contributor": assessment_actions.new_contributor,
    "staff.reuse": assessment_actions.reuse,
    "staff.assessment_exception": assessment_actions.assessment_exception,
    "staff.end_assessment_exception": assessment_actions.end_assessment_exception_page,
    "staff.close": assessment_actions.close,
    "staff.assign": ownership.assign,
    "staff.request_addendum": addenda.request_addendum_page,
}
TEMPLATE_PAGES = frozenset({"staff.templates", "staff.template_preview"})


def authorize_staff_page() -> Any:
    """The policy's word on this staff page, before its view runs: None lets it run; otherwise
    the way to sign in, or the 403 page (also for a record that does not exist, so that a
    refusal never tells whether another team holds it). The administration blueprint
    (``web.admin``) registers this same hook."""
    access = access_for(request.endpoint)
    if access is None:
        abort(403)  # cannot happen: the app refuses to start with an endpoint unlisted
    if access.gate is not Gate.STAFF:
        return None
    user = current_user()
    if user is None:
        return redirect(url_for("staff.sign_in", next=request.full_path.rstrip("?")))
    refusal = staff_refusal(user, access, request.view_args or {})
    if refusal is None:
        return None
    if refusal is Refusal.RECORD:
        record_read(
            actor=f"user:{user.id}",
            action="staff.refused",
            endpoint=request.endpoint,
            path=request.path,
        )
    return forbidden_page(user, refusal, access)


def _stale_form(exc: CSRFError) -> Any:
    """A lapsed or forged security token: nothing is saved, and what was typed is shown again
    (to someone the page admits: the CSRF check runs before the policy's)."""
    page = KEEPS_WHAT_WAS_TYPED.get(request.endpoint or "")
    if page is None or request.method != "POST":
        return expired_page(exc)
    refused = authorize_staff_page()
    if refused is not None:
        return refused
    return page(stale_token=True, **(request.view_args or {}))


# The service navigation, in order: each item shows only to whom the policy admits its page.
NAVIGATION = (
    ("staff.my_work", "My work", frozenset({"staff.my_work"})),
    ("staff.assessments", "Assessments", frozenset({"staff.assessments"})),
    ("staff.new_assessment", "New assessment", frozenset({"staff.new_assessment"})),
    ("staff.agency_requests", "Your agency's requests", frozenset({"staff.agency_requests"})),
    ("staff.timeliness", "Timeliness", frozenset({"staff.timeliness"})),
    ("staff.templates", "Templates", TEMPLATE_PAGES),
    ("admin.home", "Administration", ADMINISTRATION_PAGES),
)


def may_open(endpoint: str) -> bool:
    """Whether the signed-in person's roles admit the page (whatever record it names)."""
    access = access_for(endpoint)
    return access is not None and bool(admitted(current_user(), access.grants))


def staff_navigation() -> dict[str, Any]:
    """The header's home link, navigation and sign-out button, on every staff and
    administration page."""
    user = current_user()
    if user is None:
        return {}  # the layout's defaults (templating.page_defaults): no navigation
    return {
        "home_url": url_for("staff.home"),
        "navigation": [
            {"href": url_for(endpoint), "text": text, "active": request.endpoint in active}
            for endpoint, text, active in NAVIGATION
            if may_open(endpoint)
        ],
        # Signing out is a POST (see sign_in.sign_out): a button in the navigation, not a link.
        "sign_out_as": user.name,
        # The list's own search stands in for it on the list itself.
        "find_url": (
            url_for("staff.assessments")
            if may_open("staff.assessments") and request.endpoint != "staff.assessments"
            else None
        ),
        "may_open": may_open,
    }


bp.before_request(authorize_staff_page)
bp.register_error_handler(CSRFError, _stale_form)
bp.context_processor(staff_navigation)

__all__ = [
    "addenda",
    "advice",
    "agency_requests",
    "appendix",
    "assessment_actions",
    "assessment_list",
    "assessments",
    "authorize_staff_page",
    "bp",
    "exports",
    "my_work",
    "ownership",
    "plan_milestones",
    "reports",
    "request_actions",
    "sign_in",
    "staff_navigation",
    "templates",
]
