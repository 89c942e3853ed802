"""The `recommender` command line. Feature command groups live in recommender/commands/."""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable
from functools import wraps
from typing import Any

import click
from sqlalchemy.exc import DBAPIError

from recommender.errors import NotFound, RecommenderError

DEMO_USERS = [
    ("sa@example.com", "demo-sa-pass", "sa", "Sam Architect"),
    ("author@example.com", "demo-author-pass", "author", "Ada Author"),
    ("admin@example.com", "demo-admin-pass", "admin", "Alex Admin"),
]


def make_app() -> Any:
    """The app to act on: one handed in through click's `obj` (tests), else a new one."""
    from recommender import create_app

    ctx = click.get_current_context(silent=True)
    obj = ctx.find_object(dict) if ctx else None
    if obj and "app" in obj:
        return obj["app"]
    return create_app()


def with_app(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Run the command inside an app context; domain errors exit 1 with their message."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        app = make_app()
        with app.app_context():
            try:
                return fn(*args, **kwargs)
            except RecommenderError as exc:
                click.echo(f"error: {exc.message}", err=True)
                sys.exit(1)
            except DBAPIError as exc:
                if not _missing_schema(exc):
                    raise
                click.echo(
                    "error: the database is not set up yet (no tables); run "
                    "`recommender setup` first (or `recommender db upgrade` for the schema only).",
                    err=True,
                )
                sys.exit(1)

    return wrapper


def _missing_schema(exc: DBAPIError) -> bool:
    """A query failed because the tables do not exist (never migrated)."""
    text = str(exc.orig).lower()
    return "no such table" in text or ("relation" in text and "does not exist" in text)


@click.group()
def main() -> None:
    """Discovery questionnaires and Stripe solution recommendations."""


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply all Alembic migrations."""
    from recommender.db import upgrade

    app = make_app()
    upgrade(app.config["DATABASE_URL"])
    click.echo("database is up to date")


@main.group()
def users() -> None:
    """User accounts."""


@users.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(["sa", "author", "admin"]), required=True)
@click.option("--name", default="", help="Display name.")
@click.password_option(envvar="RECOMMENDER_PASSWORD")
@with_app
def users_create(email: str, role: str, name: str, password: str) -> None:
    """Create a user with a role (sa, author, admin)."""
    from recommender.services.users import create_user

    user = create_user(email, password, role, name)
    click.echo(f"created {user.email} ({user.role})")


@users.command("set-password")
@click.argument("email")
@click.password_option(envvar="RECOMMENDER_PASSWORD")
@with_app
def users_set_password(email: str, password: str) -> None:
    """Reset a user's password (an admin's reset); every session of theirs ends."""
    from recommender.services import users as user_service

    user = user_service.get_by_email(email)
    if user is None:
        raise NotFound(f"There is no user with email {email}.")
    ended = user_service.reset_password(user.id, password)
    click.echo(f"password of {user.email} changed; {ended} session(s) ended")


@users.command("sign-out")
@click.argument("email")
@with_app
def users_sign_out(email: str) -> None:
    """End every session of a user ("sign out everywhere")."""
    from recommender.services import users as user_service

    user = user_service.get_by_email(email)
    if user is None:
        raise NotFound(f"There is no user with email {email}.")
    ended = user_service.sign_out_everywhere(user.id, None)
    click.echo(f"{user.email}: {ended} session(s) ended")


def _seed_definitions(app: Any) -> None:
    """Load forms/ and rules/ into the database (each loader is idempotent)."""
    for module_name, func_name, label in [
        ("recommender.services.questionnaires", "load_directory", "questionnaires"),
        ("recommender.services.rulesets", "import_directory", "rulesets"),
    ]:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue
        loaded = getattr(module, func_name)()
        click.echo(f"{label}: {', '.join(loaded) if loaded else 'up to date'}")


@main.command()
@click.option("--demo-users/--no-demo-users", default=True)
def setup(demo_users: bool) -> None:
    """Migrate the database, load forms/ and rules/, create the demo users."""
    from recommender.db import upgrade
    from recommender.services.users import create_user, get_by_email

    app = make_app()
    upgrade(app.config["DATABASE_URL"])
    click.echo(f"database: {app.config['DATABASE_URL']}")
    with app.app_context():
        try:
            _seed_definitions(app)
        except RecommenderError as exc:
            click.echo(f"error: {exc.message}", err=True)
            sys.exit(1)
        if demo_users:
            click.echo("demo users (email / password / role):")
            for email, password, role, name in DEMO_USERS:
                if get_by_email(email) is None:
                    create_user(email, password, role, name)
                click.echo(f"  {email:22} {password:18} {role}")


@main.command()
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=5000, type=int)
@click.option("--debug/--no-debug", default=False)
def run(host: str, port: int, debug: bool) -> None:
    """Serve the app with Flask's server (development). Production: gunicorn, see docs."""
    app = make_app()
    click.echo(f"serving on http://{host}:{port}")
    app.run(host=host, port=port, debug=debug, use_reloader=False, threaded=True)


@main.command()
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
def worker(burst: bool) -> None:
    """Run background jobs (impact preview, lint) from the RQ queue at REDIS_URL."""
    from recommender.services import jobs

    app = make_app()
    if not app.config.get("REDIS_URL"):
        click.echo(
            "error: REDIS_URL is not set; without it jobs run inside the web process and no "
            "worker is needed (see docs/operations.md).",
            err=True,
        )
        sys.exit(1)
    jobs.run_worker(app, burst=burst)


def _register_command_modules() -> None:
    for name in sorted(os.listdir(os.path.join(os.path.dirname(__file__), "commands"))):
        if name.endswith(".py") and not name.startswith("_"):
            module = importlib.import_module(f"recommender.commands.{name[:-3]}")
            for command in getattr(module, "COMMANDS", []):
                main.add_command(command)


_register_command_modules()
