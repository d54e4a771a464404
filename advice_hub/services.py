"""The clients the app is built with, made in one place and reached from views and actors."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import dramatiq
from flask import current_app
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from advice_hub.chasing import ChasePolicy
from advice_hub.config import Settings
from notifications import MailBackend, SendingLimit

EXTENSION_KEY = "advice_hub"


@dataclass
class Services:
    # The one way to the settings: views, actors, the clock and commands all read them here.
    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    mail: MailBackend
    # How fast the mail backend may be sent to, shared by every process (None: no limit).
    sending_limit: SendingLimit | None
    broker: dramatiq.Broker
    dispatch: Callable[[int], None]  # hands an outbox message id to this app's broker
    dispatch_staff: Callable[[int], None]  # hands a staff message id to this app's broker
    chase_policy: ChasePolicy


def current_services() -> Services:
    services: Services = current_app.extensions[EXTENSION_KEY]
    return services
