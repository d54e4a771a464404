"""Checks every page test applies: unique ids, CSRF tokens on forms, labels for inputs."""

from __future__ import annotations

from collections import Counter

from bs4 import BeautifulSoup


def parse_page(html: str | bytes) -> BeautifulSoup:
    """Parse a page and assert the structural rules every page must keep."""
    soup = BeautifulSoup(html, "html.parser")
    ids = Counter(tag["id"] for tag in soup.find_all(id=True))
    duplicates = [i for i, n in ids.items() if n > 1]
    assert not duplicates, f"duplicate ids: {duplicates}"
    for form in soup.find_all("form"):
        if (form.get("method") or "get").lower() == "post":
            assert form.find("input", attrs={"name": "csrf_token"}), f"form without CSRF: {form}"
    labelled = {label.get("for") for label in soup.find_all("label")}
    for control in soup.find_all(["input", "textarea", "select"]):
        if control.get("type") in {"hidden", "submit", "button"}:
            continue
        assert control.get("id") in labelled, f"control without a label: {control}"
    assert soup.title and soup.title.string.strip(), "page without a title"
    assert len(soup.find_all("h1")) == 1, "a page has exactly one h1"
    return soup


def text_of(soup: BeautifulSoup) -> str:
    return " ".join(soup.get_text(" ").split())
