"""The staff side: case officers' (and, later, managers' and agency leads') pages, behind
sign-in.

- ``sign_in``: who is signed in, and signing in and out;
- ``assessments``: the list of assessments, recording one, its page, the decision to assess;
- ``advice``: sealed advice and its files, each view audited;
- ``request_actions`` and ``assessment_actions``: the officer's actions, one page each, run
  by ``actions``;
- ``addenda``: asking an author for an addendum;
- ``appendix``: the section K appendix, as a page and as a PDF;
- ``exports``: the timeline as CSV;
- ``templates``: previews of every published advice template.

One blueprint; the service navigation and the handling of a lapsed security token are
registered here once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import request, url_for
from flask_wtf.csrf import CSRFError

from advice_hub.web.errors import expired_page

# Each page module adds its routes to the blueprint as it is imported.
from advice_hub.web.staff import (
    addenda,
    advice,
    appendix,
    assessment_actions,
    assessments,
    exports,
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
    "staff.request_addendum": addenda.request_addendum_page,
}
TEMPLATE_PAGES = frozenset({"staff.templates", "staff.template_preview"})


def _stale_form(exc: CSRFError) -> Any:
    """A lapsed or forged security token: nothing is saved, and what was typed is shown again."""
    page = KEEPS_WHAT_WAS_TYPED.get(request.endpoint or "")
    if page is None or request.method != "POST":
        return expired_page(exc)
    return page(stale_token=True, **(request.view_args or {}))


def _navigation() -> dict[str, Any]:
    user = current_user()
    if user is None:
        return {}  # the layout's defaults (templating.page_defaults): no navigation
    return {
        "home_url": url_for("staff.assessments"),
        "navigation": [
            {
                "href": url_for("staff.assessments"),
                "text": "Assessments",
                "active": request.endpoint == "staff.assessments",
            },
            {
                "href": url_for("staff.new_assessment"),
                "text": "New assessment",
                "active": request.endpoint == "staff.new_assessment",
            },
            {
                "href": url_for("staff.templates"),
                "text": "Templates",
                "active": request.endpoint in TEMPLATE_PAGES,
            },
        ],
        # Signing out is a POST (see sign_in.sign_out): a button in the navigation, not a link.
        "sign_out_as": user.name,
    }


bp.register_error_handler(CSRFError, _stale_form)
bp.context_processor(_navigation)

__all__ = [
    "addenda",
    "advice",
    "appendix",
    "assessment_actions",
    "assessments",
    "bp",
    "exports",
    "request_actions",
    "sign_in",
    "templates",
]
