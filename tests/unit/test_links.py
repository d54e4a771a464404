"""The one link module: every purpose has a path, a cookie and a pair of routes; one rule says
whether a token stands; one exchange redeems it; the logs redact every purpose's token."""

from __future__ import annotations

import logging
import sys
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask, url_for
from gunicorn.glogging import SafeAtoms
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from advice_hub.config import PROJECT_ROOT
from advice_hub.logs import RedactLinkTokens, token_pattern
from advice_hub.models import (
    AdviceRequest,
    Agency,
    AuditEvent,
    LinkPurpose,
    LinkToken,
    RequestStatus,
    utcnow,
)
from advice_hub.requests.links import (
    LINK_PATHS,
    exchange_link_token,
    find_usable_token,
    is_usable,
    issue_link_token,
    link_url,
)
from advice_hub.requests.seal import seal_submission
from advice_hub.web.contributor.access import COOKIE_PREFIX
from tests.factories import first_text_key, fresh, make_assessment

NOW = utcnow()
TTL = timedelta(days=10)
TOKEN = "AbCdEf0123456789_-AbCdEf0123456789_-AbCdEfG"  # shaped as secrets.token_urlsafe(32)


def requests_of(session: Session) -> tuple[AdviceRequest, AdviceRequest]:
    """Two requests of one agreed assessment: one still open, one whose advice is sealed."""
    assessment = make_assessment(session, agreed=True, agencies=(Agency.HEALTH, Agency.EDUCATION))
    open_request, sealed_request = assessment.advice_requests
    seal_submission(
        session,
        sealed_request,
        answers={first_text_key(sealed_request): "Needs a quiet space to work"},
        declaration={"name": "Dr Chris Jones", "role": "Community paediatrician"},
        now=NOW,
        actor="test",
    )
    session.commit()
    return open_request, sealed_request


def record(msg: str, args: Any = None, name: str = "werkzeug") -> logging.LogRecord:
    return logging.LogRecord(name, logging.INFO, __file__, 1, msg, args, None)


# --- The table ------------------------------------------------------------------------------


def test_every_purpose_has_its_own_path_and_its_own_cookie() -> None:
    assert set(LINK_PATHS) == set(LinkPurpose) == set(COOKIE_PREFIX)
    assert len(set(LINK_PATHS.values())) == len(LinkPurpose)
    assert len(set(COOKIE_PREFIX.values())) == len(LinkPurpose)
    assert dict(LINK_PATHS) == {"contribute": "/a/", "review": "/r/", "addendum": "/x/"}
    assert all(prefix.startswith("__Host-") for prefix in COOKIE_PREFIX.values())


def test_a_link_is_the_service_address_the_purpose_s_path_and_the_token() -> None:
    assert link_url("https://advice.example.gov.uk/", LinkPurpose.REVIEW, TOKEN) == (
        f"https://advice.example.gov.uk/r/{TOKEN}"
    )
    assert link_url("http://localhost", LinkPurpose.ADDENDUM, TOKEN) == (
        f"http://localhost/x/{TOKEN}"
    )


def test_every_purpose_s_path_takes_a_get_and_a_post_and_nothing_else(app: Flask) -> None:
    for purpose, path in LINK_PATHS.items():
        rules = [r for r in app.url_map.iter_rules() if r.rule == f"{path}<token>"]
        assert {r.endpoint for r in rules} == {"contributor.link_start", "contributor.link_redeem"}
        assert all(r.defaults == {"purpose": purpose} for r in rules)
        methods = {m for r in rules for m in r.methods or ()} - {"HEAD", "OPTIONS"}
        assert methods == {"GET", "POST"}
        with app.test_request_context():
            assert url_for("contributor.link_start", purpose=purpose, token=TOKEN) == (
                f"{path}{TOKEN}"
            )


def test_no_module_but_the_table_writes_a_link_path() -> None:
    written = [
        path
        for folder in ("advice_hub", "forms", "notifications", "templates")
        for path in sorted((PROJECT_ROOT / folder).rglob("*"))
        if path.suffix in {".py", ".html", ".txt", ".json", ".toml"}
        and "static" not in path.parts
        and any(prefix in path.read_text() for prefix in LINK_PATHS.values())
    ]
    assert [p.relative_to(PROJECT_ROOT).as_posix() for p in written] == [
        "advice_hub/requests/links.py"
    ]


# --- The validity rule ----------------------------------------------------------------------


def test_a_token_stands_for_its_own_purpose_until_revoked_or_expired() -> None:
    token = LinkToken(purpose="review", expires_at=NOW + TTL, revoked_at=None)
    assert is_usable(token, now=NOW, purpose=LinkPurpose.REVIEW)
    assert not is_usable(token, now=NOW, purpose=LinkPurpose.CONTRIBUTE)
    assert not is_usable(token, now=NOW + TTL, purpose=LinkPurpose.REVIEW)
    token.revoked_at = NOW
    assert not is_usable(token, now=NOW, purpose=LinkPurpose.REVIEW)


def test_an_addendum_link_opens_nothing_until_the_advice_is_sealed(session: Session) -> None:
    open_request, sealed_request = requests_of(session)
    on_open = issue_link_token(session, open_request, now=NOW, ttl=TTL, purpose="addendum")
    on_sealed = issue_link_token(session, sealed_request, now=NOW, ttl=TTL, purpose="addendum")
    session.commit()
    assert find_usable_token(session, on_open, now=NOW, purpose=LinkPurpose.ADDENDUM) is None
    found = find_usable_token(session, on_sealed, now=NOW, purpose=LinkPurpose.ADDENDUM)
    assert found is not None and found.advice_request_id == sealed_request.id


# --- The exchange ---------------------------------------------------------------------------


def opened_events(session: Session) -> int:
    query = select(func.count(AuditEvent.id)).where(AuditEvent.action == "request.opened")
    return int(session.scalar(query) or 0)


def test_exchanging_a_contributor_s_link_notes_its_first_use_and_opens_the_request_once(
    session: Session,
) -> None:
    advice_request, _ = requests_of(session)
    advice_request.status = RequestStatus.SENT
    raw = issue_link_token(session, advice_request, now=NOW, ttl=TTL)
    session.commit()
    token = exchange_link_token(session, raw, purpose=LinkPurpose.CONTRIBUTE, now=NOW)
    session.commit()
    assert token is not None and token.redeemed_at == NOW
    stored = fresh(session).get_one(AdviceRequest, advice_request.id)
    assert (stored.opened_at, stored.status) == (NOW, RequestStatus.OPENED)
    assert opened_events(session) == 1
    later = NOW + timedelta(hours=1)
    again = exchange_link_token(session, raw, purpose=LinkPurpose.CONTRIBUTE, now=later)
    session.commit()
    assert again is not None and again.redeemed_at == NOW
    assert fresh(session).get_one(AdviceRequest, advice_request.id).opened_at == NOW
    assert opened_events(session) == 1


@pytest.mark.parametrize("purpose", [LinkPurpose.REVIEW, LinkPurpose.ADDENDUM])
def test_exchanging_a_reviewer_s_or_an_addendum_link_notes_its_use_and_opens_nothing(
    session: Session, purpose: LinkPurpose
) -> None:
    _, sealed_request = requests_of(session)
    status = sealed_request.status
    raw = issue_link_token(session, sealed_request, now=NOW, ttl=TTL, purpose=purpose)
    session.commit()
    token = exchange_link_token(session, raw, purpose=purpose, now=NOW)
    session.commit()
    assert token is not None and token.redeemed_at == NOW
    stored = fresh(session).get_one(AdviceRequest, sealed_request.id)
    assert (stored.opened_at, stored.status) == (None, status)
    assert opened_events(session) == 0


def test_a_link_that_does_not_stand_exchanges_for_nothing_and_changes_nothing(
    session: Session,
) -> None:
    open_request, _ = requests_of(session)
    review = issue_link_token(session, open_request, now=NOW, ttl=TTL, purpose="review")
    addendum = issue_link_token(session, open_request, now=NOW, ttl=TTL, purpose="addendum")
    session.commit()
    refused = [
        (review, LinkPurpose.CONTRIBUTE, NOW),  # another purpose's link
        (review, LinkPurpose.REVIEW, NOW + TTL),  # expired
        (addendum, LinkPurpose.ADDENDUM, NOW),  # no sealed advice to add to
        ("not-a-real-token-at-all", LinkPurpose.CONTRIBUTE, NOW),
        ("", LinkPurpose.CONTRIBUTE, NOW),
    ]
    for raw, purpose, now in refused:
        assert exchange_link_token(session, raw, purpose=purpose, now=now) is None
    session.commit()
    assert fresh(session).scalars(select(LinkToken.redeemed_at)).all() == [None, None]
    assert fresh(session).get_one(AdviceRequest, open_request.id).opened_at is None
    assert opened_events(session) == 0


# --- The logs -------------------------------------------------------------------------------


@pytest.mark.parametrize("purpose", list(LinkPurpose))
def test_every_purpose_s_token_is_redacted_from_a_message_and_from_tuple_arguments(
    purpose: LinkPurpose,
) -> None:
    path = LINK_PATHS[purpose]
    url = link_url("https://advice.example.gov.uk", purpose, TOKEN)
    in_message = record(f"Exception on {path}{TOKEN} [POST]", name="advice_hub")
    in_args = record('127.0.0.1 - - "%s" %s %s', (f"GET {path}{TOKEN} HTTP/1.1", "200", "-"))
    for item in (in_message, in_args):
        RedactLinkTokens().filter(item)
        assert TOKEN not in item.getMessage()
        assert f"{path}[redacted]" in item.getMessage()
    as_url = record("Referer %s", (url,))
    RedactLinkTokens().filter(as_url)
    assert as_url.getMessage() == f"Referer https://advice.example.gov.uk{path}[redacted]"


@pytest.mark.parametrize("purpose", list(LinkPurpose))
def test_every_purpose_s_token_is_redacted_from_gunicorn_s_atoms_which_keep_their_type(
    purpose: LinkPurpose,
) -> None:
    path = LINK_PATHS[purpose]
    url = link_url("https://advice.example.gov.uk", purpose, TOKEN)
    atoms = SafeAtoms(
        {
            "r": f"GET {path}{TOKEN} HTTP/1.1",
            "U": f"{path}{TOKEN}",
            "q": "",
            "f": url,
            "{referer}i": url,
            "{raw_uri}e": f"{path}{TOKEN}",
            "s": "200",
            "B": 512,
        }
    )
    line = record(
        '"%(r)s" %(s)s %(B)s "%(f)s" %(U)s %({Referer}i)s %({raw_uri}e)s %({absent}i)s',
        (atoms,),
        name="gunicorn.access",
    )
    assert line.args is atoms
    RedactLinkTokens().filter(line)
    assert isinstance(line.args, SafeAtoms)
    assert line.getMessage() == (
        f'"GET {path}[redacted] HTTP/1.1" 200 512 "https://advice.example.gov.uk{path}[redacted]"'
        f" {path}[redacted] https://advice.example.gov.uk{path}[redacted] {path}[redacted] -"
    )
    assert atoms["U"] == f"{path}{TOKEN}"  # the caller's own atoms are left as they were


def test_a_token_is_redacted_however_its_link_is_written() -> None:
    written = [
        f"/%61/{TOKEN}",  # a server routes /%61/ as /a/
        f"/A/{TOKEN}",
        f"/r/{TOKEN[:10]}%2D{TOKEN[10:]}",
        f"next=https%3A%2F%2Fadvice.example.gov.uk%2Fx%2F{TOKEN}",
        f"\x1b[33mGET /x/{TOKEN} HTTP/1.1\x1b[0m",  # werkzeug's colours on a terminal
    ]
    for text in written:
        line = record("%s", (text,))
        RedactLinkTokens().filter(line)
        assert TOKEN not in line.getMessage() and TOKEN[10:] not in line.getMessage()
        assert "[redacted]" in line.getMessage()


def test_a_token_split_between_the_message_and_its_arguments_is_redacted_in_the_line() -> None:
    line = record("opening /a/%s for %s", (TOKEN, "a contributor"))
    RedactLinkTokens().filter(line)
    assert line.getMessage() == "opening /a/[redacted] for a contributor"


def test_a_token_in_a_traceback_is_redacted() -> None:
    try:
        raise LookupError(f"no page at /r/{TOKEN}")
    except LookupError:
        line = logging.LogRecord("advice_hub", logging.ERROR, __file__, 1, "failed", (), None)
        line.exc_info = sys.exc_info()
    RedactLinkTokens().filter(line)
    text = logging.Formatter().format(line)
    assert TOKEN not in text and "/r/[redacted]" in text


def test_other_text_is_left_as_it_is() -> None:
    for text in ("GET /advice/5f0c/section/about HTTP/1.1", "/static/app.css", "GET /a/ HTTP"):
        line = record("%s", (text,))
        RedactLinkTokens().filter(line)
        assert line.getMessage() == text


def test_a_path_added_to_the_table_is_redacted_as_the_others_are() -> None:
    pattern = token_pattern([*LINK_PATHS.values(), "/new/"])
    assert pattern.sub(r"\1[redacted]", f"GET /new/{TOKEN} HTTP/1.1") == (
        "GET /new/[redacted] HTTP/1.1"
    )
