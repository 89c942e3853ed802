"""The ruleset scenario vocabulary (features/ruleset/*.feature) for pytest-bdd.

The checks are plain functions over a result dict (`Result.to_dict()`), so a scenario runner
outside pytest can reuse them; `install_steps()` binds them to pytest-bdd step definitions in
the calling test module. Vocabulary (Given/When/Then/And are interchangeable in Gherkin):

    Given the answers:                         | answer | value | table, values typed as an SA
    When the recommendation is evaluated
    Then the products include a, b
    Then the products exclude a, b             (not among the recommended products)
    Then the risk X is flagged [with severity high|medium|low]
    Then the risk X is not flagged
    Then the product X is excluded             (listed under exclusions, with a reason)
    Then the product X is not excluded
    Then the derived fact F is V
    Then the market plan for XX includes a, b  (methods listed for buyer country XX)
    Then the market plan for XX excludes a, b  (left out for XX, with a reason)
    Then the market plan for XX does not list a, b  (neither listed nor left out with a reason)
    Then the market plan for XX has the auth regime R  (sca, jp_3ds, in_afa, none, unconfirmed)

Answer values are coerced with the questionnaire (`Questionnaire.coerce`): list answers are
comma-separated, booleans true/false, numbers plain. Hidden questions are dropped before
evaluation (`Questionnaire.visible_answers`), exactly as in the app.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pytest_bdd import given, parsers, then, when

from recommender.questionnaire.model import MISSING, Questionnaire

ROOT = Path(__file__).resolve().parents[2]
RULESET_PATH = ROOT / "rules" / "stripe.yaml"
QUESTIONNAIRE_PATH = ROOT / "forms" / "sa_discovery.yaml"
FEATURES_DIR = ROOT / "features" / "ruleset"

LIST_TYPES = frozenset({"multi", "country_list"})
SEVERITIES = ("high", "medium", "low")


class Catalogue:
    """The product and risk ids a ruleset knows, so a typo in a step fails loudly."""

    def __init__(self, products: Sequence[str], risks: Sequence[str], facts: Sequence[str]):
        self.products = set(products)
        self.risks = set(risks)
        self.facts = set(facts)

    @classmethod
    def of(cls, ruleset: Any) -> Catalogue:
        return cls(list(ruleset.products), list(ruleset.risks), list(ruleset.derived))

    def product(self, pid: str) -> str:
        assert pid in self.products, f"unknown product id '{pid}' in a step"
        return pid

    def risk(self, rid: str) -> str:
        assert rid in self.risks, f"unknown risk id '{rid}' in a step"
        return rid


# --------------------------------------------------------------------------- answers


def split_ids(text: str) -> list[str]:
    return [part.strip().strip("\"'") for part in text.split(",") if part.strip()]


def answers_from_table(
    rows: Sequence[Sequence[str]], questionnaire: Questionnaire
) -> dict[str, Any]:
    """Typed answers from `| answer | value |` rows (the header row is optional)."""
    body = list(rows)
    if body and [c.strip().lower() for c in body[0][:2]] == ["answer", "value"]:
        body = body[1:]
    answers: dict[str, Any] = {}
    for row in body:
        assert len(row) >= 2, f"an answers row needs an answer id and a value: {row!r}"
        qid, raw = row[0].strip(), row[1].strip()
        question = questionnaire.questions.get(qid)
        assert question is not None, (
            f"unknown answer id '{qid}' (not in questionnaire {questionnaire.id})"
        )
        value: Any = split_ids(raw) if question.type in LIST_TYPES else raw
        typed = questionnaire.coerce(qid, value)
        if typed is not MISSING:
            answers[qid] = typed
    return answers


def evaluate(
    compiled: Any, questionnaire: Questionnaire, answers: Mapping[str, Any]
) -> dict[str, Any]:
    """Evaluate the visible answers, as the app does, and return the result dict."""
    visible = questionnaire.visible_answers(dict(answers))
    result: dict[str, Any] = compiled.evaluate(visible, questionnaire).to_dict()
    assert not result.get("errors"), f"evaluation reported errors: {result['errors']}"
    return result


# --------------------------------------------------------------------------- checks


def product_ids(result: Mapping[str, Any]) -> list[str]:
    return [p["id"] for p in result["products"]]


def excluded_ids(result: Mapping[str, Any]) -> list[str]:
    return [e["product"] for e in result["exclusions"]]


def risks_by_id(result: Mapping[str, Any]) -> dict[str, str]:
    return {r["id"]: r["severity"] for r in result["risks"]}


def derived_facts(result: Mapping[str, Any]) -> dict[str, Any]:
    return {d["fact"]: d["value"] for d in result["derived"]}


def describe(result: Mapping[str, Any]) -> str:
    """What the evaluation produced, for assertion messages."""
    risks = ", ".join(f"{rid} ({sev})" for rid, sev in risks_by_id(result).items())
    derived = ", ".join(f"{k}={v}" for k, v in derived_facts(result).items())
    return (
        f"\n  products:   {', '.join(product_ids(result)) or 'none'}"
        f"\n  risks:      {risks or 'none'}"
        f"\n  exclusions: {', '.join(excluded_ids(result)) or 'none'}"
        f"\n  derived:    {derived or 'none'}"
    )


def check_products_include(result: Mapping[str, Any], ids: str, catalogue: Catalogue) -> None:
    wanted = [catalogue.product(p) for p in split_ids(ids)]
    missing = [p for p in wanted if p not in product_ids(result)]
    assert not missing, f"expected products to include {', '.join(missing)}{describe(result)}"


def check_products_exclude(result: Mapping[str, Any], ids: str, catalogue: Catalogue) -> None:
    unwanted = [catalogue.product(p) for p in split_ids(ids)]
    present = [p for p in unwanted if p in product_ids(result)]
    assert not present, f"expected products not to include {', '.join(present)}{describe(result)}"


def check_risk_flagged(
    result: Mapping[str, Any], risk_id: str, catalogue: Catalogue, severity: str | None = None
) -> None:
    catalogue.risk(risk_id)
    risks = risks_by_id(result)
    assert risk_id in risks, f"expected risk {risk_id} to be flagged{describe(result)}"
    if severity is not None:
        assert risks[risk_id] == severity, (
            f"expected risk {risk_id} with severity {severity}, got {risks[risk_id]}"
            f"{describe(result)}"
        )


def check_risk_not_flagged(result: Mapping[str, Any], risk_id: str, catalogue: Catalogue) -> None:
    catalogue.risk(risk_id)
    assert risk_id not in risks_by_id(result), (
        f"expected risk {risk_id} not to be flagged{describe(result)}"
    )


def check_product_excluded(
    result: Mapping[str, Any], product_id: str, catalogue: Catalogue
) -> None:
    catalogue.product(product_id)
    exclusion = next((e for e in result["exclusions"] if e["product"] == product_id), None)
    assert exclusion is not None, f"expected product {product_id} to be excluded{describe(result)}"
    assert exclusion["reason"].strip(), f"exclusion of {product_id} has no reason"
    assert product_id not in product_ids(result), f"excluded {product_id} is still recommended"


def check_product_not_excluded(
    result: Mapping[str, Any], product_id: str, catalogue: Catalogue
) -> None:
    catalogue.product(product_id)
    assert product_id not in excluded_ids(result), (
        f"expected product {product_id} not to be excluded{describe(result)}"
    )


PLAN_PSEUDO_METHODS = frozenset({"cards", "wallets"})


def market_plan(result: Mapping[str, Any], country: str) -> Mapping[str, Any]:
    plans = {m["country"]: m for m in result.get("markets", [])}
    assert country in plans, (
        f"no market plan for {country}; plans for: {', '.join(plans) or 'none'}{describe(result)}"
    )
    return plans[country]


def _plan_method(pid: str, catalogue: Catalogue) -> str:
    return pid if pid in PLAN_PSEUDO_METHODS else catalogue.product(pid)


def check_plan_includes(
    result: Mapping[str, Any], country: str, ids: str, catalogue: Catalogue
) -> None:
    plan = market_plan(result, country)
    listed = [m["id"] for m in plan["methods"]]
    missing = [p for p in (_plan_method(i, catalogue) for i in split_ids(ids)) if p not in listed]
    assert not missing, (
        f"expected the market plan for {country} to include {', '.join(missing)}; "
        f"it lists {', '.join(listed) or 'none'}"
    )


def check_plan_excludes(
    result: Mapping[str, Any], country: str, ids: str, catalogue: Catalogue
) -> None:
    plan = market_plan(result, country)
    excluded = {e["id"]: e for e in plan["excluded"]}
    listed = [m["id"] for m in plan["methods"]]
    for pid in (_plan_method(i, catalogue) for i in split_ids(ids)):
        assert pid in excluded, (
            f"expected the market plan for {country} to exclude {pid}; it excludes "
            f"{', '.join(excluded) or 'nothing'} and lists {', '.join(listed) or 'none'}"
        )
        assert excluded[pid]["reason"].strip(), f"{pid} is excluded for {country} without a reason"
        assert pid not in listed, f"{pid} is both listed and excluded for {country}"


def check_plan_does_not_list(
    result: Mapping[str, Any], country: str, ids: str, catalogue: Catalogue
) -> None:
    plan = market_plan(result, country)
    present = {m["id"] for m in plan["methods"]} | {e["id"] for e in plan["excluded"]}
    found = [p for p in (_plan_method(i, catalogue) for i in split_ids(ids)) if p in present]
    assert not found, f"expected the market plan for {country} not to mention {', '.join(found)}"


def check_plan_regime(result: Mapping[str, Any], country: str, regime: str) -> None:
    plan = market_plan(result, country)
    assert plan["auth_regime"] == regime, (
        f"expected the market plan for {country} to have the auth regime {regime}; "
        f"got {plan['auth_regime']}"
    )


def same_value(expected: str, actual: Any) -> bool:
    text = expected.strip().strip("\"'")
    if isinstance(actual, bool):
        return text.lower() == str(actual).lower()
    if isinstance(actual, int | float):
        try:
            return float(text.replace("_", "").replace(",", "")) == float(actual)
        except ValueError:
            return False
    if isinstance(actual, list):
        return sorted(split_ids(text)) == sorted(str(a) for a in actual)
    return text == str(actual)


def check_derived(result: Mapping[str, Any], fact: str, value: str, catalogue: Catalogue) -> None:
    assert fact in catalogue.facts, f"unknown derived fact '{fact}' in a step"
    facts = derived_facts(result)
    assert fact in facts, f"expected derived fact {fact} = {value}; not derived{describe(result)}"
    assert same_value(value, facts[fact]), (
        f"expected derived fact {fact} = {value}, got {facts[fact]}{describe(result)}"
    )


# --------------------------------------------------------------------------- pytest-bdd


def install_steps(stacklevel: int = 1) -> None:
    """Define the step vocabulary in the caller's module.

    The caller provides the fixtures `sa_questionnaire`, `stripe_catalogue` and
    `compiled_stripe` (see tests/bdd/test_ruleset_scenarios.py).
    """
    level = stacklevel + 1

    @given(parsers.re(r"the answers:?"), target_fixture="answers", stacklevel=level)
    def _answers(datatable: list[list[str]], sa_questionnaire: Questionnaire) -> dict[str, Any]:
        return answers_from_table(datatable, sa_questionnaire)

    @when("the recommendation is evaluated", target_fixture="result", stacklevel=level)
    def _evaluate(
        answers: dict[str, Any], compiled_stripe: Any, sa_questionnaire: Questionnaire
    ) -> dict[str, Any]:
        return evaluate(compiled_stripe, sa_questionnaire, answers)

    @then(parsers.re(r"the products include (?P<ids>.+)"), stacklevel=level)
    def _include(result: dict[str, Any], ids: str, stripe_catalogue: Catalogue) -> None:
        check_products_include(result, ids, stripe_catalogue)

    @then(parsers.re(r"the products exclude (?P<ids>.+)"), stacklevel=level)
    def _exclude(result: dict[str, Any], ids: str, stripe_catalogue: Catalogue) -> None:
        check_products_exclude(result, ids, stripe_catalogue)

    @then(
        parsers.re(
            r"the risk (?P<risk_id>\S+) is flagged with severity (?P<severity>high|medium|low)"
        ),
        stacklevel=level,
    )
    def _risk_severity(
        result: dict[str, Any], risk_id: str, severity: str, stripe_catalogue: Catalogue
    ) -> None:
        check_risk_flagged(result, risk_id, stripe_catalogue, severity)

    @then(parsers.re(r"the risk (?P<risk_id>\S+) is flagged"), stacklevel=level)
    def _risk(result: dict[str, Any], risk_id: str, stripe_catalogue: Catalogue) -> None:
        check_risk_flagged(result, risk_id, stripe_catalogue)

    @then(parsers.re(r"the risk (?P<risk_id>\S+) is not flagged"), stacklevel=level)
    def _risk_not(result: dict[str, Any], risk_id: str, stripe_catalogue: Catalogue) -> None:
        check_risk_not_flagged(result, risk_id, stripe_catalogue)

    @then(parsers.re(r"the product (?P<product_id>\S+) is excluded"), stacklevel=level)
    def _excluded(result: dict[str, Any], product_id: str, stripe_catalogue: Catalogue) -> None:
        check_product_excluded(result, product_id, stripe_catalogue)

    @then(parsers.re(r"the product (?P<product_id>\S+) is not excluded"), stacklevel=level)
    def _not_excluded(result: dict[str, Any], product_id: str, stripe_catalogue: Catalogue) -> None:
        check_product_not_excluded(result, product_id, stripe_catalogue)

    @then(
        parsers.re(r"the market plan for (?P<country>[A-Z]{2}) includes (?P<ids>.+)"),
        stacklevel=level,
    )
    def _plan_includes(
        result: dict[str, Any], country: str, ids: str, stripe_catalogue: Catalogue
    ) -> None:
        check_plan_includes(result, country, ids, stripe_catalogue)

    @then(
        parsers.re(r"the market plan for (?P<country>[A-Z]{2}) excludes (?P<ids>.+)"),
        stacklevel=level,
    )
    def _plan_excludes(
        result: dict[str, Any], country: str, ids: str, stripe_catalogue: Catalogue
    ) -> None:
        check_plan_excludes(result, country, ids, stripe_catalogue)

    @then(
        parsers.re(r"the market plan for (?P<country>[A-Z]{2}) does not list (?P<ids>.+)"),
        stacklevel=level,
    )
    def _plan_not_listed(
        result: dict[str, Any], country: str, ids: str, stripe_catalogue: Catalogue
    ) -> None:
        check_plan_does_not_list(result, country, ids, stripe_catalogue)

    @then(
        parsers.re(
            r"the market plan for (?P<country>[A-Z]{2}) has the auth regime (?P<regime>\S+)"
        ),
        stacklevel=level,
    )
    def _plan_regime(result: dict[str, Any], country: str, regime: str) -> None:
        check_plan_regime(result, country, regime)

    @then(parsers.re(r"the derived fact (?P<fact>\S+) is (?P<value>.+)"), stacklevel=level)
    def _derived(
        result: dict[str, Any], fact: str, value: str, stripe_catalogue: Catalogue
    ) -> None:
        check_derived(result, fact, value, stripe_catalogue)
