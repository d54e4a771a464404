"""advice_hub: collects statutory advice for EHC needs assessments."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask

    from advice_hub.config import Settings


def create_app(config: Mapping[str, Any] | Settings | None = None) -> Flask:
    """Build the app from the environment, with `config` overriding any setting by its
    upper-case name (an unknown name is refused), or from a `Settings` built whole."""
    # Imported here so that models, migrations and the worker's imports stay light.
    from advice_hub.app import build_app

    return build_app(config)


__all__ = ["create_app"]
