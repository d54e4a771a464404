"""advice_hub: collects statutory advice for EHC needs assessments."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app from the environment, with `config` overriding any setting."""
    # Imported here so that models, migrations and the worker's imports stay light.
    from advice_hub.app import build_app

    return build_app(config)


__all__ = ["create_app"]
