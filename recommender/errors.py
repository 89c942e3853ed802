"""One hierarchy of domain errors; each carries a human message and an HTTP status."""

from __future__ import annotations

from dataclasses import dataclass


class RecommenderError(Exception):
    """Base class: `message` is shown to the user as is."""

    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(RecommenderError):
    status = 404


class Forbidden(RecommenderError):
    status = 403


class Conflict(RecommenderError):
    """Somebody else changed the same thing first (optimistic concurrency).

    `current_version` (when known) lets a client knowingly overwrite ("keep mine")."""

    status = 409

    def __init__(self, message: str, current_version: int | None = None) -> None:
        super().__init__(message)
        self.current_version = current_version


class InvalidInput(RecommenderError):
    """Bad user input; `errors` maps a field (answer id) to its message."""

    status = 400

    def __init__(self, message: str, errors: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.errors = errors or {}


@dataclass(frozen=True, order=True)
class Problem:
    """One problem in a definition file, reported as `path:line:col: message`."""

    path: str
    line: int
    col: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.message}"


class DefinitionError(RecommenderError):
    """A questionnaire or ruleset failed its checks; `problems` lists every one."""

    status = 422

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems) or "invalid definition")
