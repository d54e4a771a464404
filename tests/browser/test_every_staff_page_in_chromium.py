"""Every staff and administration page, opened in Chromium by the person it is for and
scanned with axe-core against WCAG 2.2 A and AA.

The pages are those ``tests/web/test_every_page_renders.py`` lists (which fails when a GET
route is missing from its list), on the same demo assessment under way, so a page added to
the staff side is scanned here without a new test.
"""

from __future__ import annotations

from collections import defaultdict

import pytest
from flask import url_for
from playwright.sync_api import Page

from advice_hub.cli.demo_data import DEMO_USERS
from advice_hub.services import Services
from tests.browser.conftest import LiveServer, OpenContext
from tests.browser.journey import check_page
from tests.web.test_every_page_renders import SIGNED_IN_AS, STAFF_PAGES, _under_way, _url_values

pytestmark = pytest.mark.browser


def _sign_in(page: Page, url: str, who: int) -> None:
    """Sign in as DEMO_USERS[who], scanning the sign-in page and the page it lands on."""
    page.goto(url)
    check_page(page)
    page.get_by_label(DEMO_USERS[who][1], exact=False).first.check()
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    check_page(page)


def test_every_staff_page_passes_an_axe_scan(
    open_context: OpenContext, live_server: LiveServer, svc: Services
) -> None:
    pages: dict[int, list[str]] = defaultdict(list)
    # Written as the app writes (its sessions take SQLite's write lock up front), since the
    # live server's worker sends the demo's emails meanwhile.
    with svc.session_factory() as writer, live_server.app.test_request_context():
        demo = _under_way(writer, svc)
        for endpoint, kind in sorted(STAFF_PAGES.items()):
            if kind == "page" and endpoint not in {"staff.sign_in", "staff.sign_out"}:
                url = url_for(endpoint, **_url_values(endpoint, demo))
                pages[SIGNED_IN_AS.get(endpoint, 0)].append(url)
        sign_in_page = url_for("staff.sign_in")
        writer.commit()
    scanned = 0
    for who, urls in sorted(pages.items()):
        page = open_context().new_page()
        _sign_in(page, sign_in_page, who)
        for url in urls:
            response = page.goto(url)
            assert response is not None and response.status == 200, url
            check_page(page)
            scanned += 1
        page.close()
    assert scanned == sum(len(urls) for urls in pages.values()) >= 39  # as many as listed
