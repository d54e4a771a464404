"""The administration blueprint: teams, users, agency leads, sign-off reviewers and API keys,
for administrators only. Its handlers are registered once, in the package's ``__init__``."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")
