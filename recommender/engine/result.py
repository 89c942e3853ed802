"""Turning "which rules fire" into a Result: chaining, products, risks, bundles, trace.

Shared by the durable-backed engine and the plain-Python reference evaluator, so the two
differ only in the `fire` function (facts -> indexes of the rules whose condition holds).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from recommender.engine import asknext
from recommender.engine.data import COMPUTED_FACTS, FACT_INPUTS
from recommender.engine.model import SEVERITIES, Effect, Rule, Ruleset
from recommender.engine.params import FormulaFacts
from recommender.engine.templates import TemplateRenderer
from recommender.engine.whatif import (
    Visibility,
    atoms_by_field,
    field_masks,
    node_fields,
    quick_atoms,
    string_atoms,
)

if TYPE_CHECKING:
    from recommender.questionnaire import Questionnaire

MAX_ROUNDS = 10
# fire(facts, dependent_only) -> indexes of the rules that hold, ascending; with
# dependent_only, only among the rules that read derived facts.
Fire = Callable[[Mapping[str, Any], bool], list[int]]


class ChainError(Exception):
    """Derived facts did not settle within MAX_ROUNDS rounds."""

    def __init__(self, facts: list[str]) -> None:
        self.facts = facts
        super().__init__(
            f"derived facts did not settle within {MAX_ROUNDS} rounds: {', '.join(facts)}"
        )


@dataclass(eq=False)
class Result:
    """What a ruleset says about one answer set; `to_dict()` is JSON-serialisable.

    `trace` (one entry per rule) is built when first read, not by `evaluate`: most callers
    never read it, and for a large ruleset it cost more than deciding which rules fire.
    Read or not, it is the same list; pickling and comparing build it first.
    """

    ruleset: dict[str, Any]
    products: list[dict[str, Any]] = field(default_factory=list)
    bundles: list[dict[str, Any]] = field(default_factory=list)
    risks: list[dict[str, Any]] = field(default_factory=list)
    exclusions: list[dict[str, Any]] = field(default_factory=list)
    derived: list[dict[str, Any]] = field(default_factory=list)
    open_questions: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    markets: list[dict[str, Any]] = field(default_factory=list)
    fired: list[str] = field(default_factory=list)
    # the trace once built, and what builds it until then
    _trace: list[dict[str, Any]] | None = field(default=None, repr=False)
    _trace_source: Callable[[], list[dict[str, Any]]] | None = field(default=None, repr=False)

    @property
    def trace(self) -> list[dict[str, Any]]:
        """Per rule, in file order: `{rule, description, fired, matched_answers, effects}`."""
        if self._trace is None:
            source, self._trace_source = self._trace_source, None
            self._trace = source() if source is not None else []
        return self._trace

    @trace.setter
    def trace(self, value: list[dict[str, Any]]) -> None:
        self._trace, self._trace_source = value, None

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Result):
            return NotImplemented
        return self.to_dict() == other.to_dict() and self.fired == other.fired

    __hash__ = None  # type: ignore[assignment]  # mutable, like the dataclass it was

    def __getstate__(self) -> dict[str, Any]:
        self.trace  # noqa: B018 - build it: the builder closure does not pickle
        return dict(self.__dict__)

    def to_dict(self) -> dict[str, Any]:
        return {
            "ruleset": dict(self.ruleset),
            "products": self.products,
            "bundles": self.bundles,
            "risks": self.risks,
            "exclusions": self.exclusions,
            "markets": self.markets,
            "derived": self.derived,
            "open_questions": self.open_questions,
            "trace": self.trace,
            "errors": self.errors,
        }

    @property
    def product_ids(self) -> list[str]:
        return [p["id"] for p in self.products]

    @property
    def risk_ids(self) -> list[str]:
        return [r["id"] for r in self.risks]


@dataclass(frozen=True)
class Summary:
    """Which products and risks one answer set gets and which rules fired: the same sets as
    `Result.product_ids`, `Result.risk_ids` and `Result.fired`, for bulk comparisons.
    `chain_error` is set when derived facts did not settle (the full Result lists it in
    `errors`)."""

    products: frozenset[str]
    risks: frozenset[str]
    fired: frozenset[str]
    chain_error: ChainError | None = field(default=None, compare=False)


def derive_facts(ruleset: Ruleset, fired: list[int]) -> dict[str, tuple[Any, Rule, Effect]]:
    """Derived fact -> (value, winning rule, effect): highest priority, then earliest rule."""
    out: dict[str, tuple[Any, Rule, Effect]] = {}
    for i in fired:
        rule = ruleset.rules[i]
        for effect in rule.effects:
            if effect.kind != "derive":
                continue
            current = out.get(effect.target)
            if current is None or rule.priority > current[1].priority:
                out[effect.target] = (effect.value, rule, effect)
    return out


def run_chain(
    ruleset: Ruleset, answers: Mapping[str, Any], fire: Fire, dependent: frozenset[int]
) -> tuple[list[int], dict[str, Any], dict[str, tuple[Any, Rule, Effect]], ChainError | None]:
    """Fire rules in rounds until derived facts settle: (fired, facts, derivations, error).

    Rules that read no derived fact cannot change between rounds, so rounds after the
    first re-fire only the `dependent` ones.
    """
    derived: dict[str, Any] = {}
    facts = dict(answers)
    fired = fire(facts, False)
    if not ruleset.derived:
        return fired, facts, {}, None
    base = [i for i in fired if i not in dependent]
    changing: set[str] = set()
    for _round in range(MAX_ROUNDS):
        derivations = derive_facts(ruleset, fired)
        new = {name: d[0] for name, d in derivations.items()}
        if new == derived:
            return fired, facts, derivations, None
        changing = {
            k for k in set(new) | set(derived) if new.get(k, _MISSING) != derived.get(k, _MISSING)
        }
        derived = new
        facts = {**answers, **derived}
        fired = sorted(base + fire(facts, True))
    return fired, facts, derive_facts(ruleset, fired), ChainError(sorted(changing))


_MISSING = object()


def drop_unanswered(answers: Mapping[str, Any]) -> Mapping[str, Any]:
    """The answers without ids whose value is `None`: a stored null means unanswered on
    every path (engine, reference, summaries), as in docs/conditions.md. The same mapping
    when there is none."""
    if any(v is None for v in answers.values()):
        return {k: v for k, v in answers.items() if v is not None}
    return answers


_SEVERITY_RANK = {s: i for i, s in enumerate(SEVERITIES)}


def _effect_text(e: Effect) -> str:
    if e.kind == "flag":
        return f"flag {e.target}" + (f" ({e.severity})" if e.severity else "")
    if e.kind == "derive":
        return f"derive {e.target} = {e.value}"
    return f"{e.kind} {e.target}"


class ResultBuilder:
    """Builds Results for one ruleset; holds the compiled templates and everything about the
    rules that does not depend on the answers (trace entries, cited fields, effect targets,
    the per-field rule index), computed once per ruleset."""

    def __init__(self, ruleset: Ruleset) -> None:
        self.ruleset = ruleset
        # id(questionnaire) -> (that questionnaire, its renderer); holding the questionnaire
        # keeps its id() from being reused while the entry exists.
        self.renderers: dict[int, tuple[Questionnaire | None, TemplateRenderer]] = {}
        self.rules_by_field: dict[str, list[int]] = {}
        self.sorted_fields = [tuple(sorted(r.fields)) for r in ruleset.rules]
        self.rule_fields = [r.fields for r in ruleset.rules]
        self.effect_texts = [tuple(_effect_text(e) for e in r.effects) for r in ruleset.rules]
        # Rules reading a derived fact: the only ones chaining rounds need to re-fire.
        self.dependent = frozenset(
            r.index for r in ruleset.rules if r.fields & set(ruleset.derived)
        )
        for rule in ruleset.rules:
            for name in rule.fields:
                self.rules_by_field.setdefault(name, []).append(rule.index)
        self.catalogue = {pid: n for n, pid in enumerate(ruleset.products)}
        self.register = {rid: n for n, rid in enumerate(ruleset.risks)}
        self.derived_order = {name: n for n, name in enumerate(ruleset.derived)}
        # Per rule: (recommended, excluded, flagged) targets, for summaries.
        self.targets = [
            (
                tuple(e.target for e in r.effects if e.kind == "recommend"),
                tuple(e.target for e in r.effects if e.kind == "exclude"),
                tuple(e.target for e in r.effects if e.kind == "flag"),
            )
            for r in ruleset.rules
        ]
        # Per product / risk: the rules that recommend, exclude or flag it (ascending).
        self.recommending: dict[str, list[int]] = {}
        self.excluding: dict[str, list[int]] = {}
        self.flagging: dict[str, list[int]] = {}
        for rule in ruleset.rules:
            rec, exc, flag = self.targets[rule.index]
            for table, ids in (
                (self.recommending, rec),
                (self.excluding, exc),
                (self.flagging, flag),
            ):
                for target in dict.fromkeys(ids):
                    table.setdefault(target, []).append(rule.index)
        # Per rule: the derived facts it sets (followed by the open-question analysis).
        self.derives = [tuple(e.target for e in r.effects_of("derive")) for r in ruleset.rules]
        self.string_atoms = string_atoms(ruleset)
        self.quick_atoms = quick_atoms(ruleset)
        self.atoms_by_field = atoms_by_field(ruleset)
        self.node_fields = node_fields(ruleset)
        # The same as bit masks, for the what-if analysis (`whatif.field_masks`).
        self.field_bits, self.node_masks, self.rule_masks = field_masks(ruleset, self.node_fields)
        # id(questionnaire) -> (that questionnaire, its show_if index), like `renderers`.
        self.visibilities: dict[int, tuple[Questionnaire, Visibility]] = {}
        self.market_data = ruleset.market_data
        self.computed_names = tuple(COMPUTED_FACTS) if self.market_data is not None else ()
        self.computed_by_input: dict[str, tuple[str, ...]] = {}
        for fact in self.computed_names:
            for name in FACT_INPUTS[fact]:
                self.computed_by_input[name] = (*self.computed_by_input.get(name, ()), fact)
        # Calculated facts (`derived:` with `value:`, engine/params.py) are computed like the
        # data facts, before any rule fires.
        self.formulas = FormulaFacts(ruleset)
        for fact, inputs in self.formulas.inputs.items():
            for name in inputs:
                self.computed_by_input[name] = (*self.computed_by_input.get(name, ()), fact)

    def augment(self, answers: Mapping[str, Any]) -> Mapping[str, Any]:
        """The answers (a `None` value is unanswered: dropped) plus the facts computed from
        the ruleset's data tables and its calculated facts."""
        answers = drop_unanswered(answers)
        if self.market_data is not None:
            computed = self.market_data.compute(answers)
            if computed:
                answers = {**answers, **computed}
        return self.formulas.compute(answers)

    def cited(self, rules: list[Rule], facts: Mapping[str, Any]) -> dict[str, Any]:
        """The answers (and derived facts) the rules' conditions read, by id."""
        out: dict[str, Any] = {}
        for rule in rules:
            for name in self.sorted_fields[rule.index]:
                if name in facts:
                    out[name] = facts[name]
        return out

    def renderer(self, questionnaire: Questionnaire | None) -> TemplateRenderer:
        """The template renderer for a questionnaire's option labels: one per questionnaire
        (at most 16 kept), each compiling a template text once for this compiled ruleset."""
        key = id(questionnaire) if questionnaire is not None else 0
        entry = self.renderers.get(key)
        if entry is None or entry[0] is not questionnaire:
            labels = _option_labels(questionnaire)
            for name, fact in self.ruleset.derived.items():
                if fact.options:
                    labels.setdefault(name, {o: o.replace("_", " ") for o in fact.options})
            entry = self.renderers[key] = (
                questionnaire,
                TemplateRenderer(labels, self.ruleset.sets, self.ruleset.param_values),
            )
            if len(self.renderers) > 16:
                self.renderers.pop(next(iter(self.renderers)))
        return entry[1]

    def visibility(self, questionnaire: Questionnaire) -> Visibility:
        """The questionnaire's show_if conditions indexed for the what-if analysis (one per
        questionnaire, at most 16 kept)."""
        key = id(questionnaire)
        entry = self.visibilities.get(key)
        if entry is None or entry[0] is not questionnaire:
            entry = self.visibilities[key] = (questionnaire, Visibility(questionnaire))
            if len(self.visibilities) > 16:
                self.visibilities.pop(next(iter(self.visibilities)))
        return entry[1]

    def texts(
        self,
        answers: Mapping[str, Any],
        facts: Mapping[str, Any],
        questionnaire: Questionnaire | None,
    ) -> Callable[[str], tuple[str, str | None]]:
        """Render `because:` texts for one evaluation: text -> (output, error or None)."""
        variables: Mapping[str, Any] = facts
        if self.market_data is not None:
            variables = {**facts, **self.market_data.template_values(answers)}
        return self.renderer(questionnaire).session(variables)

    def trace(self, facts: Mapping[str, Any], fired: set[int]) -> list[dict[str, Any]]:
        """The trace of an evaluation whose final facts are `facts` and fired rules `fired`."""
        return _trace_entries(
            self.ruleset.rules, self.sorted_fields, self.effect_texts, facts, fired
        )

    def summarize(self, answers: Mapping[str, Any], fire: Fire) -> Summary:
        """Products, risks and fired rules as `build` finds them, and nothing else."""
        rs = self.ruleset
        fired, _facts, _derivations, chain_error = run_chain(rs, answers, fire, self.dependent)
        recommended: set[str] = set()
        excluded: set[str] = set()
        flagged: set[str] = set()
        targets = self.targets
        for i in fired:
            rec, exc, flag = targets[i]
            recommended.update(rec)
            excluded.update(exc)
            flagged.update(flag)
        return Summary(
            frozenset(recommended - excluded),
            frozenset(flagged),
            frozenset(rs.rules[i].id for i in fired),
            chain_error,
        )

    def build(
        self,
        answers: Mapping[str, Any],
        fire: Fire,
        questionnaire: Questionnaire | None = None,
        open_questions: bool = True,
    ) -> Result:
        rs = self.ruleset
        result = Result(ruleset={"name": rs.name, "version": rs.version})
        fired, facts, derivations, chain_error = run_chain(rs, answers, fire, self.dependent)
        if chain_error is not None:
            result.errors.append(
                {"kind": "chain", "message": str(chain_error), "facts": chain_error.facts}
            )
        render_text = self.texts(answers, facts, questionnaire)
        fired_set = set(fired)
        rules = rs.rules

        def render(rule: Rule, text: str) -> str:
            if not text:
                return rule.description
            out, error = render_text(text)
            if error:
                result.errors.append({"kind": "template", "rule": rule.id, "message": error})
            return out

        recommended: dict[str, list[tuple[Rule, Effect]]] = {}
        excluded: dict[str, list[tuple[Rule, Effect]]] = {}
        flagged: dict[str, list[tuple[Rule, Effect]]] = {}
        for i in fired:
            rule = rules[i]
            for e in rule.effects:
                if e.kind == "recommend":
                    recommended.setdefault(e.target, []).append((rule, e))
                elif e.kind == "exclude":
                    excluded.setdefault(e.target, []).append((rule, e))
                elif e.kind == "flag":
                    flagged.setdefault(e.target, []).append((rule, e))

        catalogue = self.catalogue
        kept = [pid for pid in recommended if pid not in excluded]
        kept.sort(key=lambda pid: (-max(r.priority for r, _ in recommended[pid]), catalogue[pid]))
        for pid in kept:
            product = rs.products[pid]
            by = recommended[pid]
            result.products.append(
                {
                    "id": pid,
                    "name": product.name,
                    "family": product.family,
                    "description": product.description,
                    "docs": product.docs,
                    "rationale": [t for t in (render(r, e.because) for r, e in by) if t],
                    "rules": [r.id for r, _ in by],
                    "answers": self.cited([r for r, _ in by], facts),
                }
            )
        kept_set = set(kept)
        for pid in sorted(excluded, key=lambda p: catalogue[p]):
            by = excluded[pid]
            result.exclusions.append(
                {
                    "product": pid,
                    "name": rs.products[pid].name,
                    "reason": " ".join(render(r, e.because) for r, e in by),
                    "rules": [r.id for r, _ in by],
                    "overridden_rules": [r.id for r, _ in recommended.get(pid, [])],
                }
            )
        for bundle in rs.bundles:
            if all(p in kept_set for p in bundle.core):
                members = list(dict.fromkeys(bundle.core + bundle.products))
                result.bundles.append(
                    {
                        "id": bundle.id,
                        "title": bundle.title,
                        "description": bundle.description,
                        "products": [p for p in members if p in kept_set],
                    }
                )
        register = self.register
        risks = []
        for rid, by in flagged.items():
            risk = rs.risks[rid]
            severity = min(
                (e.severity or risk.severity for _, e in by), key=lambda s: _SEVERITY_RANK[s]
            )
            risks.append(
                {
                    "id": rid,
                    "title": risk.title,
                    "severity": severity,
                    "reason": " ".join(render(r, e.because) for r, e in by),
                    "mitigation": risk.mitigation,
                    "rules": [r.id for r, _ in by],
                }
            )
        risks.sort(key=lambda r: (_SEVERITY_RANK[str(r["severity"])], register[str(r["id"])]))
        result.risks = risks
        order = self.derived_order
        # (fact, value) -> the fired rules deriving it, in firing order (a rule once per effect)
        deriving: dict[tuple[str, Any], list[str]] = {}
        derives = self.derives
        for i in fired:
            if derives[i]:
                for e in rules[i].effects:
                    if e.kind == "derive":
                        deriving.setdefault((e.target, e.value), []).append(rules[i].id)
        for name, (value, rule, effect) in sorted(derivations.items(), key=lambda kv: order[kv[0]]):
            result.derived.append(
                {
                    "fact": name,
                    "value": value,
                    "reason": render(rule, effect.because),
                    "rules": list(deriving.get((name, value), ())),
                }
            )
        result._trace_source = lambda: self.trace(facts, fired_set)
        result.fired = [rules[i].id for i in fired]
        if self.market_data is not None:
            result.markets = self.market_data.plan(
                answers,
                kept,
                {e["product"]: e["reason"] for e in result.exclusions},
                {pid: p.name for pid, p in rs.products.items()},
            )
        if open_questions and questionnaire is not None:
            result.open_questions = asknext.open_questions(
                self, questionnaire, answers, facts, fired_set, kept_set, set(flagged)
            )
        return result


def _trace_entries(
    rules: list[Rule],
    sorted_fields: list[tuple[str, ...]],
    effect_texts: list[tuple[str, ...]],
    facts: Mapping[str, Any],
    fired: set[int],
) -> list[dict[str, Any]]:
    out = []
    for rule in rules:
        index = rule.index
        hit = index in fired
        out.append(
            {
                "rule": rule.id,
                "description": rule.description,
                "fired": hit,
                "matched_answers": {n: facts[n] for n in sorted_fields[index] if n in facts},
                "effects": list(effect_texts[index]) if hit else [],
            }
        )
    return out


def _option_labels(questionnaire: Questionnaire | None) -> dict[str, dict[str, str]]:
    """question id -> option value -> label, from the questionnaire's field specs."""
    labels: dict[str, dict[str, str]] = {}
    if questionnaire is None:
        return labels
    for qid, question in questionnaire.questions.items():
        options = getattr(question, "options", None) or []
        table: dict[str, str] = {}
        for option in options:
            value = getattr(option, "value", None)
            if value is None and isinstance(option, Mapping):
                value = option.get("value")
            label = getattr(option, "label", None)
            if label is None and isinstance(option, Mapping):
                label = option.get("label")
            if value is not None:
                table[str(value)] = str(label if label is not None else value)
        if table:
            labels[qid] = table
    return labels
