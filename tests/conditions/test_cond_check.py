"""check(): every problem kind, with the position of the offending token."""

from __future__ import annotations

import pytest

from recommender.conditions import FieldSpec, check, parse

FIELDS = {
    "business_model": FieldSpec("single", ["marketplace", "saas", "platform"]),
    "channels": FieldSpec("multi", ["web", "in_person"]),
    "store_count": FieldSpec("integer"),
    "annual_volume_usd": FieldSpec("money"),
    "dispute_rate_pct": FieldSpec("percent"),
    "card_data_on_servers": FieldSpec("boolean"),
    "hq_country": FieldSpec("country"),
    "customer_countries": FieldSpec("country_list"),
    "company_name": FieldSpec("text"),
    "contact": FieldSpec("email"),
    "segment": FieldSpec("derived", ["smb", "enterprise"]),
    "score": FieldSpec("derived"),
}
SETS = {"eea": ["DE", "FR"], "bad": ["DE", "XX"]}


def problems(text: str) -> list[tuple[str, int, int]]:
    return [(p.message, p.line, p.col) for p in check(parse(text), FIELDS, SETS)]


@pytest.mark.parametrize(
    "text",
    [
        "business_model == marketplace and channels contains in_person",
        "business_model in [saas, platform] or store_count >= 3",
        "customer_countries contains_any @eea and hq_country not in [US, GB]",
        "count(customer_countries) > 1 and card_data_on_servers",
        "dispute_rate_pct > 0.75 and annual_volume_usd < 1_000_000",
        "company_name == 'Acme Inc' and contact != ''",
        "answered(store_count) and unanswered(hq_country)",
        "segment == enterprise and score > 3 and score and count(score) > 1",
        "not (card_data_on_servers == false)",
    ],
)
def test_clean_conditions(text: str) -> None:
    assert problems(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "buisness_model == saas",
            [("unknown answer id 'buisness_model', did you mean 'business_model'?", 1, 1)],
        ),
        ("answered(nope)", [("unknown answer id 'nope'", 1, 1)]),
        ("x and business_model == saas", [("unknown answer id 'x'", 1, 1)]),
        (
            "business_model == marketplce",
            [
                (
                    "'marketplce' is not an option of 'business_model', did you mean 'marketplace'?",
                    1,
                    19,
                )
            ],
        ),
        (
            "business_model in [saas, zzz]",
            [
                (
                    "'zzz' is not an option of 'business_model' (options: marketplace, saas, platform)",
                    1,
                    26,
                )
            ],
        ),
        (
            "channels contains phone",
            [("'phone' is not an option of 'channels' (options: web, in_person)", 1, 19)],
        ),
        (
            "hq_country == us",
            [
                (
                    "'us' is not a country code (did you mean 'US'?): use the two-letter ISO "
                    "code in capitals, like DE",
                    1,
                    15,
                )
            ],
        ),
        (
            "customer_countries contains_all [DE, XY]",
            [
                (
                    "'XY' is not a country code: use the two-letter ISO code in capitals, like DE",
                    1,
                    38,
                )
            ],
        ),
        (
            "customer_countries contains_any @bad",
            [
                (
                    "'XX' is not a country code: use the two-letter ISO code in capitals, like DE",
                    1,
                    33,
                )
            ],
        ),
        (
            "customer_countries contains_any @eaa",
            [("unknown value set '@eaa', did you mean '@eea'?", 1, 33)],
        ),
        (
            "segment == large",
            [("'large' is not an option of 'segment' (options: smb, enterprise)", 1, 12)],
        ),
        (
            "company_name > 3",
            [("'>' compares numbers, but 'company_name' is a text question", 1, 1)],
        ),
        (
            "business_model >= saas",
            [("'>=' compares numbers, but 'business_model' is a single-choice question", 1, 1)],
        ),
        ("store_count > many", [("'>' needs a number, not many", 1, 15)]),
        (
            "store_count == '3'",
            [("'store_count' is a number: compare it with a number, not \"3\"", 1, 16)],
        ),
        (
            "card_data_on_servers == 1",
            [("'card_data_on_servers' is yes/no: compare it with true or false, not 1", 1, 25)],
        ),
        (
            "card_data_on_servers == yes",
            [("'card_data_on_servers' is yes/no: compare it with true or false, not yes", 1, 25)],
        ),
        (
            "company_name == 5",
            [("'company_name' is a text question: compare it with a word or text, not 5", 1, 17)],
        ),
        (
            "channels == web",
            [
                (
                    "'channels' is a list of choices: use 'contains', 'contains_any' or 'contains_all' instead of '=='",
                    1,
                    1,
                )
            ],
        ),
        (
            "channels in [web]",
            [("'channels' is a list of choices: use 'contains_any' instead of 'in'", 1, 1)],
        ),
        (
            "company_name contains a",
            [
                (
                    "'contains' needs a list answer, but 'company_name' is a text question; use '==' or 'in'",
                    1,
                    1,
                )
            ],
        ),
        (
            "store_count contains 1",
            [("'contains' needs a list answer, but 'store_count' is a number question", 1, 1)],
        ),
        (
            "count(company_name) > 1",
            [("count() needs a list answer, but 'company_name' is a text question", 1, 1)],
        ),
        ("count(channels) > many", [("'>' needs a number, not many", 1, 19)]),
        (
            "store_count",
            [
                (
                    "'store_count' is a number question, not yes/no: compare it with a value or write 'answered(store_count)'",
                    1,
                    1,
                )
            ],
        ),
        ("business_model in []", [("the list is empty", 1, 19)]),
    ],
)
def test_problem_kinds(text: str, expected: list[tuple[str, int, int]]) -> None:
    assert problems(text) == expected


def test_unknown_set_without_sets_and_several_problems_sorted() -> None:
    node = parse("channels contains_any @eea and\n  zz == 1 and store_count > x")
    found = [(p.message, p.line, p.col) for p in check(node, FIELDS)]
    assert found == [
        ("unknown value set '@eea'", 1, 23),
        ("unknown answer id 'zz'", 2, 3),
        ("'>' needs a number, not x", 2, 29),
    ]


def test_fieldspec_refuses_unknown_kind() -> None:
    with pytest.raises(ValueError):
        FieldSpec("date")
