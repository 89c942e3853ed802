"""`recommender forms ...`: check questionnaire files, load them into the database."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from recommender.cli import with_app

DEFAULT_FORMS_DIR = Path(__file__).resolve().parents[2] / "forms"


@click.group()
def forms() -> None:
    """Questionnaire definitions (forms/*.yaml)."""


@forms.command("check")
@click.argument("paths", nargs=-1, type=click.Path(dir_okay=False))
def forms_check(paths: tuple[str, ...]) -> None:
    """Check questionnaire files (default: every forms/*.yaml); no database needed."""
    from recommender.questionnaire import check_paths

    files = list(paths) or [str(p) for p in sorted(DEFAULT_FORMS_DIR.glob("*.yaml"))]
    problems = check_paths(files)
    for problem in problems:
        click.echo(str(problem))
    if problems:
        click.echo(f"{len(problems)} problem(s)", err=True)
        sys.exit(1)
    click.echo(f"ok: {len(files)} questionnaires")


@forms.command("load")
@with_app
def forms_load() -> None:
    """Load new questionnaire versions from FORMS_DIR into the database."""
    from recommender.services.questionnaires import load_directory

    loaded = load_directory()
    click.echo(f"loaded: {', '.join(loaded)}" if loaded else "questionnaires: up to date")


COMMANDS = [forms]
