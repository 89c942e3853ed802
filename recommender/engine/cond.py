"""The slice of `recommender.conditions` the engine uses, imported in one place.

Imports come from the package's modules so the engine depends on exactly these names.
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
    Expr,
    Field,
    In,
    ListLiteral,
    Literal,
    Not,
    Or,
    ParamRef,
    SetRef,
    Truthy,
)
from recommender.conditions.bind import (
    bind_expression,
    bind_params,
    expand,
    named_uses,
    resolve_named,
)
from recommender.conditions.check import FieldSpec, check, check_expression
from recommender.conditions.compile import (
    NotCompilable,
    aux_facts,
    count_in_field,
    count_ins,
    to_durable,
)
from recommender.conditions.errors import ConditionError, ConditionSyntaxError
from recommender.conditions.evaluate import (
    evaluate,
    evaluate3,
    number_value,
    referenced_fields,
    referenced_params,
    resolve_values,
)
from recommender.conditions.parser import parse, parse_expression
from recommender.conditions.unsat import unsatisfiable

__all__ = [
    "And",
    "Answered",
    "Arith",
    "Calc",
    "Compare",
    "Condition",
    "Contains",
    "Count",
    "CountIn",
    "Expr",
    "Field",
    "In",
    "ListLiteral",
    "Literal",
    "Not",
    "NotCompilable",
    "Or",
    "ParamRef",
    "SetRef",
    "Truthy",
    "aux_facts",
    "bind_expression",
    "bind_params",
    "check_expression",
    "count_in_field",
    "count_ins",
    "expand",
    "named_uses",
    "number_value",
    "parse_expression",
    "referenced_params",
    "resolve_named",
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
