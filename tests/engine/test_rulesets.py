"""Loader/checker locations, evaluation semantics (chaining, exclusions, bundles, ordering),
templates, open questions and the compiled cache: durable engine and reference agree."""

from __future__ import annotations

import gc
import json
import textwrap
from pathlib import Path
from typing import Any

import pytest

from recommender.engine import (
    CompiledCache,
    check_ruleset_paths,
    compile_ruleset,
    load_ruleset_text,
)
from recommender.engine.durable import live_ruleset_count
from recommender.engine.reference import evaluate as reference_evaluate
from recommender.errors import DefinitionError
from recommender.questionnaire import load_questionnaire_text

FORM = textwrap.dedent(
    """\
    id: testform
    version: 1
    title: Test form
    sections:
      - id: main
        title: Main
        questions:
          - id: model
            label: Business model
            type: single
            options: [{value: saas, label: Software as a service}, {value: marketplace, label: Marketplace}]
          - id: volume
            label: Annual volume
            type: money
          - id: countries
            label: Customer countries
            type: country_list
          - id: channels
            label: Channels
            type: multi
            options: [{value: web, label: Web}, {value: in_person, label: In person}]
          - id: stores
            label: Stores
            type: integer
            show_if: channels contains in_person
          - id: b2b
            label: Sells to businesses
            type: boolean
    """
)

HEAD = """\
name: demo
version: 3
questionnaire: testform
sets:
  eu: [DE, NL, BE, FR]
derived:
  segment: {type: single, options: [enterprise, smb]}
  loop: {type: single, options: [a, b]}
products:
  - {id: checkout, name: Checkout, family: payments}
  - {id: billing, name: Billing, family: revenue}
  - {id: tax, name: Tax, family: revenue}
  - {id: terminal, name: Terminal, family: payments}
  - {id: klarna, name: Klarna, family: payment_methods}
risks:
  - {id: tax_reg, title: Register for tax, severity: low, mitigation: Register first.}
  - {id: sca, title: SCA, severity: medium, mitigation: Use 3DS.}
bundles:
  - {id: subs, title: Subscriptions, core: [billing], products: [billing, tax, checkout]}
  - {id: pos, title: Point of sale, core: [terminal], products: [terminal]}
rules:
"""

RULES = """\
  - id: enterprise
    when: volume >= 10_000_000
    priority: 10
    derive: [{fact: segment, value: enterprise, because: "Volume of {{ volume | money }}."}]
  - id: smb
    when: volume < 10_000_000
    derive: [{fact: segment, value: smb}]
  - id: checkout-web
    when: channels contains web
    recommend: [{product: checkout, because: "Sells on {{ channels | option }}."}]
  - id: saas-billing
    when: model == saas
    priority: 5
    recommend:
      - {product: billing, because: "A {{ model | option }} business."}
      - {product: klarna}
  - id: enterprise-tax
    when: segment == enterprise and countries contains_any @eu
    priority: 1
    recommend: [{product: tax, because: "Sells into {{ countries | countries }}."}]
    flag:
      - {risk: tax_reg, because: "{{ countries | count }} countries."}
      - {risk: sca, severity: high, because: "EU buyers."}
  - id: b2b-no-klarna
    when: b2b
    exclude: [{product: klarna, because: "Klarna is for consumers."}]
  - id: stores
    when: count(countries) > 1 and stores > 2
    recommend: [{product: terminal}]
"""


@pytest.fixture(scope="module")
def form() -> Any:
    return load_questionnaire_text(FORM, "forms/testform.yaml")


def load(rules: str = RULES, form: Any = None) -> Any:
    return load_ruleset_text(HEAD + rules, "rules/demo.yaml", form)


def both(ruleset: Any, answers: dict[str, Any], form: Any = None) -> dict[str, Any]:
    compiled = compile_ruleset(ruleset)
    got = compiled.evaluate(answers, form).to_dict()
    assert got == reference_evaluate(ruleset, answers, form).to_dict()
    json.dumps(got)  # JSON-serialisable
    compiled.close()
    return got


def test_checker_reports_each_problem_with_its_location(form: Any) -> None:
    bad = """\
  - id: dup
    when: model == marketplce
    recommend: [{product: checkout}]
  - id: dup
    when: volume > 5 and volume < 3
    recommend: [{product: nosuch}]
  - id: three
    when: countries contains_any @nosuchset
    flag: [{risk: nosuchrisk}]
    derive: [{fact: segment, value: huge}]
  - id: four
    when: nosuch == 1 or segment == giant
    recommend: [{product: checkout, because: "{{ nosuchvar }} and {{ volume | money"}]
  - id: five
    when: "model =="
    recommend: [{product: checkout, because: "{{ ''.__class__.__mro__ }}"}]
"""
    with pytest.raises(DefinitionError) as info:
        load(bad, form)
    got = [(p.line, p.col, p.message) for p in info.value.problems]
    line = HEAD.count("\n") + 1  # first rule line
    expected_fragments = [
        (line + 1, 20, "'marketplce' is not an option of 'model', did you mean 'marketplace'?"),
        (line + 3, 9, "duplicate rule id 'dup'"),
        (line + 4, 11, "can never hold"),
        (line + 5, 27, "unknown product 'nosuch'"),
        (line + 7, 34, "unknown value set '@nosuchset'"),
        (line + 8, 19, "unknown risk 'nosuchrisk'"),
        (line + 9, 37, "'huge' is not an option of derived fact 'segment'"),
        (line + 11, 11, "unknown answer id 'nosuch'"),
        (line + 11, 37, "'giant' is not an option of 'segment'"),
        (line + 12, 46, "template syntax error"),
        (line + 14, 20, "expected a value after '=='"),
        (line + 15, 46, "private attribute '__class__'"),
    ]
    assert len(got) == 13
    for want_line, want_col, fragment in expected_fragments:
        assert any(
            (ln, col) == (want_line, want_col) and fragment in msg for ln, col, msg in got
        ), (want_line, want_col, fragment, got)
    assert all(p.path == "rules/demo.yaml" for p in info.value.problems)


def test_template_naming_an_unknown_answer_is_a_check_error(form: Any) -> None:
    rules = RULES.replace("Sells on {{ channels | option }}.", "Sells on {{ chanels }}.")
    with pytest.raises(DefinitionError, match="template names unknown answer 'chanels'"):
        load(rules, form)


def test_schema_errors_are_located() -> None:
    with pytest.raises(DefinitionError) as info:
        load_ruleset_text(
            "name: Bad Name\nversion: 1\nquestionnaire: q\nrules:\n  - id: x\n    when: a\n",
            "r.yaml",
        )
    messages = [str(p) for p in info.value.problems]
    assert any(
        m.startswith("r.yaml:1:7: name 'Bad Name' may only use lowercase letters") for m in messages
    ), messages
    assert any(m.startswith("r.yaml:5:5:") and "at least one of `recommend`" in m for m in messages)


def test_check_ruleset_paths_finds_the_questionnaire(tmp_path: Path, form: Any) -> None:
    good = tmp_path / "demo.yaml"
    good.write_text(HEAD + RULES)
    other = tmp_path / "other.yaml"
    other.write_text((HEAD + RULES).replace("questionnaire: testform", "questionnaire: nope"))
    problems = check_ruleset_paths([good, other], {"testform": form})
    assert [str(p) for p in problems] == [f"{other}:3:16: unknown questionnaire 'nope'"]


def test_recommend_exclude_bundles_risks_and_ordering(form: Any) -> None:
    ruleset = load(form=form)
    answers = {
        "model": "saas",
        "volume": 25_000_000,
        "countries": ["DE", "US"],
        "channels": ["web"],
        "b2b": True,
    }
    result = both(ruleset, answers, form)
    # billing (priority 5) before tax (1) before checkout (0); klarna excluded
    assert [p["id"] for p in result["products"]] == ["billing", "tax", "checkout"]
    billing = result["products"][0]
    assert billing["rationale"] == ["A Software as a service business."]
    assert billing["answers"] == {"model": "saas"}
    assert result["products"][1]["rationale"] == ["Sells into Germany, United States."]
    assert result["exclusions"] == [
        {
            "product": "klarna",
            "name": "Klarna",
            "reason": "Klarna is for consumers.",
            "rules": ["b2b-no-klarna"],
            "overridden_rules": ["saas-billing"],
        }
    ]
    assert result["bundles"] == [
        {
            "id": "subs",
            "title": "Subscriptions",
            "description": "",
            "products": ["billing", "tax", "checkout"],
        }
    ]
    assert [(r["id"], r["severity"]) for r in result["risks"]] == [
        ("sca", "high"),
        ("tax_reg", "low"),
    ]
    assert result["derived"] == [
        {
            "fact": "segment",
            "value": "enterprise",
            "reason": "Volume of $25,000,000.",
            "rules": ["enterprise"],
        }
    ]
    assert [t["rule"] for t in result["trace"]] == [
        "enterprise",
        "smb",
        "checkout-web",
        "saas-billing",
        "enterprise-tax",
        "b2b-no-klarna",
        "stores",
    ]
    assert [t["fired"] for t in result["trace"]] == [True, False, True, True, True, True, False]
    assert result["trace"][4]["effects"] == ["recommend tax", "flag tax_reg", "flag sca (high)"]
    assert result["ruleset"] == {"name": "demo", "version": 3}


def test_unanswered_variable_and_render_failure_never_raise(form: Any) -> None:
    ruleset = load(form=form)
    result = both(ruleset, {"model": "saas", "volume": 20_000_000, "countries": ["FR"]}, form)
    tax_risk = next(r for r in result["risks"] if r["id"] == "tax_reg")
    # `count` is not one of our filters at render time in the sandbox? it is Jinja's builtin
    assert tax_risk["reason"] == "1 countries."
    rules = RULES.replace('"Sells into {{ countries | countries }}."', '"{{ volume | money(2) }}"')
    ruleset = load(rules, form)
    result = both(ruleset, {"volume": 20_000_000, "countries": ["FR"]}, form)
    assert result["products"][0]["rationale"] == ["{{ volume | money(2) }}"]
    assert (
        result["errors"][0]["kind"] == "template"
        and result["errors"][0]["rule"] == "enterprise-tax"
    )
    rules = RULES.replace(
        '"Sells on {{ channels | option }}."', '"On {{ stores }} / {{ volume | money }}"'
    )
    result = both(load(rules, form), {"channels": ["web"]}, form)
    assert result["products"][0]["rationale"] == ["On (not answered) / (not answered)"]


def test_hostile_template_is_refused_by_sandbox_at_render_time() -> None:
    # Without a questionnaire the checker still refuses private attributes...
    rules = RULES.replace('"Sells on {{ channels | option }}."', "\"{{ ''.__class__.__mro__ }}\"")
    with pytest.raises(DefinitionError, match="private attribute"):
        load(rules)
    # ...and the renderer's sandbox refuses them too (dynamic attribute names): safe output.
    from recommender.engine.templates import TemplateRenderer

    text, error = TemplateRenderer().render("{{ x | attr('__class__') }}", {"x": ""})
    assert "class" not in text and error is None
    # A template that fails while rendering falls back to its raw text.
    text, error = TemplateRenderer().render("{{ range(10**9) | list }}", {})
    assert text == "{{ range(10**9) | list }}" and error and "range() may produce" in error


def test_chaining_uses_derived_facts_and_priority(form: Any) -> None:
    ruleset = load(form=form)
    result = both(ruleset, {"volume": 5, "countries": ["DE"]}, form)
    assert result["derived"][0]["value"] == "smb"
    assert "tax" not in [p["id"] for p in result["products"]]
    both_rules = (
        RULES
        + """\
  - id: override
    when: answered(volume)
    priority: 20
    derive: [{fact: segment, value: enterprise}]
"""
    )
    result = both(load(both_rules, form), {"volume": 5, "countries": ["DE"]}, form)
    assert result["derived"][0]["value"] == "enterprise"
    assert result["derived"][0]["rules"] == ["override"]
    assert "tax" in [p["id"] for p in result["products"]]


def test_a_chain_that_never_settles_is_reported(form: Any) -> None:
    looping = (
        RULES
        + """\
  - id: to-a
    when: unanswered(loop) or loop == b
    derive: [{fact: loop, value: a}]
  - id: to-b
    when: loop == a
    priority: 1
    derive: [{fact: loop, value: b}]
"""
    )
    result = both(load(looping, form), {"model": "saas"}, form)
    assert result["errors"][0]["kind"] == "chain"
    assert result["errors"][0]["facts"] == ["loop"]


def test_open_questions_rank_what_could_change(form: Any) -> None:
    ruleset = load(form=form)
    answers = {"channels": ["in_person"], "countries": ["DE", "NL"], "volume": 100}
    result = both(ruleset, answers, form)
    ids = [q["id"] for q in result["open_questions"]]
    assert set(ids) == {"model", "stores"}  # b2b would only exclude klarna, not recommended
    first = result["open_questions"][0]
    assert first["id"] == "model" and first["score"] == 2
    assert first["could_change"]["add_products"] == ["billing", "klarna"]
    assert first["label"] == "Business model"
    stores = next(q for q in result["open_questions"] if q["id"] == "stores")
    assert stores["could_change"]["add_products"] == ["terminal"]
    # stores is hidden unless channels contains in_person
    result = both(ruleset, {"channels": ["web"], "countries": ["DE", "NL"]}, form)
    assert "stores" not in [q["id"] for q in result["open_questions"]]


def test_cache_keys_by_checksum_and_frees_replaced_compilations(form: Any) -> None:
    gc.collect()
    before = live_ruleset_count()
    cache = CompiledCache()
    first = cache.get(load(form=form))
    per_compilation = live_ruleset_count() - before
    assert per_compilation >= 1
    assert cache.get(load(form=form)) is first
    changed = load(RULES.replace("volume >= 10_000_000", "volume >= 20_000_000"), form)
    second = cache.get(changed)
    assert second is not first and len(cache.keys()) == 1
    assert live_ruleset_count() == before + 2 * per_compilation
    del first
    gc.collect()
    assert live_ruleset_count() == before + per_compilation
    assert second.evaluate({"volume": 15_000_000}).to_dict()["derived"] == []


def test_string_atoms_agree_with_conditions_evaluate() -> None:
    """The open-question analysis decides `in`/`contains` atoms over string constants with
    set lookups (`result.string_atom`); they must equal `conditions.evaluate` for any value."""
    import itertools
    import random

    from recommender.engine import cond
    from recommender.engine.model import Rule, Ruleset
    from recommender.engine.whatif import string_atom, string_atoms

    sets = {"eea": ("DE", "NL", "FR"), "one": ("DE",)}
    texts = [
        "x in [a, b]",
        "x not in [a, b]",
        "x in @eea",
        "x not in @eea",
        "x contains a",
        "x contains_any [a, DE]",
        "x contains_all [a, b]",
        "x contains_any @eea",
        "x contains_all @one",
        "not (x contains_all @eea)",
    ]
    rules = [
        Rule(
            id=f"r{i}",
            index=i,
            when=t,
            condition=cond.parse(t),
            effects=(),
            fields=frozenset({"x"}),
        )
        for i, t in enumerate(texts)
    ]
    ruleset = Ruleset(name="t", version=1, questionnaire="q", rules=rules, sets=sets)
    fast = string_atoms(ruleset)
    atoms = {id(r.condition): r.condition for r in rules}
    atoms |= {
        id(r.condition.operand): r.condition.operand
        for r in rules
        if hasattr(r.condition, "operand")
    }
    assert len(fast) == len(texts)
    scalars: list[Any] = ["a", "b", "c", "DE", "NL", "", True, False, 0, 1, 1.0, 2.5]
    values: list[Any] = [None, *scalars, []]
    rng = random.Random(1)
    values += [list(c) for c in itertools.combinations(["a", "b", "DE", 1, True], 2)]
    values += [rng.sample(scalars, rng.randint(1, 5)) for _ in range(200)]
    for key, spec in fast.items():
        for value in values:
            facts = {} if value is None else {"x": value}
            want = cond.evaluate(atoms[key], facts, sets)
            assert string_atom(spec, facts) == want, (str(atoms[key]), value)


def test_number_filter_groups_thousands() -> None:
    from recommender.engine.templates import TemplateRenderer

    text, error = TemplateRenderer().render("{{ n | number }} cards", {"n": 2_000_000})
    assert (text, error) == ("2,000,000 cards", None)
