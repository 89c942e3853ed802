"""The one condition language for `show_if` (questionnaires) and `when` (rulesets).

Parse, check against the questionnaire, evaluate in Python (the definition of the meaning),
evaluate three-valued (for "which open question could change the result"), and compile to
durable_rules. Spec: docs/conditions.md.
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
    Node,
    Not,
    Or,
    SetRef,
    Truthy,
)
from recommender.conditions.check import KINDS, LIST_KINDS, NUMBER_KINDS, FieldSpec, check
from recommender.conditions.compile import COUNT_SUFFIX, count_field, to_durable
from recommender.conditions.errors import (
    ConditionError,
    ConditionProblem,
    ConditionSyntaxError,
    UnknownSetError,
)
from recommender.conditions.evaluate import (
    evaluate,
    evaluate3,
    referenced_fields,
    referenced_sets,
    same_value,
)
from recommender.conditions.parser import parse
from recommender.conditions.positions import absolute_position, position_in_source, scalar_style
from recommender.conditions.unsat import unsatisfiable

__all__ = [
    "COUNT_SUFFIX",
    "KINDS",
    "LIST_KINDS",
    "NUMBER_KINDS",
    "And",
    "Answered",
    "Compare",
    "Condition",
    "ConditionError",
    "ConditionProblem",
    "ConditionSyntaxError",
    "Contains",
    "Count",
    "Field",
    "FieldSpec",
    "In",
    "ListLiteral",
    "Literal",
    "Node",
    "Not",
    "Or",
    "SetRef",
    "Truthy",
    "UnknownSetError",
    "absolute_position",
    "check",
    "count_field",
    "evaluate",
    "evaluate3",
    "parse",
    "position_in_source",
    "referenced_fields",
    "referenced_sets",
    "same_value",
    "scalar_style",
    "to_durable",
    "unsatisfiable",
]
