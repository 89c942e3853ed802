"""The slice of `recommender.conditions` the engine uses, imported in one place.

Imports come from the package's modules so the engine depends on exactly these names.
"""

from __future__ import annotations

from recommender.conditions.ast import (
    And,
    Answered,
    Compare,
    Condition,
    Contains,
    Count,
    Field,
    In,
    ListLiteral,
    Literal,
    Not,
    Or,
    SetRef,
    Truthy,
)
from recommender.conditions.check import FieldSpec, check
from recommender.conditions.compile import to_durable
from recommender.conditions.errors import ConditionError, ConditionSyntaxError
from recommender.conditions.evaluate import (
    evaluate,
    evaluate3,
    referenced_fields,
    resolve_values,
)
from recommender.conditions.parser import parse
from recommender.conditions.unsat import unsatisfiable

__all__ = [
    "And",
    "Answered",
    "Compare",
    "Condition",
    "Contains",
    "Count",
    "Field",
    "In",
    "ListLiteral",
    "Literal",
    "Not",
    "Or",
    "SetRef",
    "Truthy",
    "ConditionError",
    "ConditionSyntaxError",
    "FieldSpec",
    "check",
    "evaluate",
    "evaluate3",
    "parse",
    "referenced_fields",
    "resolve_values",
    "to_durable",
    "unsatisfiable",
]
