"""Repeatable items on a section page (pieces of provision, outcomes): summary cards, each
written on short pages of its own.

On the section page every item is a summary card of its answers, with a "Change" button for
each answer and a "Remove" button, and carries its answers in hidden fields, so every post
still holds the whole group. Adding an item or changing one of its answers saves the section
page as typed, then leads to the item's steps (`web/contributor/steps.py`): one question a
page, or the whole item on one page when it asks no more than `ONE_PAGE_PARTS` questions. On
a phone the person sees one question at a time and never loses their place: each step says
which item and which question it is, and the last (or the one changed) leads back to the
item's card.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import url_for
from flask_wtf import FlaskForm

from forms.templates import Question, Section

VERBS = ("add", "change", "remove")
# An item asking this many questions or fewer (a contact: its date and where) is short enough
# to write on one page; a longer one (a piece of provision asks seven) gets a page a question.
ONE_PAGE_PARTS = 3


@dataclass(frozen=True)
class ItemAction:
    """A button of a group: add an item, or change (one answer of) or remove item `index`."""

    verb: str
    group: Question
    index: int | None = None
    part: Question | None = None

    @property
    def item(self) -> str:
        """The item's name on the page (its card's id): `<question>-<n>`."""
        return f"{self.group.id}-{self.index}"


def item_action(section: Section, action: str) -> ItemAction | None:
    """The group button `action` names (`add-items`, `change-items-2`, `change-items-2-what`,
    `remove-items-2`...), or None. Ids never hold a hyphen, so the parts split cleanly."""
    verb, _, rest = action.partition("-")
    if verb not in VERBS:
        return None
    group_id, *where = rest.split("-")
    group = next((q for q in section.questions if q.id == group_id and q.kind == "group"), None)
    if group is None:
        return None
    if verb == "add":
        return ItemAction(verb, group) if not where else None
    if not 1 <= len(where) <= (2 if verb == "change" else 1) or not where[0].isdigit():
        return None
    part = None
    if len(where) == 2:
        part = next((f for f in group.fields if f.id == where[1]), None)
        if part is None:
            return None
    return ItemAction(verb, group, int(where[0]), part)


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


def item_steps(group: Question) -> tuple[tuple[Question, ...], ...]:
    """The pages an item of `group` is written on, each the questions it asks, in order."""
    if len(group.fields) <= ONE_PAGE_PARTS:
        return (group.fields,)
    return tuple((part,) for part in group.fields)


def step_of(group: Question, part: Question | None) -> int:
    """The step (from 1) that asks `part` (the first step if None)."""
    for number, step in enumerate(item_steps(group), start=1):
        if part in step:
            return number
    return 1


def step_url(
    request_id: object,
    section: Section,
    group: Question,
    index: int,
    step: int,
    *,
    returning: bool,
    change: bool = False,
    anchor: str | None = None,
) -> str:
    """The address of one step of item `index` (from 0) of `group`. `change` is a single
    answer changed from its card: its step leads back to the card, not on to the next."""
    return url_for(
        "contributor.item_step",
        request_id=request_id,
        section_id=section.id,
        group_id=group.id,
        item=index + 1,
        step=step,
        return_to="check" if returning else None,
        change="yes" if change else None,
        _anchor=anchor,
    )
