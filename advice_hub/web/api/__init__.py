"""The JSON API for council case-management systems, under /api/v1.

Every endpoint except the OpenAPI document needs `Authorization: Bearer <key>` (keys come from
`advice-hub api-keys create`), and the key must hold the scope the endpoint's entry in the one
policy table names (``web.authorization.POLICY``; 403 insufficient_scope otherwise). A key
reaches only its team's assessments: another team's answer exactly as a missing one.

Every answer, errors included, is JSON in the shape of `advice_hub.web.api.schemas.Error`: the
blueprint's own error handlers (registered here, once) answer before the app's HTML error pages
can, and a catch-all route keeps unknown URLs and methods under /api/v1 inside the blueprint
too.

- ``lists``: the lists of assessments and advice requests, paged by cursor, for syncing;
- ``reports``: the timeliness feed, for reporting tools;
- ``routes``: the other endpoints; views stay thin: parse, call the domain inside
  ``committing``, respond;
- ``protocol``: errors, authentication (key, then scope) and parsing;
- ``schemas``: the request and response bodies; ``openapi``: the OpenAPI document built from
  them and from the policy table's scopes.
"""

from __future__ import annotations

from werkzeug.exceptions import HTTPException

from advice_hub.assessments.checks import OfficerActionError

# The endpoints add their routes to the blueprint as they are imported.
from advice_hub.web.api import lists, milestones, reports, routes
from advice_hub.web.api.blueprint import bp
from advice_hub.web.api.protocol import (
    ApiError,
    api_error,
    authenticate,
    http_error,
    refused_by_domain,
    unexpected_error,
)

bp.before_request(authenticate)
bp.register_error_handler(ApiError, api_error)
bp.register_error_handler(OfficerActionError, refused_by_domain)
bp.register_error_handler(HTTPException, http_error)
bp.register_error_handler(Exception, unexpected_error)

__all__ = ["bp", "lists", "milestones", "reports", "routes"]
