"""The public blueprint: pages anyone may open, signed in or not."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("public", __name__)
