"""Pages for anyone: ``verify`` says whether a fingerprint or seal is sealed advice (and
nothing else), ``health`` whether the database and the broker can be reached."""

from __future__ import annotations

# Each page module adds its routes to the blueprint as it is imported.
from advice_hub.web.public import health, verify
from advice_hub.web.public.blueprint import bp

__all__ = ["bp", "health", "verify"]
