"""What a contributor typed is never lost, however they leave a section page, and a section is
completed only by "Save and continue".

A draft is work in progress: it keeps an answer over its limit, a date that is not real yet, a
group item half written. The checks an answer must pass (its limit, a real date, readable text)
are made on "Save and continue", on "Check your answers" and when the advice is sent, each
naming its question. Only a post too large for any answer is refused whole, loudly.

These tests pin the tests' own small template (health v90, tests/small_template.py): "How do
you know the child?" takes 500 characters, "What are their needs?" and a piece of provision's
"What" 10,000.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from advice_hub.models import SealedAdvice
from advice_hub.web.contributor.sections import SECTION_POST_LIMIT
from tests.factories import fresh
from tests.html import parse_page, text_of
from tests.journey import add_item, complete_every_section, csrf_of, form_values, write_item
from tests.web.test_contributor_form import draft, form_url, post, section

__all__ = ["form_url"]  # the fixture, shared with the form engine's own tests

# 50,000 characters as a paste from a document brings them: paragraphs, typographic quotes,
# accents, a dash.
PARAGRAPH = (
    "Seen in clinic with mum \u2013 \u201cshe\u2019s happier\u201d; na\u00efve caf\u00e9 notes.\n"
)
LONG = (PARAGRAPH * (50_000 // len(PARAGRAPH) + 1))[:49_999] + "."
assert len(LONG) == 50_000


def summary_links(response: Any) -> dict[str, str]:
    soup = parse_page(response.data)
    return {a["href"]: a.get_text(strip=True) for a in soup.select(".govuk-error-summary a")}


def statuses(client: FlaskClient, form_url: str) -> dict[str, str]:
    soup = parse_page(client.get(form_url).data)
    return {
        row.select_one(".govuk-task-list__link").get_text(strip=True): row.select_one(
            ".govuk-task-list__status"
        ).get_text(strip=True)
        for row in soup.select("#sections .govuk-task-list__item")
    }


# --- Point 1: an answer over its limit is kept, and the error names its question -------------


def test_save_and_come_back_later_keeps_an_answer_over_its_limit_whole(
    client: FlaskClient, form_url: str, session: Any
) -> None:
    url = section(form_url, "involvement")
    response = post(client, url, action="later", involvement=LONG)
    assert response.status_code == 303
    assert draft(session)["involvement.involvement"] == LONG
    reopened = parse_page(client.get(url).data)
    assert reopened.find(id="involvement").get_text() == LONG


def test_save_and_continue_keeps_an_answer_over_its_limit_and_names_the_question(
    client: FlaskClient, form_url: str, session: Any
) -> None:
    response = post(client, section(form_url, "involvement"), action="continue", involvement=LONG)
    assert response.status_code == 400
    message = (
        "\u2018How do you know the child\u2019 must be 500 characters or fewer: "
        "you have 49,500 too many"
    )
    assert summary_links(response)["#involvement"] == message
    soup = parse_page(response.data)
    assert message in soup.find(id="involvement-error").get_text()
    assert soup.find(id="involvement").get_text() == LONG
    assert draft(session)["involvement.involvement"] == LONG


def test_autosave_keeps_an_answer_over_its_limit(
    client: FlaskClient, form_url: str, session: Any
) -> None:
    url = section(form_url, "communication")
    data = form_values(parse_page(client.get(url).data)) | {"needs": LONG, "action": "autosave"}
    response = client.post(url, data=data, headers={"Accept": "application/json"})
    assert response.status_code == 200 and response.json["saved"] is True
    assert draft(session)["communication.needs"] == LONG


def test_a_piece_of_provision_over_its_limit_keeps_every_item_of_the_group(
    client: FlaskClient, form_url: str, session: Any
) -> None:
    url = section(form_url, "provision")
    add_item(client, url, "items", **{"items-0-what": "Speech therapy"})
    step = post(client, url, action="add-items").headers["Location"]
    data = form_values(parse_page(client.get(step).data)) | {"items-1-what": LONG * 2}
    # Continue keeps it as typed and says by how much it is over; so does coming back later.
    refused = client.post(step, data=data | {"action": "continue"})
    assert refused.status_code == 400
    assert summary_links(refused)["#items-1-what"] == (
        "\u2018What\u2019 must be 10,000 characters or fewer: you have 90,000 too many"
    )
    assert parse_page(refused.data).find(id="items-1-what").get_text() == LONG * 2
    again = form_values(parse_page(refused.data))  # the page carries the draft's new version
    assert again["items-1-what"] == LONG * 2
    response = client.post(step, data=again | {"action": "later"})
    assert response.status_code == 303
    items = draft(session)["provision.items"]
    assert [item["what"] for item in items] == ["Speech therapy", LONG * 2]
    blocked = client.post(
        url, data=form_values(parse_page(client.get(url).data)) | {"action": "continue"}
    )
    assert blocked.status_code == 400
    assert summary_links(blocked)["#items-1-what"] == (
        "Piece of provision 2: \u2018What\u2019 must be 10,000 characters or fewer: "
        "you have 90,000 too many"
    )


def test_a_date_that_is_not_real_yet_is_kept_as_typed_until_it_is_sent(
    client: FlaskClient, form_url: str, session: Any
) -> None:
    url = section(form_url, "involvement")
    parts = {"seen_on-day": "31", "seen_on-month": "2", "seen_on-year": "2026"}
    assert post(client, url, action="later", **parts).status_code == 303
    soup = parse_page(client.get(url).data)
    assert {name: soup.find(id=name)["value"] for name in parts} == parts
    blocked = post(client, url, action="continue")
    assert blocked.status_code == 400
    assert summary_links(blocked)["#seen_on-day"] == (
        "The date for when did you last see them must be a real date, like 27 3 2026"
    )


def test_a_lapsed_security_token_on_autosave_gets_a_fresh_one_and_the_retry_is_kept(
    client: FlaskClient, form_url: str, session: Any
) -> None:
    url = section(form_url, "communication")
    page = client.get(url)
    data = form_values(parse_page(page.data)) | {"needs": LONG, "action": "autosave"}
    lapsed = client.post(
        url, data=data | {"csrf_token": "lapsed"}, headers={"Accept": "application/json"}
    )
    assert lapsed.status_code == 400
    assert lapsed.json["saved"] is False and lapsed.json["reason"] == "expired"
    assert "communication.needs" not in draft(session), "a refused token saves nothing"
    retry = client.post(
        url,
        data=data | {"csrf_token": lapsed.json["csrf_token"]},
        headers={"Accept": "application/json"},
    )
    assert retry.status_code == 200 and retry.json["saved"] is True
    assert draft(session)["communication.needs"] == LONG


def test_a_post_too_large_for_any_answer_is_refused_loudly_and_nothing_is_cut(
    client: FlaskClient, form_url: str, session: Any
) -> None:
    url = section(form_url, "communication")
    post(client, url, action="later", needs="Already saved")
    limit = SECTION_POST_LIMIT
    huge = "x" * (limit + 1)
    data = form_values(parse_page(client.get(url).data)) | {"needs": huge}
    response = client.post(url, data=data | {"action": "later"})
    assert response.status_code == 413
    soup = parse_page(response.data)
    assert "Your answers have not been saved" in text_of(soup)
    assert f"{limit // 1000:,} KB" in text_of(soup)
    autosave = client.post(
        url, data=data | {"action": "autosave"}, headers={"Accept": "application/json"}
    )
    assert autosave.status_code == 413
    assert autosave.json == {"saved": False, "reason": "too_large", "limit": limit}
    assert draft(session)["communication.needs"] == "Already saved"


def test_advice_with_an_answer_over_its_limit_cannot_be_sent_and_check_names_the_question(
    client: FlaskClient, form_url: str, session: Any
) -> None:
    complete_every_section(client, form_url)
    post(client, section(form_url, "involvement"), action="later", involvement=LONG)
    check = client.get(f"{form_url}/check")
    soup = parse_page(check.data)
    message = (
        "\u2018How do you know the child\u2019 must be 500 characters or fewer: "
        "you have 49,500 too many"
    )
    [link] = [a for a in soup.select(".govuk-error-summary a") if a.get_text(strip=True) == message]
    assert link["href"].endswith("/section/involvement?return_to=check#involvement")
    assert "Continue to declaration" not in text_of(soup)
    assert client.get(f"{form_url}/declaration").status_code == 302
    token = csrf_of(client.get(section(form_url, "involvement")).data)
    sent = client.post(
        f"{form_url}/declaration",
        data={"csrf_token": token, "name": "Dr A", "role": "Doctor", "confirm": "y"},
    )
    assert sent.status_code == 302 and sent.headers["Location"].endswith("/check")
    assert fresh(session).scalar(select(SealedAdvice)) is None


# --- Point 2: only "Save and continue" completes a section ----------------------------------


def test_autosave_leaves_a_section_in_progress_however_complete_its_answers(
    client: FlaskClient, form_url: str, session: Any
) -> None:
    url = section(form_url, "involvement")
    data = form_values(parse_page(client.get(url).data)) | {"action": "autosave"}
    assert client.post(url, data=data).json["saved"] is True
    assert statuses(client, form_url)["Your involvement"] == "In progress"
    assert "You have completed 0 of 3 sections" in text_of(parse_page(client.get(form_url).data))


def test_ticking_not_assessed_and_autosaving_leaves_the_area_in_progress(
    client: FlaskClient, form_url: str
) -> None:
    url = section(form_url, "communication")
    data = form_values(parse_page(client.get(url).data)) | {
        "needs": "",
        "not_assessed": "y",
        "action": "autosave",
    }
    assert client.post(url, data=data).json["saved"] is True
    assert statuses(client, form_url)["Communication and interaction"] == "In progress"


def test_save_and_continue_completes_a_section_and_a_later_change_puts_it_back_in_progress(
    client: FlaskClient, form_url: str, session: Any
) -> None:
    url = section(form_url, "involvement")
    assert post(client, url, action="continue").status_code == 303
    assert statuses(client, form_url)["Your involvement"] == "Completed"
    # Saving again unchanged keeps it completed; changing it without continuing does not.
    assert post(client, url, action="later").status_code == 303
    assert statuses(client, form_url)["Your involvement"] == "Completed"
    assert post(client, url, action="later", involvement="Changed my mind").status_code == 303
    assert statuses(client, form_url)["Your involvement"] == "In progress"
    # A "Save and continue" its checks refuse leaves it in progress too.
    assert post(client, url, action="continue", involvement=LONG).status_code == 400
    assert statuses(client, form_url)["Your involvement"] == "In progress"


def test_check_and_send_opens_only_when_every_section_was_saved_and_continued(
    client: FlaskClient, form_url: str
) -> None:
    complete_every_section(client, form_url)
    url = section(form_url, "provision")
    data = form_values(parse_page(client.get(url).data)) | {"items-0-what": "Now daily"}
    assert client.post(url, data=data | {"action": "autosave"}).json["saved"] is True
    soup = parse_page(client.get(form_url).data)
    assert "Cannot start yet" in text_of(soup)
    assert soup.select_one("#send a.govuk-task-list__link") is None


# --- Point 3: "Change" on Check your answers comes back there -------------------------------


@pytest.fixture
def change_links(client: FlaskClient, form_url: str) -> dict[str, str]:
    complete_every_section(client, form_url)
    soup = parse_page(client.get(f"{form_url}/check").data)
    return {
        a.select_one(".govuk-visually-hidden").get_text(strip=True): a["href"]
        for a in soup.select(".govuk-summary-list__actions a")
    }


def test_change_on_check_your_answers_returns_there_after_save_and_continue(
    client: FlaskClient, form_url: str, change_links: dict[str, str]
) -> None:
    href = change_links["How do you know the child?"]
    assert href.endswith("/section/involvement?return_to=check#involvement")
    page = parse_page(client.get(href).data)
    # The page posts to its address without the fragment, so none is carried on.
    assert page.select_one("form[method=post]")["action"] == href.split("#")[0]
    back = page.select_one(".govuk-back-link")
    assert back.get_text(strip=True) == "Back to check your answers"
    assert back["href"] == f"{form_url}/check"
    response = client.post(
        href.split("#")[0],
        data=form_values(page) | {"involvement": "Met at school", "action": "continue"},
    )
    assert response.status_code == 303
    # Back at the section changed.
    assert response.headers["Location"] == f"{form_url}/check#section-involvement"
    check = parse_page(client.get(f"{form_url}/check").data)
    assert check.find(id="section-involvement") is not None
    assert "Met at school" in text_of(check)


def test_change_returns_to_check_your_answers_after_adding_a_piece_of_provision(
    client: FlaskClient, form_url: str, change_links: dict[str, str]
) -> None:
    url = change_links["Provision"].split("#")[0]
    added = post(client, url, action="add-items")
    assert added.headers["Location"].endswith("/section/provision/items/2/1?return_to=check")
    back = write_item(client, added.headers["Location"])
    assert back == f"{url}#items-1"
    soup = parse_page(client.get(back).data)
    response = client.post(url, data=form_values(soup) | {"action": "continue"})
    assert response.status_code == 303
    assert response.headers["Location"] == f"{form_url}/check#section-provision"


def test_only_check_your_answers_is_a_place_to_return_to(
    client: FlaskClient, form_url: str
) -> None:
    url = section(form_url, "involvement") + "?return_to=https://example.com/"
    response = post(client, url, action="continue")
    assert response.status_code == 303
    assert response.headers["Location"] == section(form_url, "communication")


def test_a_save_after_access_is_gone_shows_what_was_typed_to_copy_and_saves_nothing(
    client: FlaskClient, form_url: str, session: Any
) -> None:
    url = section(form_url, "provision")
    step = post(client, url, action="add-items").headers["Location"]
    soup = parse_page(client.get(step).data)
    data = form_values(soup) | {"items-0-what": LONG, "action": "later"}
    # The browser no longer holds the access (closed overnight, or the link was passed on).
    client.delete_cookie("__Host-advice-" + form_url.rsplit("/", 1)[1].replace("-", ""))
    response = client.post(step, data=data)
    assert response.status_code == 403
    page = parse_page(response.data)
    assert "What you typed has not been saved" in text_of(page)
    typed = {
        page.find("label", attrs={"for": area["id"]}).get_text(strip=True): area.get_text()
        for area in page.select("textarea[readonly]")
    }
    assert typed["Piece of provision 1: What"] == LONG
    assert draft(session)["provision.items"][0]["what"] == "", "nothing was saved"
    # A post without a valid security token shows nothing back.
    forged = client.post(step, data=data | {"csrf_token": "forged"})
    assert forged.status_code == 403
    assert not parse_page(forged.data).select("textarea")
