"""Where transactions begin and end: the one rule for views, actors, the clock and the CLI.

The domain packages change a session and never commit. Whatever calls them (a view, an actor
run, a clock tick, a command) wraps the work in exactly one of these, which commits when the
block ends and rolls everything back if it raises, so no half-done change is ever kept and no
outbox message from a rolled-back transaction is ever sent (``advice_hub.outbox``).

This is the only module that commits or rolls back a session; ``tests/test_transactions_rule.py``
fails on any other that does, bar the few it names with their reasons.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session, sessionmaker


@contextmanager
def committing(session: Session) -> Iterator[Session]:
    """Commit what the block did to ``session``, or roll it all back if the block raised.

    A commit that fails (a flush refused by the database, a stale version) is rolled back as
    well, so the caller can show a page again from the same session.
    """
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A new session for one unit of work (an actor run, a clock step, a command), committed
    at the end of the block or rolled back if it raised, then closed."""
    with factory() as session, committing(session):
        yield session
