"""The one condition language for `show_if` (questionnaires) and `when` (rulesets).

Parse, check against the questionnaire, evaluate in Python (the definition of the meaning),
evaluate three-valued (for "which open question could change the result"), and compile to
durable_rules. Spec: docs/conditions.md.
"""

from __future__ import annotations

from recommender.conditions.ast import (
    And,
    Answered,
    Arith,
    Calc,
    Compare,
    Condition,
    Contains,
    Count,
    CountIn,
    Field,
    In,
    ListLiteral,
    Literal,
    Node,
    Not,
    Or,
    ParamRef,
    SetRef,
    Truthy,
)
from recommender.conditions.bind import bind_params, expand, named_uses, resolve_named
from recommender.conditions.check import KINDS, LIST_KINDS, NUMBER_KINDS, FieldSpec, check
from recommender.conditions.compile import (
    COUNT_SUFFIX,
    ZERO_FIELD,
    NotCompilable,
    aux_facts,
    count_field,
    count_in_field,
    to_durable,
)
from recommender.conditions.errors import (
    ConditionError,
    ConditionProblem,
    ConditionSyntaxError,
    UnknownSetError,
)
from recommender.conditions.evaluate import (
    evaluate,
    evaluate3,
    number_value,
    referenced_fields,
    referenced_params,
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
    "ZERO_FIELD",
    "And",
    "Answered",
    "Arith",
    "Calc",
    "Compare",
    "Condition",
    "ConditionError",
    "ConditionProblem",
    "ConditionSyntaxError",
    "Contains",
    "Count",
    "CountIn",
    "Field",
    "FieldSpec",
    "In",
    "ListLiteral",
    "Literal",
    "Node",
    "Not",
    "NotCompilable",
    "Or",
    "ParamRef",
    "SetRef",
    "Truthy",
    "UnknownSetError",
    "absolute_position",
    "aux_facts",
    "bind_params",
    "check",
    "count_field",
    "count_in_field",
    "evaluate",
    "evaluate3",
    "expand",
    "named_uses",
    "number_value",
    "parse",
    "position_in_source",
    "referenced_fields",
    "referenced_params",
    "referenced_sets",
    "resolve_named",
    "same_value",
    "scalar_style",
    "to_durable",
    "unsatisfiable",
]
