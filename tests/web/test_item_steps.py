"""The pages a piece of provision is written on, a question a page, without JavaScript: every
way of leaving a step keeps what was typed, exactly as a section page does, and an address
that names no step is a 404.

On the tests' small template (health v90, tests/small_template.py): a piece of provision asks
four questions ("What", "Delivered by" of 200 characters at most, an optional "Starting on"
date and "Plan section"), so each is a step of its own.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask.testing import FlaskClient

from advice_hub.web.contributor.sections import SECTION_POST_LIMIT
from tests.html import parse_page, text_of
from tests.journey import add_item, complete_every_section, form_values, write_item
from tests.web.test_contributor_form import draft, form_url, post, section
from tests.web.test_contributor_form_keeps_typing import LONG, statuses

__all__ = ["form_url"]


def first_step(client: FlaskClient, form_url: str) -> str:
    """Add a piece of provision; returns the address of its first step."""
    added = post(client, section(form_url, "provision"), action="add-items")
    assert added.status_code == 303
    return str(added.headers["Location"])


def test_an_address_that_names_no_step_is_a_404_not_a_500(
    client: FlaskClient, form_url: str
) -> None:
    step = first_step(client, form_url)
    provision = section(form_url, "provision")
    assert step == f"{provision}/items/1/1"
    assert client.get(step).status_code == 200
    for missing in (
        f"{provision}/items/1/0",  # steps count from 1
        f"{provision}/items/1/5",  # the item asks four questions
        f"{provision}/items/1/99999999999999999999",
        f"{provision}/items/1/-1",
        f"{provision}/items/1/two",
        f"{provision}/items/0/1",  # items count from 1
        f"{provision}/items/2/1",  # there is one item
        f"{provision}/nope/1/1",  # no such group
        f"{section(form_url, 'involvement')}/involvement/1/1",  # a question, not a group
        f"{section(form_url, 'nope')}/items/1/1",
    ):
        assert client.get(missing).status_code == 404, missing
    data = form_values(parse_page(client.get(step).data)) | {"action": "continue"}
    assert client.post(f"{provision}/items/2/1", data=data).status_code == 404
    assert client.post(f"{provision}/items/1/9", data=data).status_code == 404


def test_each_step_says_where_it_is_and_leads_on_then_back_to_the_card(
    client: FlaskClient, form_url: str, session: Any
) -> None:
    provision = section(form_url, "provision")
    step = first_step(client, form_url)
    seen = []
    while "/items/" in step:
        soup = parse_page(client.get(step).data)
        seen.append(
            (
                soup.select_one(".govuk-caption-m").get_text(strip=True),
                soup.find("h1").get_text(strip=True),
                soup.select_one(".govuk-back-link")["href"],
            )
        )
        response = client.post(step, data=form_values(soup) | {"action": "continue"})
        assert response.status_code == 303
        step = response.headers["Location"]
    assert step == f"{provision}#items-0"
    assert seen == [
        ("Piece of provision 1 of 1, question 1 of 4", "What", f"{provision}#items-0"),
        ("Piece of provision 1 of 1, question 2 of 4", "Delivered by", f"{provision}/items/1/1"),
        (
            "Piece of provision 1 of 1, question 3 of 4",
            "Starting on (optional)",
            f"{provision}/items/1/2",
        ),
        ("Piece of provision 1 of 1, question 4 of 4", "Plan section", f"{provision}/items/1/3"),
    ]
    [item] = draft(session)["provision.items"]
    assert item["who"] == "Answer items-0-who" and item["section"] == "F"


def test_a_lapsed_security_token_on_a_step_keeps_what_was_typed_and_saves_nothing(
    client: FlaskClient, form_url: str, session: Any
) -> None:
    step = first_step(client, form_url)
    soup = parse_page(client.get(step).data)
    data = form_values(soup) | {
        "items-0-what": "Typed over a long lunch",
        "action": "continue",
        "csrf_token": "lapsed-token",
    }
    response = client.post(step, data=data)
    assert response.status_code == 400
    soup = parse_page(response.data)
    assert "Your answers have not been saved yet" in text_of(soup)
    assert soup.find(id="items-0-what").get_text() == "Typed over a long lunch"
    assert draft(session)["provision.items"][0]["what"] == ""
    retry = client.post(step, data=form_values(soup) | {"action": "continue"})
    assert retry.status_code == 303
    assert draft(session)["provision.items"][0]["what"] == "Typed over a long lunch"


def test_autosave_on_a_step_answers_with_json_as_on_a_section_page(
    client: FlaskClient, form_url: str, session: Any
) -> None:
    step = first_step(client, form_url)
    data = form_values(parse_page(client.get(step).data)) | {
        "items-0-what": LONG,
        "action": "autosave",
    }
    saved = client.post(step, data=data, headers={"Accept": "application/json"})
    assert saved.status_code == 200 and saved.json["saved"] is True
    assert draft(session)["provision.items"][0]["what"] == LONG, "kept whole, over its limit"
    version = saved.json["version"]
    again = client.post(step, data=data | {"draft_version": str(version)})
    assert again.json["version"] == version + 1
    stale = client.post(step, data=data | {"draft_version": str(version)})
    assert stale.status_code == 409 and stale.json["reason"] == "conflict"
    lapsed = client.post(step, data=data | {"csrf_token": "lapsed"})
    assert lapsed.status_code == 400 and lapsed.json["reason"] == "expired"
    assert lapsed.json["csrf_token"]


def test_a_save_from_another_window_meanwhile_is_not_overwritten(
    client: FlaskClient, form_url: str, session: Any
) -> None:
    step = first_step(client, form_url)
    soup = parse_page(client.get(step).data)
    assert client.post(step, data=form_values(soup) | {"action": "later"}).status_code == 303
    mine = form_values(soup) | {"items-0-what": "Typed in the old tab", "action": "continue"}
    response = client.post(step, data=mine)
    assert response.status_code == 400
    soup = parse_page(response.data)
    assert "Your answers were saved from another window" in text_of(soup)
    assert soup.find(id="items-0-what").get_text() == "Typed in the old tab"
    other_window = "Answer for items-0-what: weekly, 30 minutes, by a SALT"
    assert draft(session)["provision.items"][0]["what"] == other_window


def test_text_that_is_not_utf8_on_a_step_is_refused_and_the_saved_answer_kept(
    client: FlaskClient, form_url: str, session: Any
) -> None:
    step = first_step(client, form_url)
    values = form_values(parse_page(client.get(step).data)) | {"action": "continue"}
    values.pop("items-0-what")
    body = urlencode(values).encode() + b"&items-0-what=caf%E9+in+Latin-1"
    response = client.post(step, data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert "could not be read" in text_of(parse_page(response.data))
    assert draft(session)["provision.items"][0]["what"] == ""


def test_a_post_to_a_step_too_large_for_any_answer_is_refused_whole(
    client: FlaskClient, form_url: str, session: Any
) -> None:
    step = first_step(client, form_url)
    data = form_values(parse_page(client.get(step).data)) | {"action": "later"}
    response = client.post(step, data=data | {"items-0-what": "x" * (SECTION_POST_LIMIT + 1)})
    assert response.status_code == 413
    assert "Your answers have not been saved" in text_of(parse_page(response.data))
    assert draft(session)["provision.items"][0]["what"] == ""


def test_changing_an_answer_on_a_step_puts_a_completed_section_back_in_progress(
    client: FlaskClient, form_url: str, session: Any
) -> None:
    provision = section(form_url, "provision")
    add_item(client, provision, "items", **{"items-0-what": "Speech therapy"})
    add_item(client, provision, "items", **{"items-1-what": "Movement breaks"})
    assert post(client, provision, action="continue").status_code == 303
    assert statuses(client, form_url)["Provision"] == "Completed"
    changed = post(client, provision, action="change-items-1-what")
    step = changed.headers["Location"]
    assert step == f"{provision}/items/2/1?change=yes"
    back = write_item(client, step, **{"items-1-what": "Movement breaks every hour"})
    assert back == f"{provision}#items-1"
    assert statuses(client, form_url)["Provision"] == "In progress"
    items = draft(session)["provision.items"]
    assert [item["what"] for item in items] == ["Speech therapy", "Movement breaks every hour"]
    assert post(client, provision, action="continue").status_code == 303
    assert statuses(client, form_url)["Provision"] == "Completed"


def test_check_your_answers_links_a_piece_of_provisions_problem_to_its_step_and_back(
    client: FlaskClient, form_url: str, session: Any
) -> None:
    complete_every_section(client, form_url)
    provision = section(form_url, "provision")
    step = f"{provision}/items/1/1"
    data = form_values(parse_page(client.get(step).data)) | {"items-0-what": LONG}
    assert client.post(step, data=data | {"action": "later"}).status_code == 303
    check = parse_page(client.get(f"{form_url}/check").data)
    [link] = check.select(".govuk-error-summary a")
    assert link["href"] == f"{step}?return_to=check&change=yes#items-0-what"
    assert link.get_text(strip=True).startswith("Piece of provision 1: \u2018What\u2019 must be")
    soup = parse_page(client.get(link["href"]).data)
    assert soup.find(id="items-0-what").get_text() == LONG
    fixed = form_values(soup) | {"items-0-what": "Speech therapy, weekly", "action": "continue"}
    back = client.post(link["href"].split("#")[0], data=fixed)
    assert back.headers["Location"] == f"{provision}?return_to=check#items-0"
    done = post(client, f"{provision}?return_to=check", action="continue")
    assert done.headers["Location"] == f"{form_url}/check#section-provision"


def test_a_save_to_a_piece_removed_meanwhile_is_a_404_that_shows_what_was_typed(
    client: FlaskClient, form_url: str, session: Any
) -> None:
    provision = section(form_url, "provision")
    add_item(client, provision, "items", **{"items-0-what": "Speech therapy"})
    step = post(client, provision, action="add-items").headers["Location"]
    assert step == f"{provision}/items/2/1"
    typing = form_values(parse_page(client.get(step).data)) | {"items-1-what": "Typed here"}
    # Meanwhile, in another tab, the second piece is removed.
    assert post(client, provision, action="remove-items-1").status_code == 303
    response = client.post(step, data=typing | {"action": "continue"})
    assert response.status_code == 404
    page = parse_page(response.data)
    assert "This piece of provision is no longer in your advice" in text_of(page)
    assert page.select_one("textarea[readonly]").get_text() == "Typed here"
    assert page.find("label", attrs={"for": "typed-1"}).get_text(strip=True) == (
        "Piece of provision 2: What"
    )
    autosave = client.post(step, data=typing | {"action": "autosave"})
    assert autosave.status_code == 404 and autosave.json == {"saved": False, "reason": "gone"}
    assert [item["what"] for item in draft(session)["provision.items"]] == ["Speech therapy"]
