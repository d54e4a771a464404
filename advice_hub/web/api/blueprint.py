"""The API blueprint, under /api/v1. Its handlers are registered once, in the package's
``__init__``."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")
