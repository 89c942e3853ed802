"""Parser: the grammar of docs/conditions.md, round trips, and errors with positions."""

from __future__ import annotations

import pytest

from recommender.conditions import (
    And,
    Answered,
    Compare,
    ConditionSyntaxError,
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
    parse,
)

DOC_EXAMPLES = [
    "business_model == marketplace",
    "annual_volume_usd >= 10000000",
    "dispute_rate_pct > 0.75 and fraud_concern != low",
    "channels contains in_person",
    "customer_countries contains_any [NL, BE, DE]",
    "customer_countries contains_any @eea",
    "entity_countries contains_all [US, GB]",
    "industry in [crypto, gambling, adult]",
    "current_processor not in [none]",
    "count(customer_countries) > 1",
    "answered(store_count)",
    "unanswered(saved_cards_count)",
    "card_data_on_servers",
    "not (merchant_of_record == seller or sellers_per_cart == many)",
]


@pytest.mark.parametrize("text", DOC_EXAMPLES)
def test_doc_examples_round_trip(text: str) -> None:
    node = parse(text)
    assert str(node) == text
    assert parse(str(node)) == node


def test_structure_and_values() -> None:
    assert parse("x == marketplace") == Compare(Field("x"), "==", Literal("marketplace"))
    assert parse("x >= 10_000_000").value == Literal(10_000_000)
    assert parse("x < 0.75").value == Literal(0.75)
    assert parse("x == -3").value == Literal(-3)
    assert parse("x == true").value == Literal(True)
    assert parse("x == 'two words'").value == Literal("two words")
    assert parse('x == "say \\"hi\\""').value == Literal('say "hi"')
    assert parse("x in [a, 1, false]") == In(
        Field("x"), ListLiteral((Literal("a"), Literal(1), Literal(False)))
    )
    assert parse("x not in @eea") == In(Field("x"), SetRef("eea"), negated=True)
    assert parse("count(x) > 1") == Compare(Count("x"), ">", Literal(1))
    assert parse("x contains DE") == Contains(Field("x"), "one", Literal("DE"))
    assert parse("x is answered") == Answered("x")
    assert parse("x is unanswered") == Answered("x", negated=True)
    assert parse("flag") == Truthy("flag")


def test_precedence_not_and_or() -> None:
    node = parse("a or b and not c")
    assert node == Or((Truthy("a"), And((Truthy("b"), Not(Truthy("c"))))))
    assert parse("(a or b) and c") == And((Or((Truthy("a"), Truthy("b"))), Truthy("c")))
    assert parse("not not a") == Not(Not(Truthy("a")))
    assert str(parse("not (a and b) or c")) == "not (a and b) or c"


def test_positions_of_nodes() -> None:
    node = parse("a == 1 and\n  count(bb) > 2")
    assert isinstance(node, And)
    second = node.operands[1]
    assert (second.line, second.col) == (2, 3)
    assert isinstance(second, Compare)
    assert (second.value.line, second.value.col) == (2, 15)


@pytest.mark.parametrize(
    ("text", "message", "line", "col"),
    [
        ("x ==", "expected a value after '=='", 1, 5),
        ("business_model == ", "expected a value after '=='", 1, 19),
        ("x = 1", "unknown operator '=', did you mean '==' (two equals signs)?", 1, 3),
        ("x => 1", "unknown operator '=>', did you mean '>='?", 1, 3),
        ("a && b", "unknown operator '&&', did you mean 'and'?", 1, 3),
        ("(a == 1", "unclosed '(': add a ')'", 1, 1),
        ("a == 1 )", "')' without a matching '('", 1, 8),
        ("x in [a, b", "unclosed '[': add a ']'", 1, 6),
        ('x == "abc', 'unclosed quote ": add a closing "', 1, 6),
        ("", "the condition is empty", 1, 1),
        ("a == 1 b", "expected 'and', 'or' or the end of the condition, found 'b'", 1, 8),
        ("x AND y", "keywords are lower case: write 'and'", 1, 3),
        ("a == [1]", "'==' compares with a single value; use 'in' to compare with a list", 1, 6),
        ("a in", "expected a list like [a, b] or a @set after 'in'", 1, 5),
        ("count(x)", "expected a comparison after 'count(x)', like '> 1'", 1, 9),
        ("x contain y", "unknown word 'contain', did you mean 'contains'?", 1, 3),
        ("Foo == 1", "'Foo' is not a valid answer id: use lower-case letters, digits and _", 1, 1),
        ("5 == x", "expected an answer id, found '5'", 1, 1),
        (
            "x == 5abc",
            "'5abc' is not a number; put a value that starts with a digit in quotes",
            1,
            6,
        ),
        (
            "a ==\n  and",
            "expected a value after '==', found the keyword 'and' (put it in quotes if you mean the word)",
            2,
            3,
        ),
        (
            "x contains [a]",
            "'contains' takes one value; use 'contains_any', 'contains_all' or 'contains_none' with a list",
            1,
            12,
        ),
        ("x is there", "expected 'answered' or 'unanswered' after 'is'", 1, 6),
        (
            "answered(and)",
            "expected an answer id inside 'answered(...)', found the keyword 'and'",
            1,
            10,
        ),
        ("x in @ eea", "expected a set name right after '@', like @eea", 1, 6),
        ("()", "empty parentheses: put a condition between '(' and ')'", 1, 2),
        ("a and", "expected a condition at the end", 1, 6),
        ("x == 1 $", "expected a parameter name right after '$', like $enterprise_volume", 1, 8),
        ("x == 1 %", "unexpected character '%'", 1, 8),
    ],
)
def test_syntax_errors(text: str, message: str, line: int, col: int) -> None:
    with pytest.raises(ConditionSyntaxError) as info:
        parse(text)
    assert (info.value.message, info.value.line, info.value.col) == (message, line, col)


def test_error_str_names_the_column() -> None:
    with pytest.raises(ConditionSyntaxError) as info:
        parse("business_model == ")
    assert str(info.value) == "expected a value after '==' at column 19"
    with pytest.raises(ConditionSyntaxError) as info:
        parse("a ==\n")
    assert str(info.value).endswith("at line 2, column 1")


def test_comments_and_newlines_are_whitespace() -> None:
    assert parse("a == 1  # why\nand b") == And(
        (Compare(Field("a"), "==", Literal(1)), Truthy("b"))
    )


def test_deep_nesting_is_refused_not_crashing() -> None:
    with pytest.raises(ConditionSyntaxError, match="nested too deeply"):
        parse("(" * 200 + "a" + ")" * 200)
    with pytest.raises(ConditionSyntaxError, match="nested too deeply"):
        parse("not " * 200 + "a")
