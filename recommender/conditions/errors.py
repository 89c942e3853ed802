"""Errors and problems of the condition language."""

from __future__ import annotations

from dataclasses import dataclass


class ConditionError(Exception):
    """Base class of condition-language errors."""


class ConditionSyntaxError(ConditionError):
    """The text is not a valid condition.

    `message` is meant for a rule author (no jargon); `line` and `col` are 1-based within the
    condition text. `str(exc)` adds the position ("... at column 18").
    """

    def __init__(self, message: str, line: int, col: int) -> None:
        self.message = message
        self.line = line
        self.col = col
        where = f"line {line}, column {col}" if line > 1 else f"column {col}"
        super().__init__(f"{message} at {where}")


class UnknownSetError(ConditionError):
    """A condition used `@name` but no set of that name was given to evaluate/compile."""

    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(f"unknown value set '@{name}'")


@dataclass(frozen=True)
class ConditionProblem:
    """One problem `check` found: a human message and its position within the condition."""

    message: str
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.line}:{self.col}: {self.message}"
