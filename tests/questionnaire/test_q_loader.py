"""Loader: schema and semantic problems with their exact file positions; sa_discovery is clean."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from recommender.errors import DefinitionError
from recommender.questionnaire import check_paths, load_questionnaire, load_questionnaire_text

ROOT = Path(__file__).resolve().parents[2]

BASE = """\
id: demo
version: 1
title: Demo
sections:
  - id: s1
    title: One
    questions:
      - id: kind
        label: Kind
        type: single
        options:
          - {value: a, label: A}
          - {value: b, label: B}
      - id: n
        label: N
        type: integer
"""


def problems(text: str) -> list[str]:
    with pytest.raises(DefinitionError) as info:
        load_questionnaire_text(textwrap.dedent(text), "f.yaml")
    return [str(p) for p in info.value.problems]


def test_base_loads() -> None:
    q = load_questionnaire_text(BASE, "f.yaml")
    assert (q.id, q.version, list(q.questions)) == ("demo", 1, ["kind", "n"])


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (
            "        show_if: kind == c\n",
            "f.yaml:17:26: show_if: 'c' is not an option of 'kind' (options: a, b)",
        ),
        (
            "        show_if: 'kind == c'\n",
            "f.yaml:17:27: show_if: 'c' is not an option of 'kind' (options: a, b)",
        ),
        (
            "        show_if: kidn == a\n",
            "f.yaml:17:18: show_if: unknown answer id 'kidn', did you mean 'kind'?",
        ),
        (
            "        show_if: kind = a\n",
            "f.yaml:17:23: show_if: unknown operator '=', did you mean '==' (two equals signs)?",
        ),
        ("        show_if: n > 1\n", "f.yaml:17:18: the show_if of 'n' refers to 'n' itself"),
        (
            "        show_if: |\n          kind == a and\n          n2 > 1\n",
            "f.yaml:19:11: show_if: unknown answer id 'n2'",
        ),
        (
            "        options: [{value: x, label: X}]\n",
            "f.yaml:17:9: options are only allowed on single and multi questions",
        ),
        ("        min: 5\n        max: 2\n", "f.yaml:18:14: max (2) is smaller than min (5)"),
        (
            "        default: many\n",
            "f.yaml:17:18: default does not fit the question: Enter a whole number",
        ),
        (
            "        colour: red\n",
            "f.yaml:17:9: section 1 (`s1`), question 2 (`n`): unknown key `colour` (the keys "
            "allowed here: id, label, help, type, required, options, min, max, pattern, default, "
            "placeholder, show_if)",
        ),
        (
            "        type: integer\n",
            "f.yaml:17:9: duplicate key 'type' (the first is on line 16): a key may appear only "
            "once here; remove or rename one",
        ),
    ],
)
def test_question_problems(extra: str, expected: str) -> None:
    assert problems(BASE + extra) == [expected]


def test_duplicate_ids_and_options() -> None:
    text = BASE.replace("{value: b, label: B}", "{value: a, label: B}") + textwrap.indent(
        "- id: s1\n  title: Again\n  questions:\n    - {id: kind, label: K, type: boolean}\n", "  "
    )
    assert problems(text) == [
        "f.yaml:13:21: duplicate option value 'a' (first used on line 12)",
        "f.yaml:17:9: duplicate section id 's1' (first used on line 5)",
        "f.yaml:20:14: duplicate question id 'kind' (first used on line 8)",
    ]


def test_schema_problems() -> None:
    text = BASE.replace("type: integer", "type: number").replace("    title: One\n", "")
    assert problems(text) == [
        "f.yaml:5:5: section 1 (`s1`): `title` is missing",
        "f.yaml:15:15: section 1 (`s1`), question 2 (`n`): `type` must be one of single, multi, "
        "boolean, integer, money, percent, country, country_list, text, long_text, email; got "
        "'number'",
    ]
    assert problems("- 1\n") == [
        "f.yaml:1:1: a questionnaire file is made of 'key: value' lines: id:, version:, title: "
        "and sections:"
    ]
    assert problems("id: [\n") == [
        "f.yaml:1:5: this '[' is never closed: add a ']' at the end of the list"
    ]


def test_pattern_and_single_without_options() -> None:
    text = BASE + (
        "      - {id: t, label: T, type: text, pattern: '(ab'}\n"
        "      - {id: c, label: C, type: single}\n"
    )
    found = problems(text)
    assert len(found) == 2
    assert found[0].startswith("f.yaml:17:48: the pattern is not a valid regular expression")
    assert found[1] == "f.yaml:18:33: a single question needs options"


def test_bad_id_is_a_schema_problem() -> None:
    text = BASE + "      - {id: Bad, label: B, type: text}\n"
    assert problems(text) == [
        "f.yaml:17:14: section 1 (`s1`), question 3 (`Bad`): id 'Bad' may only use lowercase "
        "letters, digits and underscores, starting with a letter (like annual_volume)"
    ]


def test_cycles_are_reported_with_their_path() -> None:
    text = textwrap.dedent(
        """\
        id: demo
        version: 1
        title: Demo
        sections:
          - id: s1
            title: One
            questions:
              - {id: a, label: A, type: boolean, show_if: c}
              - {id: b, label: B, type: boolean, show_if: a}
              - {id: c, label: C, type: boolean, show_if: b}
              - {id: d, label: D, type: boolean}
        """
    )
    assert problems(text) == ["f.yaml:8:51: show_if dependencies form a cycle: a -> c -> b -> a"]


def test_section_show_if_may_not_use_its_own_questions() -> None:
    text = BASE.replace("    title: One\n", "    title: One\n    show_if: n > 1\n")
    assert problems(text) == [
        "f.yaml:7:14: the section's show_if refers to 'n', a question of the same section"
    ]


def test_check_paths_reports_missing_files(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(BASE)
    missing = tmp_path / "nope.yaml"
    found = [str(p) for p in check_paths([good, missing])]
    assert found == [f"{missing}:1:1: cannot read file: No such file or directory"]


# Every DOMAIN.md section-1 id with its type and (for choices) option values.
EXPECTED = {
    "company_name": ("text", None),
    "hq_country": ("country", None),
    "entity_countries": ("country_list", None),
    "customer_countries": ("country_list", None),
    "customer_type": ("multi", ["consumers", "businesses"]),
    "business_model": (
        "single",
        ["direct_sales", "saas", "marketplace", "platform", "on_demand", "crowdfunding", "fintech"],
    ),
    "industry": (
        "single",
        [
            "software",
            "retail",
            "travel",
            "food",
            "education",
            "health",
            "media",
            "gaming",
            "financial_services",
            "nonprofit",
            "crypto",
            "gambling",
            "adult",
            "other",
        ],
    ),
    "annual_volume_usd": ("money", None),
    "avg_transaction_usd": ("money", None),
    "dispute_rate_pct": ("percent", None),
    "channels": ("multi", ["web", "mobile_app", "in_person", "invoice", "no_code", "phone"]),
    "store_count": ("integer", None),
    "store_countries": ("country_list", None),
    "checkout_control": ("single", ["hosted_ok", "embedded", "fully_custom"]),
    "dev_capacity": ("single", ["none", "small", "large"]),
    "pricing_models": (
        "multi",
        ["one_time", "fixed_recurring", "seat", "usage", "prepaid_credits"],
    ),
    "payment_terms": ("single", ["upfront", "net_terms"]),
    "sales_led_quotes": ("boolean", None),
    "accrual_accounting": ("boolean", None),
    "annual_revenue_usd": ("money", None),
    "pays_out_third_parties": ("boolean", None),
    "merchant_of_record": ("single", ["platform", "seller"]),
    "sellers_per_cart": ("single", ["one", "many"]),
    "hold_funds_until_delivery": ("boolean", None),
    "seller_countries": ("country_list", None),
    "seller_count": ("integer", None),
    "seller_dashboard": ("single", ["none", "lightweight", "full"]),
    "instant_payouts_needed": ("boolean", None),
    "card_data_on_servers": ("boolean", None),
    "current_processor": (
        "single",
        ["none", "adyen", "braintree", "paypal", "worldpay", "checkout_com", "other"],
    ),
    "saved_cards_count": ("integer", None),
    "multi_processor": ("boolean", None),
    "fraud_concern": ("single", ["low", "medium", "high"]),
    "erp": ("single", ["none", "netsuite", "sap", "oracle", "dynamics", "other"]),
    "crm": ("single", ["none", "salesforce", "hubspot", "other"]),
    "data_warehouse": (
        "single",
        ["none", "snowflake", "redshift", "bigquery", "databricks", "other"],
    ),
    "offers_cards": ("boolean", None),
    "holds_customer_funds": ("boolean", None),
    "offers_financing": ("boolean", None),
    "verifies_bank_accounts": ("boolean", None),
    "verifies_identity": ("boolean", None),
    "incorporated": ("boolean", None),
    "climate_commitment": ("boolean", None),
    "go_live_months": ("integer", None),
    # Added in sa_discovery v2 (DOMAIN.md section 1, from capture_timing down).
    "capture_timing": (
        "multi",
        ["at_purchase", "later_within_7_days", "longer_hold", "incremental"],
    ),
    "offering_types": (
        "multi",
        [
            "physical_goods",
            "digital_goods",
            "saas",
            "services",
            "donations",
            "insurance",
            "medical_services",
            "travel_packages",
            "tickets_events",
            "financial_products",
            "other",
        ],
    ),
    "priced_currencies": ("multi", None),  # ISO 4217 codes: checked below
    "currency_strategy": ("single", ["single_currency", "local_prices", "auto_convert"]),
    "phone_payments": ("single", ["none", "moto_agent_entry", "pay_by_link"]),
    "in_app_digital_goods": ("single", ["none", "ios", "android", "ios_and_android"]),
    "regulated_data": ("multi", ["none", "health_phi", "data_residency"]),
    "data_residency_countries": ("country_list", None),
    "payout_tax_reporting": ("multi", ["none", "us_1099", "eu_dac7", "other_oecd_mrdp"]),
    "current_payment_methods": (
        "multi",
        [
            "cards",
            "wallets",
            "paypal",
            "other",
            "ideal",
            "bancontact",
            "sepa_debit",
            "bacs_debit",
            "ach_debit",
            "pix",
            "boleto",
            "oxxo",
            "konbini",
            "paypay",
            "wechat_pay",
            "blik",
            "p24",
            "upi",
            "klarna",
            "afterpay_clearpay",
            "affirm",
            "zip",
            "cashapp",
            "bank_transfers",
            "card_installments",
        ],
    ),
    "local_entity_per_market": ("boolean", None),
    "orchestration_goals": ("multi", ["cost", "approval_rate", "redundancy"]),
    "current_approval_rate_pct": ("percent", None),
    "current_processing_cost_pct": ("percent", None),
}

COMMON_CURRENCIES = [
    "USD",
    "EUR",
    "GBP",
    "JPY",
    "CAD",
    "AUD",
    "NZD",
    "CHF",
    "SEK",
    "NOK",
    "DKK",
    "PLN",
    "CZK",
    "HUF",
    "RON",
    "BGN",
    "BRL",
    "MXN",
    "INR",
    "SGD",
    "HKD",
    "CNY",
    "AED",
]


def test_sa_discovery_is_clean_and_complete() -> None:
    q = load_questionnaire(ROOT / "forms" / "sa_discovery.yaml")
    assert (q.id, q.version) == ("sa_discovery", 2)
    assert set(q.questions) == set(EXPECTED)
    for qid, (kind, options) in EXPECTED.items():
        question = q.question(qid)
        assert question.type == kind, qid
        if options is not None:
            assert sorted(question.option_values) == sorted(options), qid
    currencies = q.question("priced_currencies").option_values
    assert set(COMMON_CURRENCIES) <= set(currencies)
    assert all(re.fullmatch(r"[A-Z]{3}", code) for code in currencies)
    assert [s.id for s in q.sections] == [
        "company",
        "channels",
        "pricing",
        "platform",
        "payments_today",
        "finance_stack",
        "embedded_finance",
        "timeline",
    ]


def test_sa_discovery_conditional_questions() -> None:
    q = load_questionnaire(ROOT / "forms" / "sa_discovery.yaml")
    payout = {
        "merchant_of_record",
        "sellers_per_cart",
        "hold_funds_until_delivery",
        "seller_countries",
        "seller_count",
        "seller_dashboard",
        "instant_payouts_needed",
    }
    assert payout.isdisjoint(q.visible_question_ids({"business_model": "saas"}))
    assert payout <= set(q.visible_question_ids({"business_model": "marketplace"}))
    assert payout <= set(q.visible_question_ids({"pays_out_third_parties": True}))
    assert "store_count" not in q.visible_question_ids({"channels": ["web"]})
    assert {"store_count", "store_countries"} <= set(
        q.visible_question_ids({"channels": ["in_person"]})
    )
    assert "saved_cards_count" not in q.visible_question_ids({})
    assert "saved_cards_count" not in q.visible_question_ids({"current_processor": "none"})
    assert "saved_cards_count" in q.visible_question_ids({"current_processor": "adyen"})


NEW_CONDITIONAL = {
    "phone_payments": ({"channels": ["phone"]}, {"channels": ["web"]}),
    "in_app_digital_goods": ({"channels": ["web", "mobile_app"]}, {"channels": ["web"]}),
    "data_residency_countries": (
        {"regulated_data": ["health_phi", "data_residency"]},
        {"regulated_data": ["health_phi"]},
    ),
    "payout_tax_reporting": (
        {"pays_out_third_parties": True},
        {"pays_out_third_parties": False, "business_model": "marketplace"},
    ),
    "orchestration_goals": ({"multi_processor": True}, {"multi_processor": False}),
    "current_approval_rate_pct": ({"current_processor": "adyen"}, {"current_processor": "none"}),
    "current_processing_cost_pct": (
        {"current_processor": "other"},
        {"current_processor": "none"},
    ),
}


@pytest.mark.parametrize("qid", sorted(NEW_CONDITIONAL))
def test_sa_discovery_v2_conditional_questions(qid: str) -> None:
    q = load_questionnaire(ROOT / "forms" / "sa_discovery.yaml")
    shown, hidden = NEW_CONDITIONAL[qid]
    assert qid in q.visible_question_ids(shown)
    assert qid not in q.visible_question_ids(hidden)
    assert qid not in q.visible_question_ids({})  # unanswered trigger: hidden


def test_sa_discovery_v2_hidden_answers_never_reach_the_engine() -> None:
    q = load_questionnaire(ROOT / "forms" / "sa_discovery.yaml")
    answers = {
        "channels": ["web"],
        "phone_payments": "moto_agent_entry",
        "regulated_data": ["none"],
        "data_residency_countries": ["DE"],
        "multi_processor": False,
        "orchestration_goals": ["cost"],
        "current_processor": "none",
        "current_approval_rate_pct": 91.5,
    }
    assert q.visible_answers(answers) == {
        "channels": ["web"],
        "regulated_data": ["none"],
        "multi_processor": False,
        "current_processor": "none",
    }
    # Switching the trigger back restores the stored answer.
    answers["regulated_data"] = ["data_residency"]
    assert q.visible_answers(answers)["data_residency_countries"] == ["DE"]


def test_sa_discovery_v2_unconditional_questions_are_always_visible() -> None:
    q = load_questionnaire(ROOT / "forms" / "sa_discovery.yaml")
    visible = set(q.visible_question_ids({}))
    assert {
        "capture_timing",
        "offering_types",
        "priced_currencies",
        "currency_strategy",
        "regulated_data",
        "current_payment_methods",
        "local_entity_per_market",
    } <= visible


def test_sa_discovery_v2_coerces_the_new_answers() -> None:
    q = load_questionnaire(ROOT / "forms" / "sa_discovery.yaml")
    assert q.coerce("priced_currencies", ["EUR", "USD"]) == ["USD", "EUR"]  # option order
    assert q.coerce("current_approval_rate_pct", "91.5%") == 91.5
    assert q.coerce("current_processing_cost_pct", "2.4") == 2.4
    assert q.coerce("local_entity_per_market", "no") is False
    assert q.coerce("data_residency_countries", "de, fr") == ["DE", "FR"]
