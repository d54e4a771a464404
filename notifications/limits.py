"""How fast a backend may be sent to, shared by every process that sends: a sliding window of
dramatiq's ``WindowRateLimiter`` over Redis (or, on the embedded default, over memory in the
one process that sends). The sender asks before it claims a message, so a message held back
costs no database work and issues no link; ``SendLater`` tells it when to ask again."""

from __future__ import annotations

import random
from typing import Protocol

from dramatiq.rate_limits import WindowRateLimiter
from dramatiq.rate_limits.backend import RateLimiterBackend

WINDOW_SECONDS = 60


class SendLater(Exception):
    """The backend did not try: its sending limit is used up for now. Nothing was sent, so
    this is no failure; ``seconds`` is how long until the limit allows another message."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"sending limit reached: try again in {seconds:.1f} s")
        self.seconds = seconds


class SendingLimit(Protocol):
    """A limit on how fast a backend may send, shared by every process that sends."""

    def try_acquire(self) -> float | None:
        """Take one message's share of the limit: None when granted, or the seconds to wait."""
        ...


class MessagesPerMinute:
    """At most ``limit`` messages in any minute. Refused, a sender waits between a quarter
    and a half of the window: long enough that a backlog of hundreds does not busy the broker
    asking again, short enough that it drains at the limit's pace."""

    def __init__(self, backend: RateLimiterBackend, key: str, *, limit: int) -> None:
        if limit < 1:
            raise ValueError(f"the limit must be at least one message a minute; got {limit}")
        self.limit = limit
        self._window = WindowRateLimiter(backend, key, limit=limit, window=WINDOW_SECONDS)

    def try_acquire(self) -> float | None:
        with self._window.acquire(raise_on_failure=False) as granted:
            if granted:
                return None
        return random.uniform(WINDOW_SECONDS / 4, WINDOW_SECONDS / 2)  # noqa: S311 - spreading, not secrecy
