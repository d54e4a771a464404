"""A seeded simulation of many assessments through 20 weeks, on the real clock code.

``advice-hub simulate`` builds a throwaway database (SQLite in a temporary folder unless a
URL is given), agrees assessments on random working days, and plays out a random but seeded
return pattern: advice on time, late, declined, delayed by a reg 8(2) exception, or never.
Between those events the real clock (``advice_hub.jobs.clock.tick``) sweeps four times a day, with
a few days when it is down, and every email it queues is delivered by the real delivery code
at the simulated time. Mail goes to a counting sink, never to anyone.

The report then checks the chase log against the rules: no contributor gets more than one
email on a day, none after their request closed, no chase or escalation outside working hours,
and every overdue request escalated to its lead and to the manager on schedule (or, when the
clock was down that day, on the first sweep after it came back).
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path

from advice_hub.chasing import ChasePolicy
from advice_hub.cli.simulation.engine import Simulation
from advice_hub.cli.simulation.rules import RULES, Report, check
from advice_hub.config import Settings

__all__ = ["RULES", "Report", "check", "run_simulation"]


def run_simulation(
    *,
    assessments: int,
    seed: int,
    start: date,
    settings: Settings,
    policy: ChasePolicy,
    database_url: str | None = None,
    progress: Callable[[str], None] = lambda _: None,
) -> Report:
    """Run a simulation in a throwaway SQLite database (or ``database_url``, migrated first)."""
    from alembic import command
    from alembic.config import Config

    from advice_hub.config import PROJECT_ROOT

    # Thousands of sweeps: the clock's per-sweep log lines would drown the summary.
    quiet = [logging.getLogger(name) for name in ("advice_hub.jobs.clock", "alembic")]
    levels = [logger.level for logger in quiet]
    for logger in quiet:
        logger.setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="advice-hub-simulation-") as folder:
        url = database_url or f"sqlite:///{Path(folder) / 'simulation.sqlite3'}"
        config = Config(str(PROJECT_ROOT / "alembic.ini"))
        config.attributes["url"] = url
        config.attributes["configure_logger"] = False
        command.upgrade(config, "head")
        # Mail goes to the simulation's own sink, never through MAIL_BACKEND.
        simulated = replace(settings, database_url=url, base_url="https://advice-hub.invalid")
        simulation = Simulation(
            assessments=assessments,
            seed=seed,
            start=start,
            settings=simulated,
            policy=policy,
            database_url=url,
        )
        try:
            return simulation.run(progress)
        finally:
            simulation.services.engine.dispose()
            for logger, level in zip(quiet, levels, strict=True):
                logger.setLevel(level)
