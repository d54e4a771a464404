"""The clock: the one scheduler. Each sweep relays messages that never reached a worker,
plans reminders, chases and escalations, queues the case officers' daily digests, signs the
ledger's checkpoints and works the timeliness reports' figures out again when they are due.

Run as its own process in production (`advice-hub clock`), or as a thread inside the web
process on the embedded default. The schedule lives in the database, so a clock that was down
catches up from it (one message per request, never a burst), and two clocks at once are safe.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from flask import Flask

from advice_hub.chasing.digests import queue_digests
from advice_hub.chasing.sweep import sweep_chases
from advice_hub.deadlines import next_sending_instant
from advice_hub.models import utcnow
from advice_hub.outbox import relay_unsent, relay_unsent_staff
from advice_hub.reports import refresh_due, refresh_reports
from advice_hub.sealing.checkpoints import checkpoint_due, load_signing_key, write_checkpoint
from advice_hub.services import Services
from advice_hub.transactions import transaction

log = logging.getLogger(__name__)


def tick(
    services: Services, *, now: datetime | None = None, reports: bool = True
) -> dict[str, Any]:
    """One sweep at ``now`` (the present by default); safe to run from several clocks at once.
    ``reports=False`` leaves the timeliness figures as they are (a simulation's fast days).

    Chasing and digests commit before the relay runs, so what they queue for now goes out in
    this same tick.
    """
    now = now or utcnow()
    with transaction(services.session_factory) as session:
        swept = sweep_chases(session, services.chase_policy, now=now)
        digests = 0
        if not swept.skipped and _in_office_hours(now):
            digests = queue_digests(session, now=now)
    checkpoints = _checkpoint_if_due(services, now)
    refreshed = _refresh_reports_if_due(services, now) if reports else None
    grace = timedelta(seconds=services.settings.outbox_relay_grace_seconds)
    with transaction(services.session_factory) as session:
        relayed = relay_unsent(session, services.dispatch, now=now, grace=grace)
        relayed += relay_unsent_staff(session, services.dispatch_staff, now=now, grace=grace)
    result = {
        **swept.as_dict(),
        "digests": digests,
        "relayed": relayed,
        "checkpoints": checkpoints,
        "reports": refreshed,
    }
    if relayed or swept.reminders or swept.escalations or digests or swept.cancelled:
        log.info("clock: %s", result)
    return result


def _checkpoint_if_due(services: Services, now: datetime) -> int:
    every = timedelta(minutes=services.settings.checkpoint_every_minutes)
    with transaction(services.session_factory) as session:
        if not checkpoint_due(session, now=now, every=every):
            return 0
        write_checkpoint(session, load_signing_key(services.settings), now=now, actor="clock")
    return 1


def _refresh_reports_if_due(services: Services, now: datetime) -> dict[str, object] | None:
    every = timedelta(minutes=services.settings.reports_refresh_minutes)
    with transaction(services.session_factory) as session:
        if not refresh_due(session, now=now, every=every):
            return None
        refreshed = refresh_reports(session, now=now)
    return refreshed.as_dict()


def _in_office_hours(now: datetime) -> bool:
    # Digests wait for the working day to start, so the first sweep after 09:00 sends them.
    return next_sending_instant(now) == now


def run_clock(app: Flask, stop: threading.Event, *, clock: Callable[[], datetime] = utcnow) -> None:
    """Tick every CLOCK_INTERVAL_SECONDS until `stop` is set; a failed tick is retried."""
    services: Services = app.extensions["advice_hub"]
    interval = services.settings.clock_interval_seconds
    while not stop.is_set():
        try:
            with app.app_context():
                tick(services, now=clock())
        except Exception:
            log.exception("clock tick failed; trying again in %s seconds", interval)
        stop.wait(interval)


def start_clock_thread(app: Flask) -> tuple[threading.Thread, threading.Event]:
    stop = threading.Event()
    thread = threading.Thread(target=run_clock, args=(app, stop), name="clock", daemon=True)
    thread.start()
    return thread, stop
