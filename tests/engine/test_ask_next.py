"""Ask next: show_if gating, excluded products that can come back, the ranking, and
soundness against brute force (every answer of a question, evaluated in full: what really
changes is always within `could_change`)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from recommender.engine import asknext, compile_ruleset, cond, load_ruleset, load_ruleset_text
from recommender.engine.asknext import CHANGE_KINDS
from recommender.engine.cond import And, Contains, Not, Or
from recommender.engine.data import INPUTS
from recommender.engine.loader import find_questionnaire
from recommender.engine.reference import ReferenceEvaluator
from recommender.engine.result import run_chain
from recommender.engine.whatif import BUYER_FACTS, Reach, WhatIf
from recommender.questionnaire import load_questionnaire_text
from tests.engine.answer_sets import random_answers
from tests.engine.copilot_support import FORM, RULESET, every_answer

ROOT = Path(__file__).resolve().parents[2]
# Buyer, store and seller countries the brute force tries on the default ruleset: the markets
# with their own methods and rules (Brazil, the Netherlands, India, Japan...) and one
# country no table or set names.
DEFAULT_COUNTRIES = ["US", "BR", "NL", "DE", "GB", "JP", "IN", "MX", "AU", "PL", "CN", "AL"]


@pytest.fixture(scope="module")
def small() -> Iterator[tuple[Any, Any, Any]]:
    form = load_questionnaire_text(FORM, "forms/copilot.yaml")
    ruleset = load_ruleset_text(RULESET, "rules/copilot.yaml", form)
    compiled = compile_ruleset(ruleset)
    yield form, ruleset, compiled
    compiled.close()


@pytest.fixture(scope="module")
def default() -> Iterator[tuple[Any, Any, Any]]:
    form = find_questionnaire(ROOT / "forms", "sa_discovery")
    ruleset = load_ruleset(ROOT / "rules" / "stripe.yaml", form)
    compiled = compile_ruleset(ruleset)
    yield form, ruleset, compiled
    compiled.close()


def ask(setup: tuple[Any, Any, Any], answers: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Open questions by id (durable and reference agree)."""
    form, ruleset, compiled = setup
    got = compiled.evaluate(answers, form).open_questions
    assert got == ReferenceEvaluator(ruleset).evaluate(answers, form).open_questions
    return {q["id"]: q for q in got}


def test_a_question_that_could_hide_an_answer_driving_a_risk_is_asked(small: Any) -> None:
    # manual_review is shown while b2b is unanswered (show_if: not b2b) and flags a risk;
    # answering b2b = true hides it, so the risk could go.
    open_q = ask(small, {"manual_review": True, "model": "retail"})
    assert open_q["b2b"]["could_change"]["remove_risks"] == ["fraud_ops"]
    # self_serve is read by no rule, only by phone_orders' show_if.
    open_q = ask(small, {"channels": ["phone"], "phone_orders": "agent"})
    assert open_q["self_serve"]["could_change"]["remove_products"] == ["moto"]
    assert open_q["self_serve"]["score"] == 1
    # Once self_serve is answered true, phone_orders is hidden and nothing hangs on it.
    assert "self_serve" not in ask(small, {"channels": ["phone"], "self_serve": False})


def test_an_excluded_product_that_could_come_back_is_predicted(small: Any) -> None:
    answers = {"channels": ["in_person"]}
    form, _ruleset, compiled = small
    result = compiled.evaluate(answers, form)
    assert "tap_to_pay" in [e["product"] for e in result.exclusions]
    open_q = ask(small, answers)
    assert "tap_to_pay" in open_q["store_countries"]["could_change"]["add_products"]
    # b2b excludes Klarna only: Klarna is not recommended (no model), so b2b changes nothing.
    assert "b2b" not in ask(small, {"channels": ["web"], "manual_review": False})


def test_ranking_counts_products_risks_and_the_design(small: Any) -> None:
    answers = {"countries": ["DE"], "model": "saas", "channels": ["web"]}
    open_q = ask(small, answers)
    volume = open_q["volume"]
    assert volume["could_change"] == {
        "add_products": ["tax"],
        "remove_products": [],
        "add_risks": ["tax_reg"],
        "remove_risks": [],
        "change_facts": ["segment"],
    }
    assert volume["score"] == 3
    assert volume["summary"] == "could change 1 product, 1 risk and the customer segment"
    form, _ruleset, compiled = small
    ranked = compiled.evaluate(answers, form).open_questions
    order = form.visible_question_ids(answers)

    def key(q: dict[str, Any]) -> tuple[int, ...]:
        c = q["could_change"]
        products = len(c["add_products"]) + len(c["remove_products"])
        risks = len(c["add_risks"]) + len(c["remove_risks"])
        return (-q["score"], -products, -risks, order.index(q["id"]))

    assert [q["id"] for q in ranked] == [q["id"] for q in sorted(ranked, key=key)]
    assert ranked[0]["id"] == "volume"
    assert ranked == compiled.evaluate(dict(reversed(list(answers.items()))), form).open_questions


def test_data_facts_stay_within_what_the_buyer_countries_allow(default: Any) -> None:
    """For a French, German and Dutch web shop, what they sell can change which methods
    are eligible, but never to ones that serve none of those countries (ACH, Pix, UPI)."""
    form, _ruleset, compiled = default
    answers = form.visible_answers(
        {
            "hq_country": "FR",
            "business_model": "direct_sales",
            "customer_type": ["businesses"],
            "customer_countries": ["FR", "DE", "NL"],
            "channels": ["web"],
            "pricing_models": ["fixed_recurring"],
        }
    )
    open_q = ask(default, answers)
    offering = open_q["offering_types"]["could_change"]
    assert not {"ach_debit", "pix", "upi", "boleto"} & set(offering["add_products"])
    assert "markets" in offering["change_facts"]
    # The buyer countries themselves may bring any method.
    assert "customer_countries" not in open_q  # answered
    del answers["customer_countries"]
    assert (
        "ach_debit" in ask(default, answers)["customer_countries"]["could_change"]["add_products"]
    )


def _outcome(setup: tuple[Any, Any, Any], answers: dict[str, Any], plan: bool) -> Any:
    """(products, risks, derived facts, per-market plan or None) of an answer set: the
    engine's own chain, without rationale texts, trace or open questions (fast)."""
    _form, ruleset, compiled = setup
    builder = compiled.builder
    augmented = builder.augment(answers)
    fired, _facts, derivations, _error = run_chain(
        ruleset, augmented, compiled._fire_for(augmented), builder.dependent
    )
    recommended: set[str] = set()
    excluded: set[str] = set()
    risks: set[str] = set()
    for i in fired:
        rec, exc, flag = builder.targets[i]
        recommended.update(rec)
        excluded.update(exc)
        risks.update(flag)
    products = recommended - excluded
    markets = None
    if plan and builder.market_data is not None:
        names = {pid: p.name for pid, p in ruleset.products.items()}
        reasons = dict.fromkeys(excluded, "")
        markets = builder.market_data.plan(augmented, sorted(products), reasons, names)
    return products, risks, {k: v[0] for k, v in derivations.items()}, markets


def check_sound(
    setup: tuple[Any, Any, Any],
    answers: dict[str, Any],
    countries: list[str] | None = None,
    max_subsets: int = 64,
) -> int:
    """For every visible unanswered question and every answer it can take, what changes
    (products, risks, derived facts, the per-market plan) is within its `could_change`
    (nothing at all for a question that is not listed). Returns the answers tried."""
    form, ruleset, compiled = setup
    open_q = {q["id"]: q["could_change"] for q in compiled.evaluate(answers, form).open_questions}
    nothing = dict.fromkeys(CHANGE_KINDS, [])
    tried = 0
    for qid in form.visible_question_ids(answers):
        if qid in answers:
            continue
        plan = qid in INPUTS
        products, risks, derived, markets = _outcome(setup, answers, plan)
        predicted = {k: set(v) for k, v in open_q.get(qid, nothing).items()}
        for value in every_answer(form.questions[qid], ruleset, countries, max_subsets):
            changed = form.visible_answers({**answers, qid: value})
            new_products, new_risks, new_derived, new_markets = _outcome(setup, changed, plan)
            tried += 1
            where = (qid, value, answers)
            assert new_products - products <= predicted["add_products"], where
            assert products - new_products <= predicted["remove_products"], where
            assert new_risks - risks <= predicted["add_risks"], where
            assert risks - new_risks <= predicted["remove_risks"], where
            facts = {
                k
                for k in derived.keys() | new_derived.keys()
                if derived.get(k) != new_derived.get(k)
            }
            assert facts <= predicted["change_facts"], where
            if new_markets != markets and new_products == products:
                assert "markets" in predicted["change_facts"], where
    return tried


def test_sound_on_the_small_ruleset(small: Any) -> None:
    form, _ruleset, _compiled = small
    rnd = random.Random(2)
    for _ in range(40):
        full = random_answers(form, rnd)
        answers = form.visible_answers({k: v for k, v in full.items() if rnd.random() < 0.5})
        check_sound(small, answers)


def test_sound_on_the_default_ruleset(default: Any) -> None:
    form, _ruleset, _compiled = default
    rnd = random.Random(6)
    tried = 0
    for n in range(10):
        full = random_answers(form, rnd)
        keys = sorted(full)
        rnd.shuffle(keys)
        share = (n % 3 + 1) / 4  # a quarter, half or three quarters answered
        answers = form.visible_answers({k: full[k] for k in keys[: int(len(keys) * share)]})
        tried += check_sound(default, answers, DEFAULT_COUNTRIES, max_subsets=24)
    assert tried > 2000


# -- the fast what-if (bit masks) against the plain one it replaced -----------------------------


class PlainWhatIf(WhatIf):
    """The analysis as it was before the bit masks: rule statuses keyed by field sets and
    `_evaluate3` deciding with set operations. The differential test below compares it with
    `WhatIf` on many answer sets."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self._plain_status: dict[Any, bool | None] = {}
        self._plain_known: dict[int, bool] = {}
        self._plain_fields = self.builder.node_fields

    def reach(self, qid: str) -> Reach:
        builder = self.builder
        rules_by_field, derives = builder.rules_by_field, builder.derives
        hidden = self.hidden_by(qid)
        unknown = {qid}
        changing = {qid, *hidden}
        no_buyers = "customer_countries" not in changing and not self.answers.get(
            "customer_countries"
        )
        for name in changing:
            for fact in builder.computed_by_input.get(name, ()):
                if not (no_buyers and fact in BUYER_FACTS):
                    unknown.add(fact)
        variant, self._bounds = self._data_bounds(changing)
        frozen_hidden = frozenset(hidden)
        frontier = [*unknown, *hidden]
        uncertain: set[int] = set()
        while frontier:
            name = frontier.pop()
            for i in rules_by_field.get(name, ()):
                if i in uncertain:
                    continue
                fields = builder.rule_fields[i]
                key = (
                    i,
                    fields & unknown,
                    frozen_hidden & fields if hidden else frozenset(),
                    variant,
                )
                if key not in self._plain_status:
                    self._plain_status[key] = self._plain3(
                        self.ruleset.rules[i].condition, unknown, key[2]
                    )
                if self._plain_status[key] is None:
                    uncertain.add(i)
                    for target in derives[i]:
                        if target not in unknown:
                            unknown.add(target)
                            frontier.append(target)
        return Reach(qid, frozenset(uncertain), frozenset(unknown), frozen_hidden)

    def _plain3(self, node: Any, unknown: set[str], maybe_absent: frozenset[str]) -> bool | None:
        key = id(node)
        fields = self._plain_fields[key]
        known = fields.isdisjoint(unknown) and fields.isdisjoint(maybe_absent)
        if known and key in self._plain_known:
            return self._plain_known[key]
        result: bool | None
        if isinstance(node, And | Or):
            decides = isinstance(node, Or)
            result = not decides
            for operand in node.operands:
                r = self._plain3(operand, unknown, maybe_absent)
                if r is decides:
                    result = decides
                    break
                if r is None:
                    result = None
        elif isinstance(node, Not):
            r = self._plain3(node.operand, unknown, maybe_absent)
            result = None if r is None else not r
        elif known:
            result = cond.evaluate(node, self.facts, self.ruleset.sets)
        elif not fields.isdisjoint(unknown):
            if self._bounds and isinstance(node, Contains):
                return cond.evaluate3(
                    node, self.facts, unknown, self.ruleset.sets, (), self._bounds
                )
            return None
        else:
            return cond.evaluate3(node, self.facts, (), self.ruleset.sets, maybe_absent)
        if known:
            self._plain_known[key] = bool(result)
        return result


def _captured(setup: tuple[Any, Any, Any], answers: dict[str, Any]) -> tuple[Any, ...]:
    """The arguments `build` hands `asknext.open_questions` for `answers`."""
    form, _ruleset, compiled = setup
    got: list[tuple[Any, ...]] = []
    real = asknext.open_questions

    def spy(*args: Any) -> Any:
        got.append(args)
        return real(*args)

    asknext.open_questions = spy  # type: ignore[assignment]
    try:
        compiled.evaluate(answers, form)
    finally:
        asknext.open_questions = real
    assert len(got) == 1
    return got[0]


@pytest.mark.parametrize("which", ["small", "default"])
def test_the_fast_what_if_equals_the_plain_one(which: str, request: Any) -> None:
    """Every question's reach (rules, unknown ids, hidden answers) and changes, for nearly
    empty to complete random answer sets, equal the plain analysis's."""
    setup = request.getfixturevalue(which)
    form = setup[0]
    rnd = random.Random(12)
    compared = 0
    for n in range(90):
        full = random_answers(form, rnd)
        keys = sorted(full)
        rnd.shuffle(keys)
        fill = (0.0, 0.1, 0.25, 0.5, 0.75, 1.0)[n % 6]
        answers = form.visible_answers({k: full[k] for k in keys[: int(len(keys) * fill)]})
        builder, questionnaire, evaluated, facts, fired, recommended, flagged = _captured(
            setup, answers
        )
        fast = WhatIf(builder, evaluated, facts, fired, questionnaire)
        plain = PlainWhatIf(builder, evaluated, facts, fired, questionnaire)
        for qid in [*questionnaire.questions, *builder.computed_by_input]:
            expected = plain.reach(qid)
            assert fast.reach(qid) == expected, (qid, answers)
            assert fast.changes(expected, recommended, flagged) == plain.changes(
                expected, recommended, flagged
            )
            compared += bool(expected.rules)
    assert compared > 200  # reaches with a rule that could change
