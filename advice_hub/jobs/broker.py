"""The dramatiq broker: Redis in production, an in-process StubBroker on the embedded default.

Actors are declared once at import against a placeholder and re-bound to the real broker when
the app is built, so one code path serves the web process, the worker process and the tests.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any

import dramatiq
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import Middleware
from flask import Flask

# Actors are declared against this until `bind_broker` runs.
PLACEHOLDER = StubBroker()


class AppContext(Middleware):
    """Runs each message inside the Flask app's context, so actors reach its services."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self._local = threading.local()

    def before_process_message(self, broker: Any, message: Any) -> None:
        context = self.app.app_context()
        context.push()
        self._local.context = context

    def after_process_message(
        self, broker: Any, message: Any, *, result: Any = None, exception: Any = None
    ) -> None:
        context = self._local.__dict__.pop("context", None)
        if context is not None:
            context.pop()

    after_skip_message = after_process_message


def make_broker(redis_url: str | None) -> dramatiq.Broker:
    if redis_url:
        return RedisBroker(url=redis_url)
    return StubBroker()


def start_in_process_worker(broker: dramatiq.Broker, *, threads: int) -> dramatiq.Worker:
    """Serve `broker` from this process, as the embedded default does.

    Booting is what the dramatiq CLI does for a worker process: it starts the middleware's
    threads (the time limit's watchdog among them). It belongs here, not in `make_broker`, so
    that building an app, which tests do hundreds of times, starts no thread it cannot stop.
    """
    broker.emit_after("process_boot")
    worker = dramatiq.Worker(broker, worker_threads=threads)
    worker.start()
    return worker


def bind_broker(
    broker: dramatiq.Broker, app: Flask, actors: Iterable[dramatiq.Actor[Any, Any]]
) -> None:
    """Make `broker` the global broker, running `actors` inside `app`."""
    broker.add_middleware(AppContext(app))
    dramatiq.set_broker(broker)
    for actor in actors:
        actor.broker = broker
        broker.declare_actor(actor)


def broker_reachable(broker: dramatiq.Broker) -> bool:
    if isinstance(broker, RedisBroker):
        try:
            return bool(broker.client.ping())
        except Exception:
            return False
    return True
