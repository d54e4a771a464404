"""Driving the app through the test client, as people do: the helpers every test shares.

The emailed link, the CSRF token a form carries, a member of staff signing in, and the folder
the file mail backend writes to live here and nowhere else.

The filler reads each section page as a browser would and answers every control: text for
text boxes, the first choice of radios and checkboxes, a date for date inputs, and one item
for each repeatable group. Tests use it to fill and send every template.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bs4 import BeautifulSoup
from flask.testing import FlaskClient

from notifications.mailbox import links_in, list_messages, read_message
from tests.html import parse_page


def path_of(url: str) -> str:
    return urlsplit(url).path


def csrf_of(html: str | bytes) -> str:
    text = html.decode() if isinstance(html, bytes) else html
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', text)
    assert match, "no CSRF token on the page"
    return match.group(1)


def open_link(client: FlaskClient, url: str) -> Any:
    """GET the emailed link's start page, then press Start; returns the redirect."""
    start = client.get(path_of(url))
    assert start.status_code == 200, start.status_code
    response = client.post(path_of(url), data={"csrf_token": csrf_of(start.data)})
    assert response.status_code == 303, response.status_code
    return response


def sign_in(client: FlaskClient, user_id: int) -> FlaskClient:
    """Sign a member of staff in through the development sign-in page."""
    page = client.get("/sign-in")
    response = client.post("/sign-in", data={"user": user_id, "csrf_token": csrf_of(page.data)})
    assert response.status_code == 302, response.status_code
    return client


def sign_out(client: FlaskClient) -> Any:
    """Press the navigation's "Sign out" button (a POST with the page's CSRF token)."""
    page = client.get("/assessments")
    assert page.status_code == 200, page.status_code
    return client.post("/sign-out", data={"csrf_token": csrf_of(page.data)})


def mail_folder(svc: Any) -> Path:
    """Where the file mail backend writes each email the app sends."""
    return Path(svc.settings.mail_outbox_dir)


def form_values(soup: BeautifulSoup, *, text: str = "Answer") -> dict[str, Any]:
    """What a browser would post from a section page after a person answered every blank
    control: values already on the page are kept, blanks are filled in."""
    data: dict[str, Any] = {}
    form = soup.find("form", attrs={"method": "post"})
    checked = {c["name"] for c in form.find_all("input", checked=True) if c.get("name")}
    for control in form.find_all("input"):
        name, kind = control.get("name"), control.get("type", "text")
        if not name or kind in {"submit", "button"}:
            continue
        if kind == "hidden":
            data[name] = control.get("value", "")
        elif kind in {"radio", "checkbox"}:
            if name in checked:
                if control.has_attr("checked"):
                    data[name] = control["value"]
            elif name != "not_assessed":
                data.setdefault(name, control["value"])
        elif control.get("value"):
            data[name] = control["value"]
        elif name.endswith("-day"):
            data[name] = "3"
        elif name.endswith("-month"):
            data[name] = "11"
        elif name.endswith("-year"):
            data[name] = "2026"
        else:
            data[name] = f"{text} {name}"[:200]
    for area in form.find_all("textarea"):
        typed = area.get_text()
        data[area["name"]] = typed or f"{text} for {area['name']}: weekly, 30 minutes, by a SALT"
    return data


def section_links(client: FlaskClient, form_url: str) -> list[str]:
    page = parse_page(client.get(form_url).data)
    return [a["href"] for a in page.select("#sections a.govuk-task-list__link")]


# One step of one repeatable item: /advice/<request>/section/<section>/<group>/<n>/<step>.
ITEM_STEP = re.compile(r"/section/[a-z0-9_]+/[a-z0-9_]+/\d+/\d+$")


def write_item(client: FlaskClient, step_url: str, *, text: str = "Answer", **answers: Any) -> str:
    """From an item's step, answer each step's blank controls (and `answers`, by field
    name, where a step asks them) and press Continue on each, as a person writes a piece of
    provision a question at a time. Returns where the last step leads (the item's card)."""
    url = step_url
    while ITEM_STEP.search(path_of(url)):
        page = client.get(url)
        assert page.status_code == 200, page.status_code
        data = form_values(parse_page(page.data), text=text)
        data |= {name: value for name, value in answers.items() if name in data}
        response = client.post(url, data=data | {"action": "continue"})
        assert response.status_code == 303, parse_page(response.data).get_text(" ")[:1000]
        url = response.headers["Location"]
    return url


def add_item(
    client: FlaskClient, section_url: str, group_id: str, *, text: str = "Answer", **answers: Any
) -> BeautifulSoup:
    """Press a group's "Add" on a section page (it saves the page as a browser would post
    it), write the new item step by step, and return the section page it leads back to."""
    soup = parse_page(client.get(section_url).data)
    data = form_values(soup, text=text) | {"action": f"add-{group_id}"}
    response = client.post(section_url, data=data)
    assert response.status_code == 303, parse_page(response.data).get_text(" ")[:1000]
    back = write_item(client, response.headers["Location"], text=text, **answers)
    page = client.get(back)
    assert page.status_code == 200, page.status_code
    return parse_page(page.data)


def complete_section(client: FlaskClient, section_url: str, *, text: str = "Answer") -> Any:
    """Answer every question of a section, adding one item to each empty group."""
    page = client.get(section_url)
    assert page.status_code == 200
    soup = parse_page(page.data)
    for button in soup.select('button[name="action"][value^="add-"]'):
        if not button["value"]:
            continue
        soup = add_item(client, section_url, button["value"].removeprefix("add-"), text=text)
    response = client.post(section_url, data=form_values(soup, text=text) | {"action": "continue"})
    assert response.status_code == 303, parse_page(response.data).get_text(" ")[:2000]
    return response


def complete_every_section(client: FlaskClient, form_url: str, *, text: str = "Answer") -> None:
    for link in section_links(client, form_url):
        complete_section(client, link, text=text)


def sign_and_send(client: FlaskClient, form_url: str, **declaration: str) -> Any:
    page = client.get(f"{form_url}/declaration")
    assert page.status_code == 200, page.status_code
    soup = parse_page(page.data)
    data = {
        "csrf_token": csrf_of(page.data),
        "name": "Dr Chris Jones",
        "role": "Community paediatrician",
        "confirm": "y",
    }
    if soup.find("input", attrs={"name": "registration_body"}):
        data |= {"registration_body": "", "registration_number": ""}
    data |= declaration
    return client.post(f"{form_url}/declaration", data=data)


def link_to(svc: Any, address: str) -> str:
    """The link in the newest email to `address`."""
    folder = mail_folder(svc)
    for stored in list_messages(folder):  # newest first
        if stored.to == address:
            return links_in(read_message(folder, stored.name))[0]
    raise AssertionError(f"no email to {address}")
