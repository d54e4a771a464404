"""Every published advice template, filled in and sent in Chromium from its emailed link."""

from __future__ import annotations

from typing import Any

import pytest

from advice_hub.models import Agency
from forms import latest_version
from tests.browser.conftest import LiveServer, OpenContext
from tests.browser.journey import (
    assert_sealed_as_shown,
    check_answers_and_continue,
    complete_every_section,
    request_advice,
    sign_and_send,
    start,
)

pytestmark = pytest.mark.browser


def test_every_published_template_is_filled_in_and_sent_from_its_emailed_link(
    open_context: OpenContext, live_server: LiveServer, session: Any
) -> None:
    links = request_advice(live_server, session, *Agency)
    for agency, link in links.items():
        context = open_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        form_url = start(page, link)
        complete_every_section(page, text=f"{agency.label} advice")
        check_answers_and_continue(page)
        fingerprint = sign_and_send(page)
        sealed = assert_sealed_as_shown(session, form_url, fingerprint)
        assert sealed.advice_request.template_version == latest_version(agency.value)
        context.close()
