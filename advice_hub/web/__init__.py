"""The web layer, one blueprint package per audience:

- ``contributor``: everyone who follows an emailed link (professionals, families, reviewers);
- ``staff``: case officers and managers, behind sign-in;
- ``admin``: administrators' pages (teams, users, leads, reviewers, API keys), behind sign-in;
- ``api``: council case-management systems, with an API key;
- ``public``: anyone (checking a fingerprint, the health check);
- ``dev``: the mail the file backend wrote, away from production only.

Beside them, what every page shares: error pages, template filters, form pieces, the
request's database session and the reading of undecodable form fields.
"""

from __future__ import annotations

from flask import Flask
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()


def register_web(app: Flask, *, production: bool) -> None:
    """Register every blueprint, with CSRF protection, error pages and template helpers."""
    from advice_hub.web import (
        admin,
        api,
        authorization,
        contributor,
        encoding,
        errors,
        public,
        staff,
        templating,
    )

    encoding.install(app)
    csrf.init_app(app)
    app.register_blueprint(public.bp)
    app.register_blueprint(staff.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(contributor.bp)
    app.register_blueprint(api.bp)
    csrf.exempt(api.bp)  # API clients authenticate with a bearer key, not a browser cookie
    errors.register(app)
    templating.register(app)
    if not production:
        from advice_hub.web import dev

        app.register_blueprint(dev.bp)
    authorization.check_every_endpoint_listed(app)
