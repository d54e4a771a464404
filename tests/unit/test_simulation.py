"""`advice-hub simulate`: a small seeded run passes every rule, and the checker catches a
chase log that breaks them."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from advice_hub.cli import main
from advice_hub.cli.simulation import check, run_simulation
from advice_hub.cli.simulation.rules import RULES, Report
from advice_hub.db import make_engine, make_session_factory
from advice_hub.models import AdviceRequest, MessageKind, SendLedger


@pytest.fixture(scope="module")
def simulated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Report, str]:
    from advice_hub.chasing import default_policy
    from advice_hub.config import Settings

    url = f"sqlite:///{tmp_path_factory.mktemp('simulation') / 'simulation.sqlite3'}"
    report = run_simulation(
        assessments=12,
        seed=11,
        start=date(2026, 1, 5),
        settings=Settings.from_env({}),
        policy=default_policy(),
        database_url=url,
    )
    return report, url


def test_a_seeded_simulation_keeps_every_rule(simulated: tuple[Report, str]) -> None:
    report, _ = simulated
    assert report.ok, "\n".join(report.lines())
    assert report.requests == sum(report.outcomes.values()) >= 60
    assert report.emails[MessageKind.ADVICE_REMINDER] > report.requests, "chasing happened"
    assert report.emails["lead_escalation"] and report.emails["manager_escalation"]
    assert report.most_contributor_emails_in_a_day == 1
    assert sum(report.escalations.values()) > 0
    verdicts = [line for line in report.lines() if line[:4] in {"PASS", "FAIL"}]
    assert len(verdicts) == 5, "one verdict for each rule"
    assert verdicts == [f"PASS: {rule} (0 exceptions)" for rule in RULES]


def test_the_checker_catches_a_second_email_in_a_day_and_one_sent_at_night(
    simulated: tuple[Report, str],
) -> None:
    from advice_hub.chasing import default_policy

    _, url = simulated
    engine = make_engine(url)
    with make_session_factory(engine)() as session, session.begin():
        ledger = session.scalars(
            select(SendLedger).where(SendLedger.kind == MessageKind.ADVICE_REMINDER).limit(1)
        ).one()
        assert ledger.sent_at is not None
        late = ledger.sent_at.replace(hour=21, minute=30)  # the same day, after hours
        session.add(
            SendLedger(
                advice_request_id=ledger.advice_request_id,
                kind=ledger.kind,
                sequence=10_000,
                message_id="<forged@example.org>",
                recipient=ledger.recipient,
                sent_at=late,
            )
        )
    with make_session_factory(engine)() as session:
        report = Report()
        check(session, report, default_policy(), set())
        assert report.violations[RULES[0]] and report.violations[RULES[2]]
        assert not report.ok
        assert session.scalar(select(func.count()).select_from(AdviceRequest))
    engine.dispose()


def test_the_command_prints_the_summary_and_fails_on_nothing(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main,
        ["simulate", "--assessments", "2", "--seed", "4", "--quiet"],
        env={"ADVICE_HUB_INSTANCE": str(tmp_path)},
    )
    assert result.exit_code == 0, result.output
    assert "assessments: 2" in result.output
    assert result.output.count("PASS:") == len(RULES)
