"""What an administration page's URL names, found or answered with 404."""

from __future__ import annotations

from typing import Any, TypeVar

from flask import abort

from advice_hub.models import Agency
from advice_hub.web.db_session import db

Row = TypeVar("Row")


def row_or_404(model: type[Row], row_id: int) -> Row:
    found: Any = db().get(model, row_id)
    if found is None:
        abort(404)
    result: Row = found
    return result


def agency_or_404(key: str) -> Agency:
    try:
        return Agency(key)
    except ValueError:
        abort(404)
