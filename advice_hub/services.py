"""The clients the app is built with, made in one place and reached from views and actors."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import dramatiq
from flask import current_app
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from advice_hub.chasing import ChasePolicy
from notifications import MailBackend

EXTENSION_KEY = "advice_hub"


@dataclass
class Services:
    settings: dict[str, Any]
    engine: Engine
    session_factory: sessionmaker[Session]
    mail: MailBackend
    broker: dramatiq.Broker
    dispatch: Callable[[int], None]  # hands an outbox message id to this app's broker
    dispatch_staff: Callable[[int], None]  # hands a staff message id to this app's broker
    chase_policy: ChasePolicy


def current_services() -> Services:
    services: Services = current_app.extensions[EXTENSION_KEY]
    return services
