"""The in-process broker: building an app starts nothing; serving it arms the time limit."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import dramatiq
import pytest
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware.time_limit import TimeLimitExceeded

from advice_hub import create_app
from advice_hub.jobs.broker import start_in_process_worker
from tests.conftest import base_config


def test_building_an_app_on_the_embedded_default_starts_no_thread(
    tmp_path: Path, sqlite_url: str
) -> None:
    before = {thread.ident for thread in threading.enumerate()}
    for _ in range(3):
        app = create_app(base_config(tmp_path, sqlite_url))
        app.extensions["advice_hub"].engine.dispose()
    started = [t.name for t in threading.enumerate() if t.ident not in before]
    assert started == []


def test_the_in_process_worker_stops_an_actor_that_overruns_its_time_limit() -> None:
    broker = StubBroker()
    outcome: list[str] = []

    @dramatiq.actor(broker=broker, time_limit=200, max_retries=0)
    def overrun() -> None:
        try:
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                time.sleep(0.01)
            outcome.append("ran to the end")
        except TimeLimitExceeded:
            outcome.append("stopped")
            raise

    worker = start_in_process_worker(broker, threads=1)
    try:
        overrun.send()
        with pytest.raises(TimeLimitExceeded):
            broker.join(overrun.queue_name, fail_fast=True, timeout=10_000)
    finally:
        worker.stop()
    assert outcome == ["stopped"]
