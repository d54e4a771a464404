"""The one transaction rule holds: only ``advice_hub/transactions.py`` commits, rolls back or
begins a transaction.

The domain changes the session it is given and never commits; a view wraps each action in
``committing(db())``, and an actor run, a clock step, a command or the simulation in
``transaction(factory)``. The checker reads every module of ``advice_hub`` with ``ast`` and
names each use of ``.commit``, ``.rollback``, ``.begin`` or ``.begin_nested`` anywhere else,
called or passed on, except the few listed below with the reason each is allowed. Its own
tests below run it on small made-up trees, to show it fails.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
THE_RULE = "advice_hub/transactions.py"
TRANSACTION_METHODS = frozenset({"commit", "rollback", "begin", "begin_nested"})

# (module, enclosing function, what is used): why it may begin a transaction of its own.
EXCEPTIONS: Mapping[tuple[str, str, str], str] = {
    ("advice_hub/outbox.py", "_mark_dispatched", "bind.engine.begin"): (
        "runs after the session's commit, when its transaction is over: the note of what the "
        "broker was given goes on a connection of its own, and losing it only means the "
        "relay hands the message over again"
    ),
    ("advice_hub/cli/service.py", "grant", "engine.begin"): (
        "`db grant` runs GRANT and REVOKE as the tables' owner, on an engine of its own made "
        "from MIGRATION_DATABASE_URL, not through the application's sessions"
    ),
}


@dataclass(frozen=True)
class Use:
    path: str  # relative to the root, e.g. advice_hub/web/staff/advice.py
    function: str  # the innermost enclosing function, or "" at module level
    expression: str  # as written, e.g. db().commit
    line: int

    def __str__(self) -> str:
        where = f" in {self.function}()" if self.function else ""
        return f"{self.path}:{self.line}{where}: {self.expression}"


class _Finder(ast.NodeVisitor):
    def __init__(self, path: str) -> None:
        self.path = path
        self.functions: list[str] = []
        self.found: list[Use] = []

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.functions.append(node.name)
        self.generic_visit(node)
        self.functions.pop()

    visit_FunctionDef = _function
    visit_AsyncFunctionDef = _function

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if node.attr in TRANSACTION_METHODS:
            function = self.functions[-1] if self.functions else ""
            self.found.append(Use(self.path, function, ast.unparse(node), node.lineno))
        self.generic_visit(node)


def transaction_uses(root: Path) -> list[Use]:
    """Every ``.commit``, ``.rollback``, ``.begin`` and ``.begin_nested`` in ``advice_hub``."""
    found = []
    for path in sorted((root / "advice_hub").rglob("*.py")):
        relative = path.relative_to(root).as_posix()
        finder = _Finder(relative)
        finder.visit(ast.parse(path.read_text(), filename=relative))
        found.extend(finder.found)
    return found


def breaches(
    uses: list[Use], exceptions: Mapping[tuple[str, str, str], str] = EXCEPTIONS
) -> list[str]:
    return [
        str(use)
        for use in uses
        if use.path != THE_RULE and (use.path, use.function, use.expression) not in exceptions
    ]


# --- The project ----------------------------------------------------------------------------


def test_only_the_transactions_module_commits_rolls_back_or_begins() -> None:
    uses = transaction_uses(ROOT)
    # The checker read the rule itself: the one commit and the one rollback.
    assert sorted(u.expression for u in uses if u.path == THE_RULE) == [
        "session.commit",
        "session.rollback",
    ]
    assert breaches(uses) == []


def test_each_exception_is_still_there_and_says_why() -> None:
    # An exception that no longer matches anything would quietly allow the next one.
    found = {(u.path, u.function, u.expression) for u in transaction_uses(ROOT)}
    assert set(EXCEPTIONS) <= found
    assert all(len(reason) > 40 for reason in EXCEPTIONS.values())


# --- The checker itself -----------------------------------------------------------------------


def _tree(root: Path, files: dict[str, str]) -> Path:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def test_the_checker_names_a_view_that_commits_by_hand(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "advice_hub/__init__.py": "",
            "advice_hub/transactions.py": (
                "def committing(session):\n"
                "    try:\n"
                "        yield session\n"
                "        session.commit()\n"
                "    except BaseException:\n"
                "        session.rollback()\n"
                "        raise\n"
            ),
            "advice_hub/web/__init__.py": "",
            "advice_hub/web/pages.py": (
                "from advice_hub.transactions import committing\n"
                "\n"
                "def save(session):\n"
                "    with committing(session):\n"
                "        session.add(1)\n"
                "\n"
                "def save_by_hand(session):\n"
                "    session.add(1)\n"
                "    session.commit()\n"
            ),
        },
    )
    assert breaches(transaction_uses(root)) == [
        "advice_hub/web/pages.py:9 in save_by_hand(): session.commit"
    ]


def test_the_checker_names_rollbacks_begins_and_a_commit_passed_on(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "advice_hub/__init__.py": "",
            "advice_hub/requests/__init__.py": "",
            "advice_hub/requests/drafts.py": (
                "def save_draft(session):\n    try:\n        pass\n"
                "    except ValueError:\n        db().rollback()\n"
            ),
            "advice_hub/cli/__init__.py": "",
            "advice_hub/cli/demo_data.py": (
                "def seed(factory):\n"
                "    with factory() as session, session.begin():\n"
                "        session.begin_nested()\n"
                "\n"
                "atexit.register(SESSION.commit)\n"
            ),
        },
    )
    assert breaches(transaction_uses(root)) == [
        "advice_hub/cli/demo_data.py:2 in seed(): session.begin",
        "advice_hub/cli/demo_data.py:3 in seed(): session.begin_nested",
        "advice_hub/cli/demo_data.py:5: SESSION.commit",
        "advice_hub/requests/drafts.py:5 in save_draft(): db().rollback",
    ]


def test_an_exception_allows_only_the_use_it_names_where_it_names_it(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "advice_hub/__init__.py": "",
            "advice_hub/outbox.py": (
                "def _mark_dispatched(bind):\n"
                "    with bind.engine.begin() as connection:\n"
                "        pass\n"
                "\n"
                "def queue_message(bind, session):\n"
                "    with bind.engine.begin() as connection:\n"
                "        session.commit()\n"
            ),
        },
    )
    assert breaches(transaction_uses(root)) == [
        "advice_hub/outbox.py:6 in queue_message(): bind.engine.begin",
        "advice_hub/outbox.py:7 in queue_message(): session.commit",
    ]
