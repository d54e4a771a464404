"""The staff blueprint: case officers' and managers' pages, behind sign-in. Its handlers are
registered once, in the package's ``__init__``."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("staff", __name__)
