"""Lint: rules never fired, overlapping rules, products and questions no rule uses."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from recommender.errors import (
    DefinitionError,
    Problem,
)
from recommender.services.authoring.impact_preview import _effect_ids, _evaluator
from recommender.services.authoring.sources import _located, check_source, compiled_source, rules_of
from recommender.services.authoring.subjects import Subject, saved_subjects


@dataclass
class LintFinding:
    kind: str  # never_fired | overlap | unused_product | unused_question
    message: str
    line: int | None = None


def lint(
    name: str,
    source: str,
    subjects: list[Subject] | None = None,
    data_files: Mapping[str, str] | None = None,
) -> list[LintFinding]:
    """Rules never fired across saved discoveries, rules recommending the same product from
    overlapping conditions, products and questions no rule uses."""
    located = _located(source, f"{name}.yaml")
    if located is None:
        raise DefinitionError(
            check_source(source, name, data_files=data_files)
            or [Problem(f"{name}.yaml", 1, 1, "does not parse")]
        )
    data = located.data
    rules = rules_of(source)
    line_of = {rule["id"]: line for rule, line in rules}
    findings: list[LintFinding] = []
    subjects = saved_subjects() if subjects is None else subjects
    fired_by: dict[str, set[str]] = {}
    with compiled_source(source, name, data_files) as (compiled, questionnaire):
        engine_rules = list(compiled.ruleset.rules)
        run = _evaluator(compiled)
        for subj in subjects:
            try:
                _, _, fired = run(subj)
            except Exception:  # reported by the impact view; lint looks at the rest
                continue
            for rid in fired:
                fired_by.setdefault(rid, set()).add(subj.key)
    if subjects:
        for rule, line in rules:
            if rule["id"] not in fired_by:
                findings.append(
                    LintFinding("never_fired", f"rule {rule['id']} fired for none of the {len(subjects)} saved discoveries and leads", line)
                )
    by_product: dict[str, list[str]] = {}
    for rule, _ in rules:
        for effect in rule.get("recommend") or []:
            if isinstance(effect, dict) and isinstance(effect.get("product"), str):
                by_product.setdefault(effect["product"], []).append(rule["id"])
    when_of = {rule["id"]: " ".join(str(rule.get("when", "")).split()) for rule, _ in rules}
    for product, rids in by_product.items():
        for i, a in enumerate(rids):
            for b in rids[i + 1 :]:
                both = fired_by.get(a, set()) & fired_by.get(b, set())
                if when_of[a] == when_of[b]:
                    findings.append(
                        LintFinding("overlap", f"rules {a} and {b} recommend {product} under the same condition", line_of[b])
                    )
                elif both:
                    findings.append(
                        LintFinding(
                            "overlap",
                            f"rules {a} and {b} both recommend {product} and both fired for {len(both)} saved "
                            f"discoveries/leads (e.g. {sorted(both)[0]}): their conditions overlap",
                            line_of[b],
                        )
                    )
    used_products: set[str] = set()
    for rule, _ in rules:
        used_products |= _effect_ids(rule)
    for i, product in enumerate(data.get("products") or []):
        if isinstance(product, dict) and product.get("id") not in used_products:
            findings.append(
                LintFinding("unused_product", f"product {product.get('id')} is recommended or excluded by no rule", located.pos(("products", i))[0])
            )
    used_fields: set[str] = set()
    for engine_rule in engine_rules:
        used_fields |= {f.removesuffix("__count") for f in engine_rule.fields}
    if questionnaire is not None:
        for qid in questionnaire.questions:
            if qid not in used_fields:
                findings.append(LintFinding("unused_question", f"question {qid} is used by no rule's condition"))
    return findings
