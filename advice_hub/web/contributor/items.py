"""Repeatable items on a section page (pieces of provision, outcomes): one edited at a time.

Each item not being edited is a summary card with its answers and its own "Change" and
"Remove" buttons, and carries its answers in hidden fields, so every post still holds the
whole group. The item being edited is open: the one just added or changed (named in the
page's address, `?item=<question>-<n>`), any item showing an error, or, when the page is
opened afresh, the first item still to finish. On a phone the person sees one short item
at a time, and every button that adds, changes, saves or removes an item saves the page
and brings them back to that item (`#<question>-<n>`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import request
from flask_wtf import FlaskForm

from forms.answers import answer_key
from forms.checks import Problem, item_problems
from forms.templates import Question, Section
from forms.wtf import answers_from_form, field_has_errors

VERBS = ("add", "change", "done", "remove")


@dataclass(frozen=True)
class ItemAction:
    """A button of a group: add an item, or change, save ("done") or remove item `index`."""

    verb: str
    group: Question
    index: int | None = None

    @property
    def item(self) -> str:
        """The item's name on the page (its id, and its card's): `<question>-<n>`."""
        return f"{self.group.id}-{self.index}"


def item_action(section: Section, action: str) -> ItemAction | None:
    """The group button `action` names (`add-items`, `change-items-2`...), or None."""
    verb, _, rest = action.partition("-")
    if verb not in VERBS:
        return None
    group_id, index = rest, None
    if verb != "add":
        group_id, _, number = rest.rpartition("-")
        if not number.isdigit():
            return None
        index = int(number)
    group = next((q for q in section.questions if q.id == group_id and q.kind == "group"), None)
    return ItemAction(verb, group, index) if group is not None else None


def apply_item_action(form: FlaskForm, act: ItemAction) -> ItemAction | None:
    """Add or remove the item in the posted form before it is saved. Returns the action
    with the new item's index (an item added), or None if there is nothing it can act on
    (the group is full, or the item is not there)."""
    entries = form[act.group.id]
    if act.verb == "add":
        if len(entries.entries) >= act.group.max_items:
            return None
        entries.append_entry()
        return ItemAction("add", act.group, len(entries.entries) - 1)
    if act.index is None or act.index >= len(entries.entries):
        return None
    if act.verb == "remove":
        # Rebuild the list so the remaining items are numbered from 0 again.
        kept = [entry.data for i, entry in enumerate(entries.entries) if i != act.index]
        while entries.entries:
            entries.pop_entry()
        for data in kept:
            entries.append_entry(data)
    return act


def problems_of_item(section: Section, act: ItemAction, answers: dict[str, Any]) -> list[Problem]:
    """What the item saved by its own button ("Save piece of provision 2") still lacks."""
    items = answers.get(answer_key(section, act.group)) or []
    if act.index is None or act.index >= len(items):
        return []
    return item_problems(section, act.group, act.index, items[act.index])


def requested_item(section: Section, form: FlaskForm) -> str | None:
    """The item the page's address asks to open (`?item=`), if the section has it."""
    named = request.args.get("item", "")
    found = item_action(section, f"change-{named}")
    if found is None or found.index is None:
        return None
    return found.item if found.index < len(form[found.group.id].entries) else None


def open_items(section: Section, form: FlaskForm, chosen: str | None) -> set[str]:
    """The items the page shows open: the one chosen (just added or changed), any showing
    an error and, when there are neither, the first item still to finish."""
    opened = {chosen} if chosen else set()
    for group in (q for q in section.questions if q.kind == "group"):
        for index, entry in enumerate(form[group.id].entries):
            if field_has_errors(entry):
                opened.add(f"{group.id}-{index}")
    if opened:
        return opened
    answers = answers_from_form(section, form)
    for group in (q for q in section.questions if q.kind == "group"):
        for index, item in enumerate(answers.get(answer_key(section, group)) or []):
            if item_problems(section, group, index, item):
                return {f"{group.id}-{index}"}
    return set()
