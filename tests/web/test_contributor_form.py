"""The form engine: one page per section, groups, skippable areas, saving, timeouts, bad input.

These tests pin the tests' own small template (health v90, tests/small_template.py), so they
say exactly which questions exist whatever the published templates ask.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from advice_hub.models import AdviceDraft, AdviceRequest
from notifications.mailbox import links_in, list_messages, read_message
from tests.factories import fresh, make_assessment
from tests.html import parse_page, text_of
from tests.journey import add_item, csrf_of, form_values, mail_folder, open_link, write_item


@pytest.fixture
def form_url(small_template: None, client: FlaskClient, session: Any, svc: Any, jobs: Any) -> str:
    from advice_hub.models import Agency

    make_assessment(session, agreed=True, agencies=(Agency.HEALTH,))
    session.commit()
    jobs.run()
    folder = mail_folder(svc)
    (message,) = list_messages(folder)
    link = links_in(read_message(folder, message.name))[0]
    return open_link(client, link).headers["Location"]


def section(form_url: str, section_id: str) -> str:
    return f"{form_url}/section/{section_id}"


def post(client: FlaskClient, url: str, **values: Any) -> Any:
    page = client.get(url)
    data = form_values(parse_page(page.data))
    data.update(values)
    return client.post(url, data={k: v for k, v in data.items() if v is not None})


def press(client: FlaskClient, url: str, action: str, **values: Any) -> Any:
    """Press a group's button (add, change or remove an item): it saves the page and leads
    to the item's step (or back to the group). Returns the page it leads to, parsed."""
    response = post(client, url, action=action, **values)
    assert response.status_code == 303, parse_page(response.data).get_text(" ")[:1000]
    return parse_page(client.get(response.headers["Location"]).data)


def draft(session: Any) -> dict[str, Any]:
    found = fresh(session).scalar(select(AdviceDraft))
    return dict(found.answers) if found else {}


def test_the_task_list_shows_each_section_and_how_far_it_has_got(
    client: FlaskClient, form_url: str
) -> None:
    soup = parse_page(client.get(form_url).data)
    titles = [a.get_text(strip=True) for a in soup.select("#sections a.govuk-task-list__link")]
    assert titles == ["Your involvement", "Communication and interaction", "Provision"]
    assert "Cannot start yet" in text_of(soup)
    post(client, section(form_url, "involvement"), action="continue")
    soup = parse_page(client.get(form_url).data)
    assert "You have completed 1 of 3 sections" in text_of(soup)


def test_save_and_continue_names_each_unanswered_question_and_saves_the_rest(
    client: FlaskClient, form_url: str, session: Any
) -> None:
    response = post(
        client,
        section(form_url, "involvement"),
        action="continue",
        involvement="",
        on_caseload=None,
        discipline="salt",
    )
    assert response.status_code == 400
    soup = parse_page(response.data)
    links = {a["href"]: a.get_text(strip=True) for a in soup.select(".govuk-error-summary a")}
    assert links["#involvement"] == "Answer \u2018How do you know the child\u2019"
    assert links["#on_caseload"].startswith("Answer")
    assert draft(session)["involvement.discipline"] == "salt"


def test_save_and_come_back_later_never_asks_for_missing_answers(
    client: FlaskClient, form_url: str, session: Any
) -> None:
    response = post(client, section(form_url, "involvement"), action="later", involvement="")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(form_url.rsplit("/", 1)[1])
    assert "Your answers have been saved" in text_of(parse_page(client.get(form_url).data))


def test_a_date_must_be_real_to_continue_and_is_kept_as_typed_meanwhile(
    client: FlaskClient, form_url: str, session: Any
) -> None:
    response = post(
        client,
        section(form_url, "involvement"),
        action="continue",
        **{"seen_on-day": "31", "seen_on-month": "2", "seen_on-year": "2026"},
    )
    assert response.status_code == 400
    assert "must be a real date" in text_of(parse_page(response.data))
    saved = draft(session)
    assert saved["involvement.seen_on"] == {"day": "31", "month": "2", "year": "2026"}
    assert saved["involvement.involvement"]
    ok = post(
        client,
        section(form_url, "involvement"),
        action="continue",
        **{"seen_on-day": "3", "seen_on-month": "11", "seen_on-year": "2026"},
    )
    assert ok.status_code == 303
    assert draft(session)["involvement.seen_on"] == "2026-11-03"


def test_text_over_the_limit_is_refused_with_its_limit_and_kept_on_the_page_and_in_the_draft(
    client: FlaskClient, form_url: str, session: Any
) -> None:
    long_text = "x" * 501
    response = post(
        client, section(form_url, "involvement"), action="continue", involvement=long_text
    )
    assert response.status_code == 400
    soup = parse_page(response.data)
    assert (
        "\u2018How do you know the child\u2019 must be 500 characters or fewer: you have 1 too many"
        in text_of(soup)
    )
    assert soup.find(id="involvement").get_text() == long_text
    assert draft(session)["involvement.involvement"] == long_text


def test_an_area_not_assessed_needs_no_answers_and_shows_as_such(
    client: FlaskClient, form_url: str, session: Any
) -> None:
    blocked = post(client, section(form_url, "communication"), action="continue", needs="")
    assert blocked.status_code == 400
    assert "tick that you have not assessed this area" in text_of(parse_page(blocked.data))
    skipped = post(
        client, section(form_url, "communication"), action="continue", needs="", not_assessed="y"
    )
    assert skipped.status_code == 303
    assert draft(session)["communication._not_assessed"] == "yes"


def test_provision_items_are_added_and_removed_without_javascript(
    client: FlaskClient, form_url: str, session: Any
) -> None:
    url = section(form_url, "provision")
    page = parse_page(client.get(url).data)
    assert "No piece of provision added yet" in text_of(page)
    added = post(client, url, action="add-items")
    assert added.status_code == 303
    # A piece of provision is written on pages of its own, a question at a time.
    assert added.headers["Location"] == f"{url}/items/1/1"
    soup = parse_page(client.get(added.headers["Location"]).data)
    assert soup.find(id="items-0-what") is not None
    back = write_item(client, added.headers["Location"], **{"items-0-what": "Speech therapy"})
    assert back == f"{url}#items-0", "the last step leads back to its card"
    soup = add_item(client, url, "items", **{"items-1-what": "Movement breaks"})
    data = form_values(soup) | {"action": "remove-items-0"}
    removed = client.post(url, data=data)
    assert removed.headers["Location"] == f"{url}#items"
    soup = parse_page(client.get(removed.headers["Location"]).data)
    assert [item["what"] for item in draft(session)["provision.items"]] == ["Movement breaks"]
    assert "Movement breaks" in soup.find(id="items-0").get_text()
    assert soup.find(id="items-1") is None


def test_an_empty_group_cannot_be_continued_past(client: FlaskClient, form_url: str) -> None:
    response = post(client, section(form_url, "provision"), action="continue")
    assert response.status_code == 400
    assert "Add at least one piece of provision" in text_of(parse_page(response.data))


def test_vague_provision_wording_gets_a_prompt_but_never_blocks(
    client: FlaskClient, form_url: str, session: Any
) -> None:
    url = section(form_url, "provision")
    step = post(client, url, action="add-items").headers["Location"]
    data = form_values(parse_page(client.get(step).data)) | {
        "items-0-what": "Regular access to speech therapy as needed",
        "action": "later",
    }
    assert client.post(step, data=data).status_code == 303
    # The saved piece of provision is a card, and the prompt is on it.
    soup = parse_page(client.get(url).data)
    prompt = soup.find(id="items-0").find(id="items-0-what-vague")
    assert prompt is not None
    for term in ("regular", "access to", "as needed"):
        assert f"\u2018{term}\u2019" in prompt.get_text()
    # Changing it, the prompt is read with the text box.
    soup = press(client, url, "change-items-0-what")
    assert "items-0-what-hint" in soup.find(id="items-0-what")["aria-describedby"]
    assert soup.find(id="items-0-what-hint").find(id="items-0-what-vague") is not None
    assert write_item(client, step) == f"{url}#items-0"
    assert post(client, url, action="continue").status_code == 303


def test_autosave_answers_with_json_and_keeps_the_draft_version_moving(
    client: FlaskClient, form_url: str, session: Any
) -> None:
    url = section(form_url, "involvement")
    soup = parse_page(client.get(url).data)
    data = form_values(soup) | {"involvement": "Saved by the page itself", "action": "autosave"}
    response = client.post(url, data=data)
    assert response.status_code == 200
    assert response.json["saved"] is True
    version = response.json["version"]
    assert draft(session)["involvement.involvement"] == "Saved by the page itself"
    again = client.post(url, data=data | {"draft_version": str(version)})
    assert again.json["version"] == version + 1
    stale = client.post(url, data=data | {"draft_version": str(version)})
    assert stale.status_code == 409 and stale.json["reason"] == "conflict"


def test_an_expired_security_token_keeps_what_was_typed_and_asks_to_save_again(
    client: FlaskClient, form_url: str, session: Any
) -> None:
    url = section(form_url, "involvement")
    soup = parse_page(client.get(url).data)
    data = form_values(soup) | {
        "involvement": "Typed over a long lunch",
        "action": "continue",
        "csrf_token": "lapsed-token",
    }
    response = client.post(url, data=data)
    assert response.status_code == 400
    soup = parse_page(response.data)
    assert "Your answers have not been saved yet" in text_of(soup)
    assert soup.find(id="involvement").get_text() == "Typed over a long lunch"
    retry = form_values(soup) | {"action": "continue"}
    assert client.post(url, data=retry).status_code == 303
    assert draft(session)["involvement.involvement"] == "Typed over a long lunch"


def test_a_save_after_access_lapsed_is_kept_but_a_new_page_asks_for_the_link(
    client: FlaskClient, form_url: str, session: Any, svc: Any, monkeypatch: Any
) -> None:
    url = section(form_url, "involvement")
    soup = parse_page(client.get(url).data)
    # Every cookie has lapsed.
    svc.settings = replace(svc.settings, contributor_access_seconds=-1)
    data = form_values(soup) | {"involvement": "Left open overnight", "action": "later"}
    assert client.post(url, data=data).status_code == 303
    assert draft(session)["involvement.involvement"] == "Left open overnight"
    client.delete_cookie("__Host-advice-" + form_url.rsplit("/", 1)[1].replace("-", ""))
    assert client.get(url).status_code == 403


def test_keep_alive_renews_access(client: FlaskClient, form_url: str) -> None:
    token = csrf_of(client.get(section(form_url, "involvement")).data)
    response = client.post(f"{form_url}/keep-alive", headers={"X-CSRFToken": token})
    assert response.status_code == 200 and response.json["renewed"] is True
    assert "__Host-advice-" in response.headers["Set-Cookie"]


def test_hostile_answers_show_as_text_on_every_page(
    client: FlaskClient, form_url: str, session: Any
) -> None:
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    post(client, section(form_url, "involvement"), action="later", involvement=hostile)
    for url in (section(form_url, "involvement"), f"{form_url}/check"):
        html = client.get(url).data.decode()
        assert "<script>alert" not in html
        assert "&lt;script&gt;" in html


def test_an_unknown_section_is_a_404(client: FlaskClient, form_url: str) -> None:
    assert client.get(section(form_url, "nope")).status_code == 404


def test_the_declaration_offers_only_the_templates_registration_bodies(
    client: FlaskClient, form_url: str, session: Any
) -> None:
    for section_id in ("involvement", "communication"):
        post(client, section(form_url, section_id), action="continue")
    url = section(form_url, "provision")
    soup = add_item(client, url, "items")
    client.post(url, data=form_values(soup) | {"action": "continue"})
    page = client.get(f"{form_url}/declaration")
    assert page.status_code == 200
    soup = parse_page(page.data)
    values = [i["value"] for i in soup.select("input[name=registration_body]")]
    assert values == ["", "HCPC", "GMC"]
    fresh(session)
    assert session.scalar(select(AdviceRequest)).template_version == 90


def test_text_that_is_not_utf8_gets_a_clear_message_and_the_rest_is_saved(
    client: FlaskClient, form_url: str, session: Any
) -> None:
    url = section(form_url, "involvement")
    soup = parse_page(client.get(url).data)
    values = form_values(soup) | {"action": "later"}
    values.pop("involvement")
    from urllib.parse import urlencode

    body = urlencode(values).encode() + b"&involvement=caf%E9+in+Latin-1"
    response = client.post(url, data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert "could not be read" in text_of(parse_page(response.data))
    saved = draft(session)
    assert "involvement.involvement" not in saved
    assert saved["involvement.discipline"] == "paediatrics"


def test_an_expired_token_on_the_declaration_keeps_the_details_and_sends_nothing(
    client: FlaskClient, form_url: str, session: Any
) -> None:
    from advice_hub.models import SealedAdvice
    from tests.journey import complete_every_section

    complete_every_section(client, form_url)
    data = {
        "csrf_token": "lapsed",
        "name": "Dr Kept Name",
        "role": "Paediatrician",
        "registration_body": "",
        "confirm": "y",
    }
    response = client.post(f"{form_url}/declaration", data=data)
    assert response.status_code == 400
    soup = parse_page(response.data)
    assert "nothing was sent" in text_of(soup)
    assert soup.find(id="name")["value"] == "Dr Kept Name"
    assert fresh(session).scalar(select(SealedAdvice)) is None
    retry = client.post(
        f"{form_url}/declaration", data=data | {"csrf_token": csrf_of(response.data)}
    )
    assert retry.status_code == 303


def test_a_page_shown_again_after_a_lapsed_token_runs_its_scripts_under_the_policy(
    client: FlaskClient, form_url: str
) -> None:
    import re

    url = section(form_url, "involvement")
    data = form_values(parse_page(client.get(url).data)) | {"csrf_token": "lapsed"}
    response = client.post(url, data=data | {"action": "later"})
    assert response.status_code == 400
    nonce = re.search(r"'nonce-([^']*)'", response.headers["Content-Security-Policy"])
    assert nonce and nonce.group(1), "the policy names the page's nonce"
    assert f'nonce="{nonce.group(1)}"' in response.data.decode()


def test_each_piece_of_provision_is_a_card_with_a_change_button_for_each_answer(
    client: FlaskClient, form_url: str, session: Any
) -> None:
    url = section(form_url, "provision")
    add_item(client, url, "items", **{"items-0-what": "Speech therapy weekly"})
    soup = add_item(client, url, "items")
    # Each is a card of its answers with its own buttons; none is written on this page.
    card = soup.find(id="items-0")
    assert "govuk-summary-card" in card["class"]
    assert "Speech therapy weekly" in card.get_text()
    buttons = {b.get_text(" ", strip=True): b["value"] for b in card.select("button")}
    assert buttons == {
        "Remove piece of provision 1": "remove-items-0",
        "Change what (piece of provision 1)": "change-items-0-what",
        "Change delivered by (piece of provision 1)": "change-items-0-who",
        "Change starting on (piece of provision 1)": "change-items-0-starts_on",
        "Change plan section (piece of provision 1)": "change-items-0-section",
    }
    assert len(soup.select(".app-item-card")) == 2
    assert not soup.select("textarea"), "no item is written on the section page"
    # Its answers still go with every post, so saving the page keeps them.
    assert soup.find("input", attrs={"name": "items-0-what", "type": "hidden"})["value"] == (
        "Speech therapy weekly"
    )
    assert client.post(url, data=form_values(soup) | {"action": "later"}).status_code == 303
    assert draft(session)["provision.items"][0]["what"] == "Speech therapy weekly"
    # "Change" saves the page and opens the one step asking that answer, which leads back
    # to the card (not on through the item's other steps).
    changed = post(client, url, action="change-items-0-who")
    step = f"{url}/items/1/2?change=yes"
    assert changed.headers["Location"] == step
    soup = parse_page(client.get(step).data)
    assert soup.find("form", attrs={"method": "post"})["action"] == step
    assert soup.select_one(".govuk-back-link")["href"] == f"{url}#items-0"
    assert soup.find("h1").get_text(strip=True) == "Delivered by"
    data = form_values(soup) | {"items-0-who": "Speech and language therapist"}
    back = client.post(step, data=data | {"action": "continue"})
    assert back.status_code == 303 and back.headers["Location"] == f"{url}#items-0"
    saved = draft(session)["provision.items"]
    assert saved[0]["who"] == "Speech and language therapist"
    assert saved[0]["what"] == "Speech therapy weekly" and len(saved) == 2


def test_a_step_moves_on_only_when_its_answer_passes_and_keeps_what_was_typed(
    client: FlaskClient, form_url: str, session: Any
) -> None:
    url = section(form_url, "provision")
    first = post(client, url, action="add-items").headers["Location"]
    data = form_values(parse_page(client.get(first).data)) | {"action": "continue"}
    second = client.post(first, data=data).headers["Location"]
    assert second == f"{url}/items/1/2"
    soup = parse_page(client.get(second).data)
    assert soup.select_one(".govuk-back-link")["href"] == first
    caption = soup.select_one(".govuk-caption-m").get_text(strip=True)
    assert caption == "Piece of provision 1 of 1, question 2 of 4"
    response = client.post(second, data=form_values(soup) | {"items-0-who": "", "action": ""})
    assert response.status_code == 400
    soup = parse_page(response.data)
    links = {a["href"]: a.get_text(strip=True) for a in soup.select(".govuk-error-summary a")}
    assert links == {"#items-0-who": "Answer \u2018Delivered by\u2019"}
    # Over its limit: kept as typed, and the step says by how much.
    response = client.post(second, data=form_values(soup) | {"items-0-who": "x" * 250})
    assert response.status_code == 400
    soup = parse_page(response.data)  # carrying the draft's new version
    assert "you have 50 too many" in text_of(soup)
    assert soup.find(id="items-0-who")["value"] == "x" * 250
    assert draft(session)["provision.items"][0]["who"] == "x" * 250
    done = client.post(second, data=form_values(soup) | {"items-0-who": "Therapist"})
    assert done.status_code == 303 and done.headers["Location"] == f"{url}/items/1/3"


def test_a_piece_of_provision_still_to_finish_says_what_it_lacks_on_its_card(
    client: FlaskClient, form_url: str
) -> None:
    url = section(form_url, "provision")
    step = post(client, url, action="add-items").headers["Location"]
    data = form_values(parse_page(client.get(step).data)) | {"action": "later"}
    assert client.post(step, data=data).status_code == 303
    soup = parse_page(client.get(url).data)
    assert "Not answered" in soup.find(id="items-0").get_text()
    response = client.post(url, data=form_values(soup) | {"action": "continue"})
    assert response.status_code == 400
    soup = parse_page(response.data)
    links = {a["href"]: a.get_text(strip=True) for a in soup.select(".govuk-error-summary a")}
    assert links == {
        "#items-0-who": "Piece of provision 1: Answer \u2018Delivered by\u2019",
        "#items-0-section": "Piece of provision 1: Answer \u2018Plan section\u2019",
    }
    # Each link lands on the card's row, with the message and its "Change" button.
    row = soup.find(id="items-0-who")
    assert "Answer \u2018Delivered by\u2019" in row.get_text()
    assert row.find("button")["value"] == "change-items-0-who"
