"""`advice-hub templates`: check every advice template, publish a new version."""

from __future__ import annotations

import sys

import click


@click.group("templates")
def templates_group() -> None:
    """Advice templates."""


@templates_group.command("check")
def templates_check() -> None:
    """Validate every template file; exits non-zero naming each broken file."""
    from forms import check_all

    problems = check_all()
    for problem in problems:
        click.echo(problem, err=True)
    if problems:
        sys.exit(1)
    click.echo("all templates are valid")


@templates_group.command("publish")
@click.argument("source", type=click.Path(dir_okay=False))
def templates_publish(source: str) -> None:
    """Publish SOURCE (<key>.v<version>.json) as the next version of its template.

    A published version never changes: the file must be the next version of an agency's
    template. Publishing an identical file again changes nothing and succeeds.
    """
    from pathlib import Path

    from forms.publish import AlreadyPublished, publish_template
    from forms.templates import TemplateError, parse_template_file

    try:
        target = publish_template(Path(source))
    except AlreadyPublished as exc:
        click.echo(str(exc))
        return
    except TemplateError as exc:
        click.echo(f"not published: {exc}", err=True)
        sys.exit(1)
    template = parse_template_file(target)
    click.echo(
        f"published {template.key} version {template.version} ({template.title}) as {target}\n"
        f"new {template.key} requests use version {template.version}; "
        "requests already sent keep the version they were sent with"
    )
