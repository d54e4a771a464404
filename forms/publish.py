"""Publishing a new template version: validated, numbered in order, never overwriting.

A published version never changes, because every advice request pins the version it was sent
with and its advice is shown and sealed against that version for good. So publishing refuses:
- a file that does not validate (the message names the file, the field and the problem);
- a key that is not an agency key, or an `agency` other than the key (requests find their
  template by agency);
- a version that is already published with different content;
- a version that is not exactly the next one (1 for a new key, otherwise latest + 1).
Publishing a file identical to the published version changes nothing and raises
`AlreadyPublished`, which callers may treat as success: re-running a deployment step is safe.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from advice_hub.models import Agency
from forms import templates
from forms.templates import FILE_NAME, AdviceTemplate, TemplateError, parse_template_file


class AlreadyPublished(TemplateError):
    """This exact file is already published; nothing was written."""


def published_versions(key: str) -> list[int]:
    """Every published version of one template, oldest first."""
    return sorted(
        int(m["version"])
        for path in templates.DEFINITIONS.glob(f"{key}.v*.json")
        if (m := FILE_NAME.match(path.name)) and m["key"] == key
    )


def published_keys() -> list[str]:
    """Every key with at least one published version, in file-name order."""
    return sorted(
        {
            m["key"]
            for path in templates.DEFINITIONS.glob("*.json")
            if (m := FILE_NAME.match(path.name))
        }
    )


def publish_template(source: Path) -> Path:
    """Validate `source` (named `<key>.v<version>.json`) and add it to the published templates.

    Returns the published path. Raises TemplateError, naming the file, when it must not be
    published, and AlreadyPublished when an identical file already is.
    """
    if not source.is_file():
        raise TemplateError(f"{source}: no such file")
    template = parse_template_file(source)
    _check_key(source.name, template)
    # The canonical name ("v3", never "v03") is the one load_template looks for.
    target = templates.DEFINITIONS / f"{template.key}.v{template.version}.json"
    content = source.read_bytes()
    if target.exists():
        _refuse_republishing(source.name, template, content, target)
    versions = published_versions(template.key)
    expected = versions[-1] + 1 if versions else 1
    if template.version != expected:
        published = ", ".join(str(v) for v in versions) or "none"
        raise TemplateError(
            f"{source.name}: version: {template.version} cannot be published; the next version "
            f"of {template.key!r} is {expected} (published: {published}). Versions are numbered "
            "in order without gaps."
        )
    _write_new_file(target, content, source.name, template)
    # A new version cannot be cached yet (failed loads are not cached); clearing is a guard
    # for long-lived callers, so they read exactly what is now on disk.
    templates.load_template.cache_clear()
    return target


def _check_key(name: str, template: AdviceTemplate) -> None:
    agency_keys = [a.value for a in Agency]
    if template.key not in agency_keys:
        raise TemplateError(
            f"{name}: key: {template.key!r} is not an agency key; use one of "
            f"{', '.join(agency_keys)}"
        )
    if template.agency != template.key:
        raise TemplateError(
            f"{name}: agency: {template.agency!r} must be the same as the key "
            f"{template.key!r}, because requests find their template by agency"
        )


def _refuse_republishing(name: str, template: AdviceTemplate, content: bytes, target: Path) -> None:
    if target.read_bytes() == content:
        raise AlreadyPublished(
            f"{name}: version {template.version} of {template.key!r} is already published "
            "with identical content; nothing to do"
        )
    versions = published_versions(template.key)
    raise TemplateError(
        f"{name}: version {template.version} of {template.key!r} is already published and a "
        "published version never changes (requests sent with it are shown and sealed against "
        f"it). Publish the change as version {versions[-1] + 1} instead."
    )


def _write_new_file(target: Path, content: bytes, name: str, template: AdviceTemplate) -> None:
    """Write the whole file under a temporary name, then link it into place.

    A reader never sees a half-written template, and os.link refuses an existing target, so two
    people publishing the same version at once cannot overwrite each other.
    """
    descriptor, temporary = tempfile.mkstemp(
        dir=target.parent, prefix=f".{target.name}.", suffix=".partial"
    )
    try:
        # mkstemp makes the file private to its owner; templates are public, read by the web
        # and worker processes whatever user they run as.
        os.fchmod(descriptor, 0o644)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, target)
        except FileExistsError:
            raise TemplateError(
                f"{name}: version {template.version} of {template.key!r} was published by "
                "someone else a moment ago; check it and publish any change as the next version"
            ) from None
    finally:
        os.unlink(temporary)
