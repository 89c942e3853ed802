"""The constructs of issue 11: calculations (+ - * / and parentheses), between,
contains_none, count(x in @set), $parameters and named conditions: parse (with positions),
check (messages at the offending token, did-you-mean), bind, evaluate (unanswered operands,
division by 0) and evaluate3, compile (what durable can and cannot take). Agreement with
durable_rules: test_cond_durable_agreement.py."""

from __future__ import annotations

from typing import Any

import pytest

from recommender.conditions import (
    Calc,
    Compare,
    ConditionSyntaxError,
    CountIn,
    FieldSpec,
    Literal,
    NotCompilable,
    ParamRef,
    aux_facts,
    bind_params,
    check,
    count_in_field,
    evaluate,
    evaluate3,
    expand,
    number_value,
    parse,
    referenced_fields,
    referenced_params,
    resolve_named,
    to_durable,
    unsatisfiable,
)
from recommender.conditions.check import check_expression
from recommender.conditions.parser import parse_expression

FIELDS = {
    "volume": FieldSpec("money"),
    "stores": FieldSpec("integer"),
    "rate": FieldSpec("percent"),
    "model": FieldSpec("single", ["marketplace", "saas"]),
    "countries": FieldSpec("country_list"),
    "channels": FieldSpec("multi", ["web", "in_person"]),
    "card_data": FieldSpec("boolean"),
    "segment": FieldSpec("derived", ["smb", "enterprise"]),
    "score": FieldSpec("derived"),
}
SETS = {"eea": ["DE", "FR", "NL"]}
PARAMS = {"enterprise_volume": 50_000_000, "monthly_floor": 100_000, "focus": "saas", "ratio": 0.5}


def problems(text: str, params: Any = PARAMS, conditions: Any = ()) -> list[tuple[str, int, int]]:
    node = bind_params(parse(text), params)
    found = check(node, FIELDS, SETS, params=params, conditions=conditions)
    return [(p.message, p.line, p.col) for p in found]


# --------------------------------------------------------------------------- parse


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("volume / 12 >= 1000", "volume / 12 >= 1000"),
        ("(volume + stores) * 2 < 10", "(volume + stores) * 2 < 10"),
        ("volume - (stores - 1) > 0", "volume - (stores - 1) > 0"),
        ("volume - stores - 1 > 0", "volume - stores - 1 > 0"),
        ("volume*2+stores/4 != 3", "volume * 2 + stores / 4 != 3"),
        ("12 * volume >= $monthly_floor", "12 * volume >= $monthly_floor"),
        ("count(countries in @eea) >= 2", "count(countries in @eea) >= 2"),
        (
            "count(countries in [DE, FR]) + count(channels) > 2",
            "count(countries in [DE, FR]) + count(channels) > 2",
        ),
        ("countries contains_none [DE, US]", "countries contains_none [DE, US]"),
        ("stores between 1 and 5", "stores >= 1 and stores <= 5"),
        ("stores between -5 and -1", "stores >= -5 and stores <= -1"),
        (
            "volume / 12 between $monthly_floor and 2 * $monthly_floor",
            "volume / 12 >= $monthly_floor and volume / 12 <= 2 * $monthly_floor",
        ),
        ("volume >= $enterprise_volume", "volume >= $enterprise_volume"),
        ("(volume > 1 or card_data)", "volume > 1 or card_data"),
    ],
)
def test_parse_and_show(text: str, shown: str) -> None:
    node = parse(text)
    assert str(node) == shown
    assert parse(str(node)) == node  # what is shown reads back as the same condition


def test_precedence_and_positions() -> None:
    node = parse("stores + volume * 2 > 1")
    assert isinstance(node, Calc)
    assert str(node.left) == "stores + volume * 2"
    assert node.left.op == "+" and node.left.right.op == "*"  # type: ignore[union-attr]
    calc = parse("card_data and volume / 12 >= $monthly_floor")
    right = calc.operands[1].right  # type: ignore[union-attr]
    assert isinstance(right, ParamRef) and (right.line, right.col) == (1, 30)
    assert isinstance(parse("count(countries in @eea) > 1").left, CountIn)  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("text", "message", "col"),
    [
        (
            "$enterprise_volume < volume",
            "a condition starts with an answer id, not a parameter: write 'answer_id >= $enterprise_volume'",
            1,
        ),
        (
            "volume > stores + 1",
            "only numbers and $parameters can follow the comparison, not the answer 'stores': put answers on the left (e.g. 'a - b > 0')",
            10,
        ),
        (
            "volume > count(channels)",
            "only numbers and $parameters can follow the comparison, not count(...): put answers on the left (e.g. 'a - b > 0')",
            10,
        ),
        (
            "volume + stores",
            "expected a comparison such as '>= 10' after 'volume + stores', found the end of the condition",
            16,
        ),
        (
            "volume / 12 contains a",
            "expected a comparison such as '>= 10' after 'volume / 12', found 'contains'",
            13,
        ),
        (
            "2 + 3 > volume",
            "the left side of a comparison must read an answer (a calculation of numbers alone is always true or always false)",
            1,
        ),
        (
            "stores between 1 or 5",
            "expected 'and' between the two numbers of 'between', found 'or'",
            18,
        ),
        (
            "stores between low and 5",
            "only numbers and $parameters can follow the comparison, not the answer 'low': put answers on the left (e.g. 'a - b > 0')",
            16,
        ),
        ("volume > $", "expected a parameter name right after '$', like $enterprise_volume", 10),
        ("(volume + 1 > 3", "unclosed '(': add a ')'", 1),
        (
            "- volume > 3",
            "unexpected '-': write a negative number without a space (-5), or subtract from 0 (0 - x)",
            1,
        ),
        (
            "count(countries in ) > 1",
            "expected a list like [a, b] or a @set after 'in' inside 'count(...)'",
            20,
        ),
        (
            "countries contains_nothing [DE]",
            "unknown word 'contains_nothing', did you mean 'contains_none'?",
            11,
        ),
    ],
)
def test_syntax_errors(text: str, message: str, col: int) -> None:
    with pytest.raises(ConditionSyntaxError) as exc:
        parse(text)
    assert (exc.value.message, exc.value.col) == (message, col)


def test_a_calculated_fact_value_parses_as_an_expression() -> None:
    assert str(parse_expression("volume / 12")) == "volume / 12"
    with pytest.raises(ConditionSyntaxError) as exc:
        parse_expression("volume / 12 > 3")
    assert (
        exc.value.message == "expected '+', '-', '*', '/' or the end of the calculation, found '>'"
    )


# --------------------------------------------------------------------------- bind


def test_parameters_bind_to_literals_that_remember_their_name() -> None:
    node = bind_params(parse("volume >= $enterprise_volume and model == $focus"), PARAMS)
    first, second = node.operands  # type: ignore[union-attr]
    assert isinstance(first, Compare) and first.value == Literal(50_000_000)
    assert first.value.param == "enterprise_volume" and str(first) == "volume >= $enterprise_volume"
    assert isinstance(second, Compare) and second.value.value == "saas"
    assert referenced_params(node) == {"enterprise_volume", "focus"}
    # The same condition with the number written out compares equal (the engine sees literals).
    assert node == parse("volume >= 50000000 and model == saas")


def test_constant_calculations_fold_and_a_division_by_zero_stays() -> None:
    node = bind_params(parse("volume >= $monthly_floor * 12"), PARAMS)
    assert isinstance(node, Compare) and node.value.value == 1_200_000
    calc = bind_params(parse("volume / (2 - 2) > 1"), PARAMS)
    assert isinstance(calc, Calc) and str(calc) == "volume / 0 > 1"
    assert bind_params(parse("volume > $nope"), PARAMS) == parse("volume > $nope")


# --------------------------------------------------------------------------- check


@pytest.mark.parametrize(
    "text",
    [
        "volume / 12 >= $monthly_floor",
        "(volume + stores) * $ratio between 0 and 10",
        "count(countries in @eea) >= 2 and countries contains_none [US]",
        "count(channels in [web]) == 1",
        "score * 2 > 1",
        "volume >= $enterprise_volume and model == $focus",
        "rate between 0.5 and 0.75",
    ],
)
def test_clean(text: str) -> None:
    assert problems(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "volume > $enterprise_volum",
            [("unknown parameter '$enterprise_volum', did you mean '$enterprise_volume'?", 1, 10)],
        ),
        (
            "volume > $zzz",
            [
                (
                    "unknown parameter '$zzz' (parameters: $enterprise_volume, $focus, $monthly_floor, $ratio)",
                    1,
                    10,
                )
            ],
        ),
        (
            "model == $enterprise_volume",
            [
                (
                    "'model' is a single-choice question: compare it with a word or text, not the parameter $enterprise_volume (50000000)",
                    1,
                    10,
                )
            ],
        ),
        ("volume > $focus", [("'>' needs a number, not the parameter $focus (saas)", 1, 10)]),
        (
            "volume / 12 > $focus",
            [("'>' after a calculation needs a number, not the parameter $focus (saas)", 1, 15)],
        ),
        (
            "model * 2 > 1",
            [("a calculation needs numbers, but 'model' is a single-choice question", 1, 1)],
        ),
        ("segment + 1 > 1", [("a calculation needs numbers, but 'segment' takes words", 1, 1)]),
        (
            "volume + card_data > 1",
            [("a calculation needs numbers, but 'card_data' is a yes/no question", 1, 10)],
        ),
        (
            "volume / 0 > 1",
            [
                (
                    "this divides by 0, which gives no number: the comparison is never true (divide by another number)",
                    1,
                    10,
                )
            ],
        ),
        (
            "volume / ($ratio - 0.5) > 1",
            [
                (
                    "this divides by 0, which gives no number: the comparison is never true (divide by another number)",
                    1,
                    11,
                )
            ],
        ),
        (
            "count(model in [saas]) > 0",
            [
                (
                    "count(... in ...) needs a list answer, but 'model' is a single-choice question",
                    1,
                    1,
                )
            ],
        ),
        (
            "count(countries in [de]) > 0",
            [
                (
                    "'de' is not a country code (did you mean 'DE'?): use the two-letter ISO code in capitals, like DE",
                    1,
                    21,
                )
            ],
        ),
        ("count(countries in @eu) > 0", [("unknown value set '@eu'", 1, 20)]),
        (
            "model contains_none [saas]",
            [
                (
                    "'contains_none' needs a list answer, but 'model' is a single-choice question; use '==' or 'in'",
                    1,
                    1,
                )
            ],
        ),
        (
            "channels contains_none [email]",
            [("'email' is not an option of 'channels' (options: web, in_person)", 1, 25)],
        ),
        ("volume > stores_", [("'>' needs a number, not stores_", 1, 10)]),
        (
            "volume > stores",
            [
                (
                    "'>' needs a number, not stores ('stores' is an answer: put answers on the left, e.g. 'volume - stores > 0')",
                    1,
                    10,
                )
            ],
        ),
        ("volum / 12 > 1", [("unknown answer id 'volum', did you mean 'volume'?", 1, 1)]),
    ],
)
def test_problems_at_the_offending_token(text: str, expected: list[tuple[str, int, int]]) -> None:
    assert problems(text) == expected


def test_named_conditions_are_used_like_yes_no_answers() -> None:
    named = ("is_big", "is_eu")
    assert problems("is_big and not is_eu", conditions=named) == []
    assert problems("is_bgi and card_data", conditions=named) == [
        ("unknown answer id 'is_bgi', did you mean 'is_big'?", 1, 1)
    ]
    assert problems("is_big == true and is_eu != false", conditions=named) == []
    assert problems("is_big >= 1", conditions=named) == [
        (
            "'is_big' is a named condition: use it on its own (`is_big`, `not is_big`), not as an answer",
            1,
            1,
        )
    ]


def test_a_calculated_fact_value_is_checked_like_a_calculation() -> None:
    found = check_expression(parse_expression("volume / 12 + model"), FIELDS, SETS)
    assert [(p.message, p.col) for p in found] == [
        ("a calculation needs numbers, but 'model' is a single-choice question", 15)
    ]


# --------------------------------------------------------------------------- evaluate


FACTS: dict[str, Any] = {
    "volume": 1_200_000,
    "stores": 4,
    "countries": ["DE", "US", "FR"],
    "channels": [],
}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("volume / 12 >= 100000", True),
        ("volume / 12 > 100000", False),
        ("(volume + stores) * 2 == 2400008", True),
        ("volume - stores * 1000 < 1196001", True),
        ("stores / 3 > 1.33", True),
        ("stores / 3 == 4 / 3", True),  # the same floating-point division on both sides
        ("count(countries in @eea) == 2", True),
        ("count(countries in [US]) + count(channels) == 1", True),
        ("count(channels in [web]) == 0", True),
        ("countries contains_none [NL, BE]", True),
        ("countries contains_none @eea", False),
        ("channels contains_none [web]", True),  # an answered, empty list holds none
        ("stores between 4 and 5", True),  # inclusive at both ends
        ("stores between 1 and 4", True),
        ("stores between 5 and 9", False),
    ],
)
def test_evaluate(text: str, expected: bool) -> None:
    assert evaluate(parse(text), FACTS, SETS) is expected


@pytest.mark.parametrize(
    "text",
    [
        "rate * 2 > 0",  # rate unanswered
        "volume + rate >= 0",
        "count(model in [a]) >= 0",  # model is not a list
        "count(nothing in [a]) >= 0",
        "nothing contains_none [a]",  # unanswered: a comparison about it is false
        "stores / 0 >= 0",
        "stores / (stores - 4) != 1",  # divides by 0 for these answers
        "rate between 0 and 100",
    ],
)
def test_a_calculation_without_a_value_is_false_and_its_negation_true(text: str) -> None:
    node = parse(text)
    facts = {**FACTS, "model": "saas"}
    assert evaluate(node, facts, SETS) is False
    assert evaluate(parse(f"not ({text})"), facts, SETS) is True


def test_number_value() -> None:
    assert number_value(parse_expression("volume / 12"), FACTS) == 100_000.0
    assert number_value(parse_expression("volume / (stores - 4)"), FACTS) is None
    assert number_value(parse_expression("rate * 2"), FACTS) is None
    assert number_value(parse_expression("stores * 2"), {"stores": None}) is None
    assert number_value(parse_expression("count(countries in @eea)"), FACTS, SETS) == 2.0


def test_evaluate3_with_unknown_and_maybe_absent_operands() -> None:
    node = parse("volume / 12 + stores > 100000")
    assert evaluate3(node, FACTS, {"stores"}) is None
    assert evaluate3(node, FACTS, set()) is True
    # stores may be hidden: without it the sum has no value, so the result depends on it.
    assert evaluate3(node, FACTS, set(), maybe_absent={"stores"}) is None
    # Both readings agree: false with stores and false without.
    low = parse("volume / 12 + stores > 9999999")
    assert evaluate3(low, FACTS, set(), maybe_absent={"stores", "volume"}) is False
    assert evaluate3(parse("countries contains_none [NL]"), FACTS, {"countries"}) is None
    assert evaluate3(parse("card_data or stores between 1 and 5"), FACTS, {"card_data"}) is True


def test_referenced_fields_include_calculation_operands() -> None:
    node = parse("(volume + count(channels)) / 2 - count(countries in @eea) > -1 or card_data")
    assert referenced_fields(node) == {"volume", "channels", "countries", "card_data"}
    assert referenced_fields(parse("count(countries in @eea) > 1")) == {"countries"}


# --------------------------------------------------------------------------- named conditions


def test_named_conditions_expand_into_the_rule_and_loops_are_found() -> None:
    nodes = {
        "eu_buyers": parse("count(countries in @eea) >= 2"),
        "big_eu": parse("volume >= 1000 and eu_buyers"),
        "a": parse("b or card_data"),
        "b": parse("not a"),
        "c": parse("a and stores > 1"),
    }
    expanded, loops = resolve_named(nodes)
    assert set(expanded) == {"eu_buyers", "big_eu"}
    assert loops == {"a": ["a", "b", "a"], "b": ["b", "a", "b"]}
    rule = expand(parse("card_data and big_eu"), expanded)
    # The named and-condition is spliced into the rule's and: the same tree as writing it out.
    assert rule == parse("card_data and volume >= 1000 and count(countries in @eea) >= 2")
    assert expand(parse("stores > 1 or not big_eu"), expanded) == parse(
        "stores > 1 or not (volume >= 1000 and count(countries in @eea) >= 2)"
    )


# --------------------------------------------------------------------------- compile


def test_compiled_calculations_compare_against_the_zero_field() -> None:
    expr = to_durable(parse("volume / 12 >= 1000"), SETS)
    assert expr == {
        "$and": [
            {"$ex": {"volume": 1}},
            {
                "$lte": {
                    "Zero": {
                        "$sub": {
                            "$l": {
                                "$div": {
                                    "$l": {"$add": {"$l": {"$m": "volume"}, "$r": 0.0}},
                                    "$r": 12.0,
                                }
                            },
                            "$r": 1000.0,
                        }
                    }
                }
            },
        ]
    }
    negated = to_durable(parse("not (volume / 12 >= 1000)"), SETS)
    assert negated["$or"][1:] == [{"$nex": {"volume": 1}}]
    field = count_in_field(parse("count(countries in @eea) > 1").left, SETS)  # type: ignore[union-attr]
    assert to_durable(parse("count(countries in @eea) > 1"), SETS) == {"$gt": {field: 1}}
    assert aux_facts([parse("count(countries in @eea) > 1")], FACTS, SETS) == {"Zero": 0, field: 2}
    assert aux_facts([parse("count(countries in @eea) > 1")], {"countries": "DE"}, SETS) == {
        "Zero": 0
    }


@pytest.mark.parametrize(
    "text",
    [
        "volume / stores > 1",  # division by an answer
        " * ".join(["volume"] * 20) + " > 1",  # could overflow
        "stores > 0.00001",  # durable misreads 1e-05
    ],
)
def test_what_durable_cannot_do_exactly_is_not_compiled(text: str) -> None:
    with pytest.raises(NotCompilable):
        to_durable(parse(text), SETS)


def test_unsatisfiable_knows_a_calculation_needs_its_answers() -> None:
    assert unsatisfiable(parse("volume / 12 > 1 and unanswered(volume)")) == (
        "'volume' cannot be both answered and unanswered"
    )
    assert (
        unsatisfiable(parse("stores between 5 and 3"))
        == "the bounds on 'stores' leave no possible value"
    )
    assert unsatisfiable(parse("volume / 12 > 1 and volume < 1")) is None  # sound, not complete
