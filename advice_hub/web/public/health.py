"""`/healthz`: whether the database and the broker can be reached."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from advice_hub.jobs.broker import broker_reachable
from advice_hub.services import current_services
from advice_hub.web.public.blueprint import bp


@bp.route("/healthz")
def healthz() -> Any:
    services = current_services()
    try:
        with services.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        database = "ok"
    except Exception:
        database = "unreachable"
    broker = "ok" if broker_reachable(services.broker) else "unreachable"
    healthy = database == "ok" and broker == "ok"
    body = {
        "status": "ok" if healthy else "unhealthy",
        "database": database,
        "broker": broker,
        "broker_kind": "redis" if services.settings.redis_url else "embedded",
    }
    return body, (200 if healthy else 503)
