"""Plain-text email bodies in RFC 3676 "format=flowed".

Each paragraph of a rendered ``body.txt`` is one line. Sending it unwrapped breaks the RFC 5322
advice of 78 characters a line; hard wrapping it at 72 gives ragged, half-empty lines on a
phone. format=flowed does both jobs: lines are wrapped at 72 for clients that show raw text,
and each soft break ends with a space so that Apple Mail, Thunderbird and others re-flow the
paragraph to the width of the screen. Words are never split, so a long link stays whole on a
line of its own and still works when copied.
"""

from __future__ import annotations

import re
import textwrap

WIDTH = 72

# RFC 3676 section 4.4: lines starting with these would be misread (quote marks, or the
# "From " mbox separator), so flowed text prefixes them with one space.
_NEEDS_STUFFING = re.compile(r"^(?: |>|From )")
_SIGNATURE_SEPARATOR = "-- "


def flow(text: str, width: int = WIDTH) -> str:
    """Wrap ``text`` as format=flowed (DelSp=no), one input line being one paragraph.

    Blank lines are kept (runs of them collapse to one); trailing whitespace is removed.
    """
    out: list[str] = []
    previous_blank = True
    for raw in text.splitlines():
        line = raw.rstrip()
        if not line:
            if not previous_blank:
                out.append("")
            previous_blank = True
            continue
        previous_blank = False
        if len(line) <= width:
            pieces = [line]
        else:
            pieces = textwrap.wrap(
                line,
                width=width,
                break_long_words=False,
                break_on_hyphens=False,
                drop_whitespace=True,
            )
        last = len(pieces) - 1
        for index, piece in enumerate(pieces):
            if _NEEDS_STUFFING.match(piece):
                piece = " " + piece
            # The trailing space marks a soft break; the paragraph's last line has none.
            out.append(piece + " " if index < last else piece)
    while out and not out[-1]:
        out.pop()
    return "\n".join(out) + "\n"


def unflow(text: str) -> str:
    """Join the soft-broken lines of format=flowed (DelSp=no) text back into paragraphs."""
    paragraphs: list[str] = []
    current: list[str] = []
    for raw in text.splitlines():
        line = raw[1:] if raw.startswith(" ") else raw
        if line != _SIGNATURE_SEPARATOR and line.endswith(" "):
            current.append(line)
            continue
        current.append(line)
        paragraphs.append("".join(current))
        current = []
    if current:
        paragraphs.append("".join(current).rstrip())
    return "\n".join(paragraphs) + ("\n" if paragraphs else "")
