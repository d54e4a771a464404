"""The contributor blueprint: the pages reached from an emailed link, for everyone asked
for advice (professionals and families), their reviewers and addenda. Its handlers are
registered once, in the package's ``__init__``."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("contributor", __name__)
