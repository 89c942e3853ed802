"""`recommender rules import|export|publish|history|rollback|test`: ruleset versions.

These join the `rules` group of `recommender.commands.rules` (which owns `rules check`).
"""

from __future__ import annotations

import sys
from typing import Any

import click

from recommender.cli import with_app
from recommender.errors import DefinitionError

try:
    from recommender.commands.rules import rules as rules_group

    COMMANDS: list[click.Command] = []
except ModuleNotFoundError as exc:  # the engine's command module is not there yet
    if exc.name != "recommender.commands.rules":
        raise

    @click.group("rules")
    def rules_group() -> None:
        """Rulesets: import, check, publish, roll back."""

    COMMANDS = [rules_group]


def _actor(email: str | None) -> Any:
    if not email:
        return None
    from recommender.errors import NotFound
    from recommender.services.users import get_by_email

    user = get_by_email(email)
    if user is None:
        raise NotFound(f"No user with email {email}.")
    if not user.has_role("author", "admin"):
        raise NotFound(f"{email} is not an author or admin.")
    return user


def _fail_with_problems(exc: DefinitionError) -> None:
    for problem in exc.problems:
        click.echo(str(problem), err=True)
    sys.exit(1)


as_option = click.option(
    "--as", "as_email", default=None, metavar="EMAIL", help="Act as this author (their draft; recorded in the audit log)."
)


@rules_group.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--publish", "publish_now", is_flag=True, help="Publish it as the next version at once.")
@as_option
@with_app
def import_cmd(path: str, publish_now: bool, as_email: str | None) -> None:
    """Import a ruleset YAML file, with the data files its data: names (read from beside it),
    as a draft (refused with path:line:col lines if invalid)."""
    from recommender.services import authoring

    try:
        row, created = authoring.import_file(path, _actor(as_email), publish_now=publish_now)
    except DefinitionError as exc:
        _fail_with_problems(exc)
        return
    name = row.ruleset.name
    if row.data_files:
        click.echo(f"{name}: with data files {', '.join(sorted(row.data_files))}")
    if row.status == "published":
        click.echo(f"{name}: published version {row.version}")
    else:
        click.echo(f"{name}: {'new ruleset, ' if created else ''}draft saved; publish it with `recommender rules publish {name}`")


@rules_group.command("export")
@click.argument("name")
@click.option("--version", "version", type=int, default=None, help="A published version (default: the active one).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Write the YAML here, and its data files beside it (as `rules import` reads them).")
@click.option("--file", "file_name", default=None, metavar="NAME",
              help="Print (or write) this data file of the version instead of the ruleset.")
@with_app
def export_cmd(name: str, version: int | None, output: str | None, file_name: str | None) -> None:
    """Print (or write) a ruleset version's YAML; with -o also its data files."""
    from pathlib import Path

    from recommender.services import authoring
    from recommender.services.authoring.data_files import safe_file_name

    if file_name:
        text = authoring.export_file(name, file_name, version)
        files: dict[str, str] = {}
    else:
        text = authoring.export(name, version)
        files = authoring.export_files(name, version)
    if not output:
        click.echo(text, nl=not text.endswith("\n"))
        if files:
            click.echo(
                f"# {name} names data files {', '.join(sorted(files))}: print one with --file NAME, "
                "or write them all beside the YAML with -o FILE",
                err=True,
            )
        return
    target = Path(output)
    for data_name in files:
        if not safe_file_name(data_name):
            raise click.ClickException(f"refusing to write data file '{data_name}' outside {target.parent}")
    target.write_text(text, encoding="utf-8")
    click.echo(f"wrote {output}")
    for data_name, data_text in sorted(files.items()):
        path = target.parent / data_name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(data_text, encoding="utf-8")
        click.echo(f"wrote {path}")


@rules_group.command("publish")
@click.argument("name")
@click.option("--note", default="", help="Why this version (kept with it and in the audit log).")
@as_option
@with_app
def publish_cmd(name: str, note: str, as_email: str | None) -> None:
    """Publish the draft (checked, scenarios run) as the next active version."""
    from recommender.services import authoring

    try:
        row = authoring.publish(name, _actor(as_email), note)
    except DefinitionError as exc:
        _fail_with_problems(exc)
        return
    except authoring.ScenariosFailed as exc:
        click.echo(exc.message, err=True)
        sys.exit(1)
    click.echo(f"{name}: published version {row.version} (active)")


@rules_group.command("history")
@click.argument("name")
@with_app
def history_cmd(name: str) -> None:
    """Published versions, newest first; * marks the active one."""
    from recommender.services import authoring

    ruleset = authoring.get_ruleset(name)
    for row in authoring.history(name):
        mark = "*" if row.id == ruleset.active_version_id else " "
        when = row.published_at.strftime("%Y-%m-%d %H:%M:%S") if row.published_at else ""
        who = authoring.user_name(row.published_by_id)
        click.echo(f"{mark} v{row.version:<4} {when}  {who}  {row.note}".rstrip())


@rules_group.command("rollback")
@click.argument("name")
@click.option("--to", "to_version", type=int, required=True, help="The version to bring back.")
@click.option("--note", default="")
@as_option
@with_app
def rollback_cmd(name: str, to_version: int, note: str, as_email: str | None) -> None:
    """Publish a copy of an old version as the newest version."""
    from recommender.services import authoring

    try:
        row = authoring.rollback(name, to_version, _actor(as_email), note)
    except authoring.AlreadyActive as exc:  # nothing to do: not a failure
        click.echo(f"{name}: {exc.message}")
        return
    except DefinitionError as exc:
        _fail_with_problems(exc)
        return
    except authoring.ScenariosFailed as exc:
        click.echo(exc.message, err=True)
        sys.exit(1)
    click.echo(f"{name}: version {to_version} published again as version {row.version} (active)")


@rules_group.command("test")
@click.argument("name")
@click.option("--version", "version", type=int, default=None, help="A published version.")
@click.option("--draft", "use_draft", is_flag=True, help="Test the draft (of --as, else the command-line draft).")
@as_option
@with_app
def test_cmd(name: str, version: int | None, use_draft: bool, as_email: str | None) -> None:
    """Run the ruleset's stored scenarios; exit 1 when any fails."""
    from recommender.errors import NotFound
    from recommender.services import authoring

    if use_draft:
        row = authoring.draft_for(name, _actor(as_email))
        if row is None:
            raise NotFound(f"There is no draft of '{name}'.")
    elif version is not None:
        row = authoring.get_version(name, version)
    else:
        row = authoring.active_version(name)
    try:
        report = authoring.run_scenarios(name, row.source, row.scenarios, row.data_files or {})
    except DefinitionError as exc:
        _fail_with_problems(exc)
        return
    if not report.results and not report.problems:
        click.echo(f"{name}: no scenarios are stored with this version; add some in the workbench.")
        sys.exit(1)
    for problem in report.problems:
        click.echo(str(problem))
    for result in report.results:
        click.echo(f"{'PASS' if result.passed else 'FAIL'}  {authoring.SCENARIOS_PATH}:{result.line}  {result.name}")
        for failure in result.failures:
            click.echo(f"      line {failure.line}: {failure.message}")
    click.echo(f"{report.passed} passed, {report.failed} failed, {len(report.problems)} problems")
    if not report.ok:
        sys.exit(1)
