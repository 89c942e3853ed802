"""Rationales say only what is true: a rationale names only the countries its statement is about.

Every rule of the default ruleset is rendered over many random, realistic answer sets. For each
rule that fires, the countries its `because:` texts name (found by country name in the rendered
text) must lie in the set the rule is about:
- for each country field its condition reads (customer_countries, account_countries, ...): the
  answer's countries, narrowed to the values of the set or list the condition compares it with;
- for each payment method it recommends or excludes: the buyer countries the method serves
  (or is refused in) for this customer, and the account countries that can enable it.
Countries the template text names literally (static wording such as "Brazilian accounts only")
are not the answers' and are not checked.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from recommender.conditions.ast import (
    And,
    Contains,
    Field,
    In,
    ListLiteral,
    Literal,
    Not,
    Or,
    SetRef,
)
from recommender.engine import load_ruleset
from recommender.engine.loader import load_questionnaires
from recommender.engine.reference import ReferenceEvaluator
from recommender.questionnaire.countries import COUNTRIES
from tests.engine.answer_sets import random_answers

ROOT = Path(__file__).resolve().parents[2]
COUNTRY_FIELDS_KINDS = ("country", "country_list")
_NAME_TO_CODE = {name: code for code, name in COUNTRIES.items()}
_NAMES = re.compile(
    r"\b(" + "|".join(re.escape(n) for n in sorted(_NAME_TO_CODE, key=len, reverse=True)) + r")\b"
)


def named_countries(text: str) -> set[str]:
    return {_NAME_TO_CODE[m.group(1)] for m in _NAMES.finditer(text)}


@pytest.fixture(scope="module")
def setup() -> tuple[Any, Any, ReferenceEvaluator]:
    questionnaire = load_questionnaires(ROOT / "forms")["sa_discovery"]
    ruleset = load_ruleset(ROOT / "rules" / "stripe.yaml", questionnaire)
    return questionnaire, ruleset, ReferenceEvaluator(ruleset)


def _values(node: Any, sets: Mapping[str, tuple[Any, ...]]) -> set[str] | None:
    if isinstance(node, SetRef):
        return {str(v) for v in sets.get(node.name, ())}
    if isinstance(node, ListLiteral):
        return {str(i.value) for i in node.items}
    if isinstance(node, Literal):
        return {str(node.value)}
    return None


def narrowings(
    node: Any, facts: Mapping[str, Any], kinds: Mapping[str, str], sets: Mapping[str, Any]
) -> dict[str, set[str]]:
    """Per country field, the countries a condition narrows it to: the answer's countries
    in (or, negated, outside) the sets and lists it is compared with."""
    out: dict[str, set[str]] = {}
    stack: list[tuple[Any, bool]] = [(node, False)]
    while stack:
        n, negated = stack.pop()
        if isinstance(n, And | Or):
            stack.extend((o, negated) for o in n.operands)
            continue
        if isinstance(n, Not):
            stack.append((n.operand, not negated))
            continue
        subject = getattr(n, "subject", None)
        if not isinstance(subject, Field):
            continue
        name = subject.name
        if kinds.get(name) not in COUNTRY_FIELDS_KINDS:
            continue
        value = facts.get(name)
        answered = set(value) if isinstance(value, list) else {value} if value else set()
        if isinstance(n, In | Contains):
            values = _values(n.values, sets)
            negated = negated != (isinstance(n, In) and n.negated)
        else:
            values = {str(n.value.value)}
            negated = negated != (n.op == "!=")
        if values is None:
            continue
        out.setdefault(name, set()).update(answered - values if negated else answered & values)
    return out


def implied_narrowings(
    node: Any, variables: Mapping[str, Any], sets: Mapping[str, Any], data: Any
) -> dict[str, set[str]]:
    """What conditions over facts computed from the data say about countries: `auth_regimes
    contains sca` is about the SCA-area buyers and accounts, `eligible_methods contains X`
    about the buyer countries X serves, and so on."""
    buyers = set(variables.get("customer_countries") or ())
    accounts = set(variables.get("account_countries") or ())
    sca = set(sets.get("sca_area", ()))
    out: dict[str, set[str]] = {}
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, And | Or):
            stack.extend(n.operands)
            continue
        if isinstance(n, Not):
            stack.append(n.operand)
            continue
        if not isinstance(n, Contains) or not isinstance(n.subject, Field):
            continue
        values = _values(n.values, sets) or set()
        fact = n.subject.name
        for v in values:
            if fact == "auth_regimes":
                implied = {"sca": (buyers & sca, accounts & sca), "jp_3ds": (set(), {"JP"})}
                b, a = implied.get(v, (buyers & {"IN"}, set()))
            elif fact in ("eligible_methods", "expected_methods", "currency_gap_methods"):
                b, a = set(variables["method_countries"].get(v, ())), set()
                if data is not None and v in data.methods:
                    a = accounts & data.methods[v].account_countries
            elif fact == "account_blocked_methods":
                b, a = set(variables["method_blocked_countries"].get(v, ())), set()
            else:
                continue
            out.setdefault("customer_countries", set()).update(b)
            out.setdefault("account_countries", set()).update(a & accounts)
    return out


def test_rationales_name_only_the_countries_they_are_about(setup: Any) -> None:
    questionnaire, ruleset, evaluator = setup
    kinds = {qid: q.type for qid, q in questionnaire.questions.items()}
    kinds["account_countries"] = "country_list"
    data = ruleset.market_data
    builder = evaluator.builder
    renderer = builder.renderer(questionnaire)
    rnd = random.Random(2026)
    failures: list[str] = []
    checked = 0
    for _ in range(250):
        answers = random_answers(questionnaire, rnd)
        result = evaluator.evaluate(answers, questionnaire, open_questions=False)
        facts = dict(builder.augment(answers))
        facts.update({d["fact"]: d["value"] for d in result.derived})
        variables = {**facts, **(data.template_values(answers) if data else {})}
        render = renderer.session(variables)
        answer_countries: set[str] = set()
        for name, kind in kinds.items():
            value = facts.get(name)
            if kind in COUNTRY_FIELDS_KINDS and value:
                answer_countries |= set(value) if isinstance(value, list) else {value}
        fired = set(result.fired)
        for rule in ruleset.rules:
            if rule.id not in fired:
                continue
            narrowed = narrowings(rule.condition, facts, kinds, ruleset.sets)
            for name, countries in implied_narrowings(
                rule.condition, variables, ruleset.sets, data
            ).items():
                narrowed.setdefault(name, set()).update(countries)
            for effect in rule.effects:
                if data is not None and effect.target in data.methods:
                    m = data.methods[effect.target]
                    served = variables["method_countries"].get(m.id, [])
                    refused = variables["method_blocked_countries"].get(m.id, [])
                    narrowed.setdefault("customer_countries", set()).update(served, refused)
                    narrowed.setdefault("account_countries", set()).update(
                        set(facts.get("account_countries") or ()) & m.account_countries
                    )
            # A country field the rule says nothing specific about may be named whole.
            about: set[str] = set()
            for name, kind in kinds.items():
                value = facts.get(name)
                if kind not in COUNTRY_FIELDS_KINDS or not value:
                    continue
                whole = set(value) if isinstance(value, list) else {value}
                about |= narrowed.get(name, whole)
            for effect in rule.effects:
                if not effect.because or "{" not in effect.because:
                    continue
                text, error = render(effect.because)
                assert error is None, f"{rule.id}: {error}"
                checked += 1
                static = named_countries(effect.because)
                wrong = (named_countries(text) & answer_countries) - about - static
                if wrong:
                    failures.append(
                        f"{rule.id} ({effect.kind} {effect.target}): names "
                        f"{sorted(wrong)} outside {sorted(about)}: {text!r}"
                    )
    assert checked > 500
    unique = sorted(set(f.split(":")[0] for f in failures))
    assert not failures, (
        f"{len(failures)} rationales name countries they are not about, rules: {unique}\n"
        + "\n".join(failures[:15])
    )


def test_the_check_catches_a_rationale_that_names_every_customer_country(setup: Any) -> None:
    """The test above can fail: a rule about the SCA area that prints every buyer country."""
    questionnaire, ruleset, _ = setup
    kinds = {qid: q.type for qid, q in questionnaire.questions.items()}
    from recommender.conditions import parse

    node = parse("customer_countries contains_any @sca_area")
    facts = {"customer_countries": ["DE", "US", "JP"]}
    about = narrowings(node, facts, kinds, ruleset.sets)["customer_countries"]
    assert about == {"DE"}
    negated = parse("not (hq_country in @sca_area)")
    assert narrowings(negated, {"hq_country": "US"}, kinds, ruleset.sets) == {"hq_country": {"US"}}
    text = "Buyers in Germany, United States, Japan need SCA."
    assert (named_countries(text) & {"DE", "US", "JP"}) - about == {"US", "JP"}
