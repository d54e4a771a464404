"""The clock: the one scheduler. It relays outbox messages that never reached a worker.

Run as its own process in production (`advice-hub clock`), or as a thread inside the web
process on the embedded default. Later sweeps (chasing, escalation) join `tick`.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta
from typing import Any

from flask import Flask

from advice_hub.domain.outbox import relay_unsent
from advice_hub.models import utcnow
from advice_hub.services import Services

log = logging.getLogger(__name__)


def tick(services: Services) -> dict[str, Any]:
    """One sweep; safe to run from several clocks at once."""
    grace = timedelta(seconds=services.settings["OUTBOX_RELAY_GRACE_SECONDS"])
    with services.session_factory() as session, session.begin():
        relayed = relay_unsent(session, services.dispatch, now=utcnow(), grace=grace)
    if relayed:
        log.info("relayed %d outbox messages", relayed)
    return {"relayed": relayed}


def run_clock(app: Flask, stop: threading.Event) -> None:
    """Tick every CLOCK_INTERVAL_SECONDS until `stop` is set; a failed tick is retried."""
    services: Services = app.extensions["advice_hub"]
    interval = services.settings["CLOCK_INTERVAL_SECONDS"]
    while not stop.is_set():
        try:
            with app.app_context():
                tick(services)
        except Exception:
            log.exception("clock tick failed; trying again in %s seconds", interval)
        stop.wait(interval)


def start_clock_thread(app: Flask) -> tuple[threading.Thread, threading.Event]:
    stop = threading.Event()
    thread = threading.Thread(target=run_clock, args=(app, stop), name="clock", daemon=True)
    thread.start()
    return thread, stop
