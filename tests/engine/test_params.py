"""Rulesets with parameters, named conditions and calculated facts (issue 11): what the loader
reports (at line:col, with did-you-mean), what the engine evaluates (durable and the
reference evaluator alike, calculations durable cannot do decided in Python), texts reading
`params`, ask next through a calculated fact, and the default ruleset's parameters."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from recommender.engine import compile_ruleset, load_ruleset_text
from recommender.engine.loader import load_questionnaires, read_data_files, structure_problems
from recommender.engine.reference import ReferenceEvaluator
from recommender.errors import DefinitionError

ROOT = Path(__file__).resolve().parents[2]

TEXT = """\
name: t
version: 1
questionnaire: sa_discovery
params:
  # Segment
  - id: enterprise_volume
    label: Enterprise volume
    type: money
    unit: USD per year
    value: 50_000_000
    min: 1_000_000
    max: 1_000_000_000
  - id: monthly_floor
    type: money
    value: 100_000
  # Focus
  - id: focus_industry
    type: option
    options: [crypto, gambling]
    value: crypto
sets:
  eea: [DE, FR, NL]
conditions:
  big: annual_volume_usd >= $enterprise_volume
  big_eu:
    when: big and count(customer_countries in @eea) >= 2
    description: Big, with buyers in two EEA countries
derived:
  monthly:
    type: money
    label: Expected monthly volume
    value: annual_volume_usd / 12
  tier:
    type: single
    options: [gold]
products:
  - {id: p1, name: P1, family: other}
  - {id: p2, name: P2, family: other}
  - {id: p3, name: P3, family: other}
rules:
  - id: r1
    when: big_eu
    recommend:
      - product: p1
        because: "Over {{ params.enterprise_volume | money }} ({{ monthly | money }} a month)."
  - id: r2
    when: monthly >= $monthly_floor and annual_volume_usd between 1 and $enterprise_volume
    recommend: [{product: p2}]
  - id: r3
    when: industry == $focus_industry or annual_volume_usd / store_count > 1_000_000
    derive: [{fact: tier, value: gold}]
  - id: r4
    when: tier == gold and customer_countries contains_none [US]
    recommend: [{product: p3}]
"""


@pytest.fixture(scope="module")
def form() -> Any:
    return load_questionnaires(ROOT / "forms")["sa_discovery"]


def load(form: Any, text: str = TEXT) -> Any:
    return load_ruleset_text(text, "t.yaml", form)


def problems(form: Any, old: str, new: str, text: str = TEXT) -> list[str]:
    assert old in text, old
    with pytest.raises(DefinitionError) as exc:
        load(form, text.replace(old, new, 1))
    return [str(p) for p in exc.value.problems]


def test_parameters_named_conditions_and_calculated_facts_load(form: Any) -> None:
    ruleset = load(form)
    volume = ruleset.params["enterprise_volume"]
    assert (volume.value, volume.label, volume.unit, volume.min, volume.max, volume.group) == (
        50_000_000,
        "Enterprise volume",
        "USD per year",
        1_000_000,
        1_000_000_000,
        "Segment",
    )
    assert [p.group for p in ruleset.params.values()] == ["Segment", "Segment", "Focus"]
    assert ruleset.conditions["big_eu"].description == "Big, with buyers in two EEA countries"
    assert str(ruleset.conditions["big_eu"].condition) == (
        "annual_volume_usd >= $enterprise_volume and count(customer_countries in @eea) >= 2"
    )
    r1 = ruleset.rules[0]
    # Written out for "why not"; the author's text is kept.
    assert r1.source_when == "big_eu" and r1.written == "big_eu"
    assert r1.when == (
        "annual_volume_usd >= $enterprise_volume and count(customer_countries in @eea) >= 2"
    )
    assert ruleset.rules[1].when == ruleset.rules[1].source_when  # no named condition
    assert r1.condition == ruleset.conditions["big_eu"].condition
    assert r1.fields == {"annual_volume_usd", "customer_countries"}
    assert ruleset.computed["monthly"].formula_text == "annual_volume_usd / 12"
    assert structure_problems(ruleset) == []  # a calculated fact is not "never derived"


@pytest.mark.parametrize(
    ("answers", "products", "derived", "monthly"),
    [
        (
            {"annual_volume_usd": 60_000_000, "customer_countries": ["DE", "FR"]},
            ["p1"],
            [],
            "$5,000,000",
        ),
        ({"annual_volume_usd": 6_000_000, "customer_countries": ["DE"]}, ["p2"], [], None),
        ({"annual_volume_usd": 1_000_000}, [], [], None),  # monthly 83,333 < floor
        ({"industry": "crypto", "customer_countries": ["DE"]}, ["p3"], ["tier"], None),
        ({"annual_volume_usd": 3_000_000, "store_count": 2}, ["p2"], ["tier"], None),
        (
            {"annual_volume_usd": 3_000_000, "store_count": 2, "customer_countries": ["DE"]},
            ["p2", "p3"],
            ["tier"],
            None,
        ),
        ({"annual_volume_usd": 3_000_000, "store_count": 0}, ["p2"], [], None),  # /0: no value
        ({"industry": "crypto", "customer_countries": ["US"]}, [], ["tier"], None),
    ],
)
def test_engine_and_reference_agree(
    form: Any, answers: dict[str, Any], products: list[str], derived: list[str], monthly: str | None
) -> None:
    ruleset = load(form)
    compiled = compile_ruleset(ruleset)
    # r3 divides by an answer: durable cannot do that exactly, so Python decides it.
    assert [ruleset.rules[i].id for i in compiled.python_rules] == ["r3"]
    got = compiled.evaluate(answers, form, open_questions=False)
    want = ReferenceEvaluator(ruleset).evaluate(answers, form, open_questions=False)
    assert got.to_dict() == want.to_dict()
    assert sorted(got.product_ids) == products
    assert [d["fact"] for d in got.derived] == derived
    if monthly:
        assert got.products[0]["rationale"] == [f"Over $50,000,000 ({monthly} a month)."]
    compiled.close()


def test_ask_next_follows_a_calculated_fact_to_its_answer(form: Any) -> None:
    ruleset = load(form)
    result = compile_ruleset(ruleset).evaluate({"customer_countries": ["DE", "FR"]}, form)
    volume = next(q for q in result.open_questions if q["id"] == "annual_volume_usd")
    assert set(volume["could_change"]["add_products"]) >= {"p1", "p2"}


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "big: annual_volume_usd >= $enterprise_volume",
            "big: annual_volume_usd >= $enterprise_volum",
            [
                "t.yaml:24:29: unknown parameter '$enterprise_volum', did you mean '$enterprise_volume'?"
            ],
        ),
        (
            "value: 50_000_000",
            "value: 500",
            ["t.yaml:10:12: 500 is below the minimum of parameter 'enterprise_volume' (1000000)"],
        ),
        (
            "value: 50_000_000",
            "value: 5_000_000_000",
            [
                "t.yaml:10:12: 5000000000 is above the maximum of parameter 'enterprise_volume' (1000000000)"
            ],
        ),
        (
            "value: 50_000_000",
            "value: fifty",
            [
                "t.yaml:10:12: parameter 'enterprise_volume' takes an amount (a number, no currency sign), not 'fifty'"
            ],
        ),
        (
            "value: crypto",
            "value: cryptoo",
            [
                "t.yaml:20:12: 'cryptoo' is not an option of parameter 'focus_industry' (did you mean 'crypto'?)"
            ],
        ),
        (
            "when: big_eu\n",
            "when: big_euu\n",
            ["t.yaml:42:11: unknown answer id 'big_euu', did you mean 'big_eu'?"],
        ),
        (
            "when: big and count",
            "when: big_eu and count",
            [
                "t.yaml:26:11: named condition 'big_eu' uses itself: a named condition cannot depend "
                "on itself; write out what it means instead"
            ],
        ),
        (
            "big: annual_volume_usd >= $enterprise_volume",
            "big: big_eu or annual_volume_usd >= $enterprise_volume",
            [
                "t.yaml:24:8: named conditions use each other in a loop (big -> big_eu -> big): a "
                "named condition cannot depend on itself; write out what it means instead",
                "t.yaml:26:11: named conditions use each other in a loop (big_eu -> big -> big_eu): "
                "a named condition cannot depend on itself; write out what it means instead",
            ],
        ),
        (
            "  big: annual_volume_usd",
            "  industry: annual_volume_usd",
            [
                "t.yaml:24:3: named condition 'industry' has the id of the answer 'industry': give it "
                "another name",
                "t.yaml:26:11: unknown answer id 'big'",
            ],
        ),
        (
            "when: tier == gold and",
            "when: big >= 1 and",
            [
                "t.yaml:53:11: 'big' is a named condition: use it on its own (`big`, `not big`), not as an answer"
            ],
        ),
        (
            "value: annual_volume_usd / 12",
            "value: annual_volume_usd / 0",
            [
                "t.yaml:32:32: this divides by 0, which gives no number: the comparison is never "
                "true (divide by another number)"
            ],
        ),
        (
            "value: annual_volume_usd / 12",
            "value: industry / 12",
            [
                "t.yaml:32:12: a calculation needs numbers, but 'industry' is a single-choice question"
            ],
        ),
        (
            "value: annual_volume_usd / 12",
            "value: annual_volume_usd / 12 + tier",
            [
                "t.yaml:32:37: 'monthly' reads 'tier', which rules derive: a calculated fact reads "
                "answers and calculated facts declared above it",
                "t.yaml:32:37: a calculation needs numbers, but 'tier' takes words",
            ],
        ),
        (
            "    derive: [{fact: tier, value: gold}]",
            "    derive: [{fact: monthly, value: 3}]",
            [
                "t.yaml:51:21: derived fact 'monthly' is calculated from its `value:` under `derived:`, "
                "so no rule derives it: read it in conditions instead"
            ],
        ),
        (
            "{{ params.enterprise_volume | money }}",
            "{{ params.enterprise_volum | money }}",
            [
                "t.yaml:45:18: template uses an unknown parameter 'params.enterprise_volum' (did you "
                "mean 'enterprise_volume'?)"
            ],
        ),
        (
            "  - id: monthly_floor",
            "  - id: enterprise_volume",
            [
                "t.yaml:13:9: duplicate parameter id 'enterprise_volume' (the first is on line 6): "
                "give this one another id",
                "t.yaml:47:22: unknown parameter '$monthly_floor' (parameters: $enterprise_volume, "
                "$focus_industry)",
            ],
        ),
    ],
)
def test_problems_at_their_place(form: Any, old: str, new: str, expected: list[str]) -> None:
    assert problems(form, old, new) == expected


def test_a_parameter_whose_value_has_the_wrong_type_is_reported_once(form: Any) -> None:
    """No knock-on messages where `$enterprise_volume` is used."""
    found = problems(form, "value: 50_000_000", "value: fifty")
    assert len(found) == 1


def test_without_a_questionnaire_named_conditions_and_parameters_still_bind() -> None:
    ruleset = load_ruleset_text(TEXT, "t.yaml")
    assert str(ruleset.rules[1].condition) == (
        "monthly >= $monthly_floor and annual_volume_usd >= 1 and annual_volume_usd <= "
        "$enterprise_volume"
    )


# --------------------------------------------------------------------------- default ruleset


@pytest.fixture(scope="module")
def stripe(form: Any) -> Any:
    path = ROOT / "rules" / "stripe.yaml"
    text = path.read_text()
    return text, read_data_files(text, path)


def test_the_default_ruleset_reads_its_thresholds_from_parameters(form: Any, stripe: Any) -> None:
    text, data = stripe
    ruleset = load_ruleset_text(text, "rules/stripe.yaml", form, data)
    assert len(ruleset.params) >= 14
    for param in ruleset.params.values():
        assert param.label and param.description and param.group, param.id
        if param.type in ("money", "integer", "number", "percent"):
            assert param.min is not None, param.id
    enterprise = next(r for r in ruleset.rules if r.id == "segment-enterprise-threshold")
    assert enterprise.when == (
        "annual_volume_usd >= $enterprise_volume or annual_revenue_usd >= $enterprise_revenue"
    )
    assert set(ruleset.conditions) == {
        "invoiced",
        "repeat_collection",
        "one_seller_paid_at_once",
        "stripe_merchant_of_record",
        "in_app_digital_goods_only",
        "terminal_nowhere_confirmed",
    }
    # No number is left in a condition that a parameter should hold.
    for rule in ruleset.rules:
        for number in ("50_000_000", "1_000_000", "0.75", ">= 100 ", "10_000", "25_000_000"):
            assert number not in rule.when + " ", (rule.id, rule.when)


def test_lowering_the_enterprise_threshold_moves_the_segment(form: Any, stripe: Any) -> None:
    text, data = stripe
    answers = {"annual_volume_usd": 30_000_000}
    before = compile_ruleset(load_ruleset_text(text, "rules/stripe.yaml", form, data))
    lowered = text.replace("    value: 50_000_000\n", "    value: 25_000_000\n", 1)
    after = compile_ruleset(load_ruleset_text(lowered, "rules/stripe.yaml", form, data))
    segment = [d["value"] for d in before.evaluate(answers, form).derived if d["fact"] == "segment"]
    assert segment == ["mid_market"]
    segment = [d["value"] for d in after.evaluate(answers, form).derived if d["fact"] == "segment"]
    assert segment == ["enterprise"]


def test_why_not_shows_the_written_out_condition_of_a_named_condition(form: Any) -> None:
    compiled = compile_ruleset(load(form))
    answers = {"annual_volume_usd": 60_000_000, "customer_countries": ["DE", "US"]}
    report = compiled.why_not(answers, "p1", form)
    (rule,) = report["recommending_rules"]
    assert rule["rule"] == "r1" and rule["fired"] is False
    assert rule["when"] == (
        "annual_volume_usd >= $enterprise_volume and count(customer_countries in @eea) >= 2"
    )
    # Only the part of the written-out condition that fails is listed.
    assert len(rule["failed"]) == 1
    assert rule["failed"][0].startswith("count(customer_countries in @eea) >= 2")
    compiled.close()


TABLE_TEXT = """\
name: t
version: 1
questionnaire: sa_discovery
params:
  - {id: big_volume, type: money, value: 1000}
conditions:
  invoiced: channels contains invoice or payment_terms == net_terms
products:
  - {id: p1, name: P1, family: other}
  - {id: p2, name: P2, family: other}
rules: []
tables:
  - id: tb
    hit: collect
    inputs:
      - {id: vol, label: Volume, input: annual_volume_usd}
      - {id: inv, label: Invoiced, input: invoiced}
      - {id: monthly, label: Monthly volume, input: annual_volume_usd / 12}
    outputs:
      - {id: rec, kind: recommend}
    rows:
      - {vol: ">= $big_volume", rec: p1}
      - {inv: yes, rec: p2}
      - {inv: no, monthly: ">= 100", rec: p1}
"""


def test_decision_tables_read_parameters_named_conditions_and_calculations(form: Any) -> None:
    ruleset = load_ruleset_text(TABLE_TEXT, "t.yaml", form)
    assert [str(r.condition) for r in ruleset.rules] == [
        "annual_volume_usd >= $big_volume",
        "channels contains invoice or payment_terms == net_terms",
        "not (channels contains invoice or payment_terms == net_terms) and annual_volume_usd / 12 >= 100",
    ]
    compiled = compile_ruleset(ruleset)
    for answers, products in [
        ({"annual_volume_usd": 5000}, ["p1"]),
        ({"channels": ["invoice"]}, ["p2"]),
        ({"annual_volume_usd": 1200, "channels": ["web"]}, ["p1"]),
        ({"annual_volume_usd": 600, "channels": ["web"]}, []),
    ]:
        assert compiled.evaluate(answers, form).product_ids == products
    compiled.close()


@pytest.mark.parametrize(("countries", "could_add"), [(["DE"], ["p1"]), (["US"], [])])
def test_ask_next_reads_contains_none_the_right_way_round(
    form: Any, countries: list[str], could_add: list[str]
) -> None:
    """contains_none is decided by conditions.evaluate in the what-if analysis (not by the
    set lookups made for contains_any)."""
    text = """\
name: t
version: 1
questionnaire: sa_discovery
products:
  - {id: p1, name: P1, family: other}
rules:
  - id: r1
    when: customer_countries contains_none [US] and annual_volume_usd > 5
    recommend: [{product: p1}]
"""
    compiled = compile_ruleset(load_ruleset_text(text, "t.yaml", form))
    result = compiled.evaluate({"customer_countries": countries}, form)
    volume = [q for q in result.open_questions if q["id"] == "annual_volume_usd"]
    assert [q["could_change"]["add_products"] for q in volume] == ([could_add] if could_add else [])
    compiled.close()


TRIES: dict[str, list[Any]] = {
    "annual_volume_usd": [0, 500, 1_200_000, 6_000_000, 60_000_000],
    "store_count": [0, 1, 2, 10],
    "customer_countries": [[], ["DE"], ["DE", "FR"], ["US"], ["DE", "NL", "US"]],
    "industry": ["crypto", "saas_software", "retail"],
}


@pytest.mark.parametrize(
    "base",
    [
        {},
        {"customer_countries": ["DE", "FR"]},
        {"annual_volume_usd": 3_000_000},
        {"annual_volume_usd": 60_000_000, "store_count": 0},
        {"industry": "crypto", "customer_countries": ["US"]},
    ],
)
def test_ask_next_is_sound_through_calculations(form: Any, base: dict[str, Any]) -> None:
    """Every product that some answer to an open question adds (or removes) is among what ask
    next says that question could change; questions it does not list change nothing."""
    compiled = compile_ruleset(load(form))
    result = compiled.evaluate(base, form)
    listed = {q["id"]: q["could_change"] for q in result.open_questions}
    now = set(result.product_ids)
    for qid, values in TRIES.items():
        if qid in base:
            continue
        for value in values:
            if qid == "industry" and value not in [o.value for o in form.questions[qid].options]:
                continue
            after = set(
                compiled.evaluate({**base, qid: value}, form, open_questions=False).product_ids
            )
            added, removed = after - now, now - after
            if added or removed:
                assert qid in listed, (qid, value, added, removed)
                assert added <= set(listed[qid]["add_products"]), (qid, value)
                assert removed <= set(listed[qid]["remove_products"]), (qid, value)
    compiled.close()
