"""The contributor's side: every page reached from an emailed link.

- ``links``: the emailed links, one per LinkPurpose, exchanged for a cookie on Start;
- ``form``: the task list, check answers, declaration, receipt;
- ``sections``: one page per section of the form;
- ``steps``: the pages one repeatable item (a piece of provision) is written on;
- ``files``: attaching files to the advice;
- ``alternatives``: not known to our service, pass to a colleague, the advice will be late;
- ``review``: a senior reviewer's sign-off;
- ``addenda``: the author's addendum to sealed advice;
- ``access``: the cookie that holds one browser to one request, checked on every page.

One blueprint; its handlers are registered here once: a browser without access sees how to
get back in, a post whose security token lapsed shows its page again with what was typed, and
every response renews the access it used.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import RequestEntityTooLarge

# Each page module adds its routes to the blueprint as it is imported.
from advice_hub.web.contributor import (
    addenda,
    alternatives,
    files,
    form,
    links,
    review,
    sections,
    steps,
)
from advice_hub.web.contributor.access import AccessDenied, access_denied_page, renew_access
from advice_hub.web.contributor.blueprint import bp
from advice_hub.web.errors import expired_page

# Pages that, posted with a lapsed security token, show again with what was typed.
KEEPS_WHAT_WAS_TYPED: dict[str, Callable[..., Any]] = {
    "contributor.section": sections.section,
    "contributor.item_step": steps.item_step,
    "contributor.declaration": form.declaration,
    "contributor.not_known": alternatives.not_known,
    "contributor.pass_on": alternatives.pass_on_page,
    "contributor.deadline": alternatives.deadline,
    "contributor.add_addendum": addenda.add_addendum,
}


def _stale_form(exc: CSRFError) -> Any:
    """A page left open so long its security token lapsed (or a forged one): nothing is
    saved or sent, and what was typed is shown again."""
    page = KEEPS_WHAT_WAS_TYPED.get(request.endpoint or "")
    if page is None or request.method != "POST":
        return expired_page(exc)
    try:
        return page(stale_token=True, **(request.view_args or {}))
    except AccessDenied as denied:  # raised inside an error handler, so handled here
        return access_denied_page(denied)


def _too_large(exc: RequestEntityTooLarge) -> Any:
    """A post over its page's size limit: the page that was posted says so."""
    on_form = request.endpoint in {"contributor.section", "contributor.item_step"}
    page = sections.too_large if on_form else files.too_large
    try:
        return page(exc)
    except AccessDenied as denied:
        return access_denied_page(denied)


bp.register_error_handler(AccessDenied, access_denied_page)
bp.register_error_handler(CSRFError, _stale_form)
bp.register_error_handler(RequestEntityTooLarge, _too_large)
bp.after_request(renew_access)

__all__ = [
    "addenda",
    "alternatives",
    "bp",
    "files",
    "form",
    "links",
    "review",
    "sections",
    "steps",
]
