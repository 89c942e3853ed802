"""Lint: rules never fired, overlapping rules, products and questions no rule uses."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

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


@dataclass
class Firing:
    """What lint needs from evaluating saved discoveries and leads: the rules that fired,
    and for each pair of rules recommending the same product, for how many subjects both
    fired and the first such subject key. Chunks of a background job merge theirs."""

    subjects: int = 0
    fired: set[str] = field(default_factory=set)
    pairs: dict[tuple[str, str], tuple[int, str]] = field(default_factory=dict)

    def merge(self, other: Firing) -> None:
        self.subjects += other.subjects
        self.fired |= other.fired
        for pair, (count, sample) in other.pairs.items():
            mine = self.pairs.get(pair)
            self.pairs[pair] = other.pairs[pair] if mine is None else (
                mine[0] + count, min(mine[1], sample)
            )

    def stored(self) -> dict[str, Any]:
        return {
            "subjects": self.subjects,
            "fired": sorted(self.fired),
            "pairs": [[a, b, n, sample] for (a, b), (n, sample) in sorted(self.pairs.items())],
        }

    @classmethod
    def from_stored(cls, data: Mapping[str, Any]) -> Firing:
        return cls(
            int(data["subjects"]),
            set(data["fired"]),
            {(a, b): (int(n), str(sample)) for a, b, n, sample in data["pairs"]},
        )


def _parsed(name: str, source: str, data_files: Mapping[str, str] | None) -> Any:
    located = _located(source, f"{name}.yaml")
    if located is None:
        raise DefinitionError(
            check_source(source, name, data_files=data_files)
            or [Problem(f"{name}.yaml", 1, 1, "does not parse")]
        )
    return located


def _product_pairs(source: str) -> dict[str, list[tuple[str, str]]]:
    """product -> pairs of rules (in file order) that both recommend it."""
    by_product: dict[str, list[str]] = {}
    for rule, _ in rules_of(source):
        for effect in rule.get("recommend") or []:
            if isinstance(effect, dict) and isinstance(effect.get("product"), str):
                by_product.setdefault(effect["product"], []).append(rule["id"])
    return {
        product: [(a, b) for i, a in enumerate(rids) for b in rids[i + 1 :]]
        for product, rids in by_product.items()
    }


def firing(
    name: str,
    source: str,
    subjects: list[Subject],
    data_files: Mapping[str, str] | None = None,
) -> Firing:
    """Evaluate the subjects with the draft: which rules fired, which pairs overlapped."""
    _parsed(name, source, data_files)
    fired_by: dict[str, set[str]] = {}
    with compiled_source(source, name, data_files) as (compiled, _questionnaire):
        run = _evaluator(compiled)
        for subj in subjects:
            try:
                _, _, fired = run(subj)
            except Exception:  # reported by the impact view; lint looks at the rest
                continue
            for rid in fired:
                fired_by.setdefault(rid, set()).add(subj.key)
    out = Firing(len(subjects), set(fired_by))
    for pairs in _product_pairs(source).values():
        for a, b in pairs:
            both = fired_by.get(a, set()) & fired_by.get(b, set())
            if both:
                out.pairs[(a, b)] = (len(both), min(both))
    return out


def lint(
    name: str,
    source: str,
    subjects: list[Subject] | None = None,
    data_files: Mapping[str, str] | None = None,
) -> list[LintFinding]:
    """Rules never fired across saved discoveries, rules recommending the same product from
    overlapping conditions, products and questions no rule uses."""
    _parsed(name, source, data_files)
    subjects = saved_subjects() if subjects is None else subjects
    return findings(name, source, firing(name, source, subjects, data_files), data_files)


def findings(
    name: str,
    source: str,
    fired: Firing,
    data_files: Mapping[str, str] | None = None,
) -> list[LintFinding]:
    """The lint findings of a draft, given what evaluating the saved subjects found."""
    located = _parsed(name, source, data_files)
    data = located.data
    rules = rules_of(source)
    line_of = {rule["id"]: line for rule, line in rules}
    out: list[LintFinding] = []
    with compiled_source(source, name, data_files) as (compiled, questionnaire):
        engine_rules = list(compiled.ruleset.rules)
    if fired.subjects:
        for rule, line in rules:
            if rule["id"] not in fired.fired:
                out.append(
                    LintFinding("never_fired", f"rule {rule['id']} fired for none of the {fired.subjects} saved discoveries and leads", line)
                )
    when_of = {rule["id"]: " ".join(str(rule.get("when", "")).split()) for rule, _ in rules}
    for product, pairs in _product_pairs(source).items():
        for a, b in pairs:
            both = fired.pairs.get((a, b))
            if when_of[a] == when_of[b]:
                out.append(
                    LintFinding("overlap", f"rules {a} and {b} recommend {product} under the same condition", line_of[b])
                )
            elif both:
                out.append(
                    LintFinding(
                        "overlap",
                        f"rules {a} and {b} both recommend {product} and both fired for {both[0]} saved "
                        f"discoveries/leads (e.g. {both[1]}): their conditions overlap",
                        line_of[b],
                    )
                )
    used_products: set[str] = set()
    for rule, _ in rules:
        used_products |= _effect_ids(rule)
    for i, product in enumerate(data.get("products") or []):
        if isinstance(product, dict) and product.get("id") not in used_products:
            out.append(
                LintFinding("unused_product", f"product {product.get('id')} is recommended or excluded by no rule", located.pos(("products", i))[0])
            )
    used_fields: set[str] = set()
    for engine_rule in engine_rules:
        used_fields |= {f.removesuffix("__count") for f in engine_rule.fields}
    if questionnaire is not None:
        for qid in questionnaire.questions:
            if qid not in used_fields:
                out.append(LintFinding("unused_question", f"question {qid} is used by no rule's condition"))
    return out
