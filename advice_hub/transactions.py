"""Where transactions begin and end: the one rule for views, actors, the clock and the CLI.

The domain packages change a session and never commit. Whatever calls them (a view, an actor
run, a clock tick, a command) wraps the work in exactly one of these, which commits when the
block ends and rolls everything back if it raises, so no half-done change is ever kept and no
outbox message from a rolled-back transaction is ever sent (``advice_hub.outbox``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session, sessionmaker


@contextmanager
def committing(session: Session) -> Iterator[Session]:
    """Commit what the block did to ``session``, or roll it all back if the block raised."""
    try:
        yield session
    except BaseException:
        session.rollback()
        raise
    session.commit()


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A new session for one unit of work (an actor run, a clock step), committed at the end
    of the block or rolled back if it raised, then closed."""
    with factory() as session, committing(session):
        yield session
