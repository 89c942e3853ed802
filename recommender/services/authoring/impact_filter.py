"""Which saved answer sets a draft can change, decided without evaluating them (issue 12).

The impact preview used to summarise every saved discovery with both versions. When the
draft differs from the active version only in what the rules say (conditions, effects,
priorities, table rows, parameters and named conditions bound into them, sets, a risk's
register severity), the outcome of an answer set can differ only through the rules that
differ. `Prefilter.check` decides per answer set, with the plain-Python condition evaluator
(`conditions.evaluate`, the semantics the differential fuzz test holds durable_rules to):

1. the facts computed before any rule fires (data tables, calculations) are the same in
   both versions (computed only when a rule the filter reads needs them, or when their
   definitions differ);
2. the derived facts are the same: the derivation chain (`result.run_chain`, with only the
   rules that derive something) is run per version when a derivation rule differs or a
   differing rule reads a derived fact; a chain that does not settle is a candidate (the
   full comparison reports it);
3. every differing rule has the same status in both versions over those facts, and where
   it fires in both, the same effects (a flag without its own severity counts with the
   register's severity).

A shortcut comes first: when every differing rule differs only in atoms about one answer
each (a threshold: `annual_volume_usd >= 50_000_000` -> `>= 20_000_000`, whether written or
bound from a parameter), with the same effects and priority, and each such atom gives the
same value in both versions for these answers, the two conditions agree whatever the
derived facts are, in every round of the chain: no derived fact is computed at all.

Then every rule has the same status in both versions (the others read the same facts
with the same condition), so products, risks, fired rules, derived facts and severities
are identical: the answer set cannot be a changed row and is not evaluated. The answers
are validated as the engine validates them (`normalise_facts`), so a record the engine
refuses is still evaluated and reported.

Anything whose reach is not bounded this way (derived-fact types, another questionnaire,
a part of the ruleset this module does not know) makes `reason` say what, and the preview
then evaluates every answer set with both versions (`applies` is False).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from recommender.conditions.ast import Literal
from recommender.conditions.evaluate import referenced_sets, walk
from recommender.engine import cond
from recommender.engine.data import COMPUTED_FACTS, FACT_INPUTS
from recommender.engine.durable import normalise_facts
from recommender.engine.model import Rule, Ruleset
from recommender.engine.result import MAX_ROUNDS, ResultBuilder, drop_unanswered, run_chain
from recommender.services.authoring.impact_details import atom_pairs

# Parts of a loaded ruleset the filter accounts for (or that no evaluation reads: names,
# wording, the catalogue). Any other part that differs makes the filter step aside.
_HANDLED = frozenset(
    {"name", "version", "title", "description", "rules", "products", "bundles", "risks",
     "source", "path", "data", "data_files", "market_data", "tables", "params",
     "conditions", "sets", "derived"}
)  # fmt: skip


def _literal_types(node: Any) -> tuple[str, ...]:
    """The types of a condition's literals (nodes compare 1 and True as equal)."""
    return tuple(type(n.value).__name__ for n in walk(node) if isinstance(n, Literal))


def _effects_key(rule: Rule) -> tuple[Any, ...]:
    """What a rule's effects change in an outcome (not the `because:` texts)."""
    return tuple((e.kind, e.target, e.severity, repr(e.value)) for e in rule.effects)


def _rule_key(rule: Rule) -> tuple[Any, ...]:
    return (rule.condition, _literal_types(rule.condition), _effects_key(rule), rule.priority)


def _derives(rule: Rule) -> bool:
    return any(e.kind == "derive" for e in rule.effects)


def _chain_depth(ruleset: Ruleset) -> int | None:
    """The longest chain of derived facts (a fact read by a rule deriving another), or None
    when derived facts depend on each other in a cycle."""
    reads: dict[str, set[str]] = {}
    for rule in ruleset.rules:
        used = {f.removesuffix("__count") for f in rule.fields} & set(ruleset.derived)
        for effect in rule.effects_of("derive"):
            reads.setdefault(effect.target, set()).update(used)
    depth: dict[str, int] = {}
    visiting: set[str] = set()

    def of(fact: str) -> int | None:
        if fact in depth:
            return depth[fact]
        if fact in visiting:
            return None
        visiting.add(fact)
        best = 0
        for other in reads.get(fact, ()):
            d = of(other)
            if d is None:
                return None
            best = max(best, d + 1)
        visiting.discard(fact)
        depth[fact] = best
        return best

    deepest = 0
    for fact in reads:
        d = of(fact)
        if d is None:
            return None
        deepest = max(deepest, d)
    return deepest


def _settles(ruleset: Ruleset) -> bool:
    """True when the derivation chain settles for every answer set: derived facts that do
    not depend on each other in a cycle settle one level per round."""
    depth = _chain_depth(ruleset)
    return depth is not None and depth + 2 <= MAX_ROUNDS


class Prefilter:
    """Decides which answer sets the draft (`new`) can change against the active version
    (`old`); see the module docstring. `reason` is empty when it applies."""

    def __init__(self, old: Ruleset, new: Ruleset) -> None:
        self.old, self.new = old, new
        self.reason = self._unbounded()
        self.changed: list[str] = []
        if self.reason:
            return
        old_rules = {r.id: r for r in old.rules}
        new_rules = {r.id: r for r in new.rules}
        changed_sets = {
            name
            for name in set(old.sets) | set(new.sets)
            if old.sets.get(name) != new.sets.get(name)
            or repr(old.sets.get(name)) != repr(new.sets.get(name))
        }
        changed_severity = {
            rid
            for rid in set(old.risks) | set(new.risks)
            if (old.risks[rid].severity if rid in old.risks else None)
            != (new.risks[rid].severity if rid in new.risks else None)
        }
        # Per differing rule: (old rule or None, new rule or None, same effects when both fire).
        self.rules: list[tuple[Rule | None, Rule | None, bool]] = []
        for rid in list(old_rules) + [r for r in new_rules if r not in old_rules]:
            a, b = old_rules.get(rid), new_rules.get(rid)
            reads_changed_set = any(
                referenced_sets(r.condition) & changed_sets for r in (a, b) if r is not None
            )
            same_key = a is not None and b is not None and _rule_key(a) == _rule_key(b)
            if same_key and not reads_changed_set:
                flags = {e.target for e in a.effects_of("flag") if not e.severity}  # type: ignore[union-attr]
                if not flags & changed_severity:
                    continue
            same_effects = (
                a is not None
                and b is not None
                and _effects_key(a) == _effects_key(b)
                and not {e.target for e in a.effects_of("flag") if not e.severity}
                & changed_severity
            )
            self.rules.append((a, b, same_effects))
            self.changed.append(rid)
        derived_names = set(old.derived) | set(new.derived)
        reads: set[str] = set()
        for pair in self.rules:
            for r in pair[:2]:
                if isinstance(r, Rule):
                    reads |= {f.removesuffix("__count") for f in r.fields}
        old_derivers = [r for r in old.rules if _derives(r)]
        new_derivers = [r for r in new.rules if _derives(r)]
        # Derived facts per version when a derivation rule differs (or their order, which
        # breaks ties); once for both when only a differing rule reads them; also when the
        # chain might not settle (the full comparison reports that answer set).
        self.separate = any(
            _derives(r) for a, b, _ in self.rules for r in (a, b) if r is not None
        ) or [r.id for r in old_derivers] != [r.id for r in new_derivers]
        self.derive = (
            self.separate or bool(reads & derived_names) or not (_settles(old) and _settles(new))
        )
        self._derivers = (
            [r.index for r in old_derivers],
            [r.index for r in new_derivers],
        )
        self._dependent = (
            frozenset(r.index for r in old_derivers if r.fields & set(old.derived)),
            frozenset(r.index for r in new_derivers if r.fields & set(new.derived)),
        )
        # The facts computed before any rule fires: per version when their definitions
        # differ; else only when something the filter reads is one of them.
        # A changed set changes them too: the data files' country lists may name sets
        # ("@eu"), the market data reads `sca_area`, and calculations may count in a set.
        self.augment_differs = (
            old.data_files != new.data_files
            or bool(changed_sets)
            or (old.market_data is None) != (new.market_data is None)
            or {n: f.formula for n, f in old.computed.items()}
            != {n: f.formula for n, f in new.computed.items()}
        )
        if self.derive:
            for r in old_derivers + new_derivers:
                reads |= {f.removesuffix("__count") for f in r.fields}
        computed = set(old.computed) | set(new.computed)
        if old.market_data is not None or new.market_data is not None:
            computed |= set(COMPUTED_FACTS)
        self.augment = self.augment_differs or bool(reads & computed)
        self._builders = (ResultBuilder(old), ResultBuilder(new)) if self.augment else None
        # Every answer id `check` may read (the computed facts' inputs when it computes them).
        self.reads = set(reads)
        if self._builders is not None:
            self.reads |= {i for inputs in FACT_INPUTS.values() for i in inputs}
            for builder in self._builders:
                self.reads |= {i for inputs in builder.formulas.inputs.values() for i in inputs}
        # The shortcut (module docstring): the differing atoms, when every differing rule
        # is such a rule; else None.
        self.atoms: list[tuple[Any, Any]] | None = None
        if not (self.augment_differs or changed_sets) and _settles(old) and _settles(new):
            order_same = [r.id for r in old_derivers] == [r.id for r in new_derivers]
            atoms: list[tuple[Any, Any]] | None = [] if order_same else None
            for a, b, same_effects in self.rules:
                pairs = (
                    atom_pairs(a.condition, b.condition)
                    if a is not None and b is not None and same_effects and a.priority == b.priority
                    else None
                )
                if atoms is None or pairs is None or any(n in derived_names for *_, n in pairs):
                    atoms = None
                    break
                atoms += [(x, y) for x, y, _ in pairs]
            self.atoms = atoms
            self._atoms_augment = any(
                n in computed
                for a, b in atoms or ()
                for n in cond.referenced_fields(a) | cond.referenced_fields(b)
            )

    @property
    def applies(self) -> bool:
        return not self.reason

    def _unbounded(self) -> str:
        """What differs that the filter cannot bound ('' when nothing)."""
        old, new = self.old, self.new
        names = [f.name for f in dataclasses.fields(old)]
        if names != [f.name for f in dataclasses.fields(new)]:
            return "the ruleset model"
        for name in names:
            if name in _HANDLED:
                continue
            if getattr(old, name) != getattr(new, name):
                return name
        types = {n: (f.type, f.options) for n, f in old.derived.items()}
        if types != {n: (f.type, f.options) for n, f in new.derived.items()}:
            return "derived-fact types"
        return ""

    def _derived(self, which: int, facts: Mapping[str, Any]) -> dict[str, Any] | None:
        """The settled derived facts of one version (None when the chain does not settle)."""
        ruleset = self.old if which == 0 else self.new
        derivers, sets = self._derivers[which], ruleset.sets
        rules = ruleset.rules
        dependent = self._dependent[which]

        def fire(current: Mapping[str, Any], dependent_only: bool) -> list[int]:
            return [
                i
                for i in derivers
                if (not dependent_only or i in dependent)
                and cond.evaluate(rules[i].condition, current, sets)
            ]

        _fired, _facts, derivations, error = run_chain(ruleset, facts, fire, dependent)
        if error is not None:
            return None
        return {name: d[0] for name, d in derivations.items()}

    def check(self, answers: Mapping[str, Any]) -> tuple[bool, dict[str, Any]]:
        """(whether the two versions may give these answers another outcome, the derived
        facts when they cannot: the same in both versions, empty when not computed)."""
        facts = drop_unanswered(answers)
        try:
            normalise_facts(facts)
        except Exception:  # FactError: the full comparison reports it
            return True, {}
        if self.atoms is not None:
            if self._atoms_augment:
                facts = self._builders[0].augment(facts)  # type: ignore[index]
            old_sets, new_sets = self.old.sets, self.new.sets
            for a, b in self.atoms:
                if cond.evaluate(a, facts, old_sets) != cond.evaluate(b, facts, new_sets):
                    return True, {}
            return False, {}
        old_facts = new_facts = facts
        if self._builders is not None:
            old_facts = self._builders[0].augment(facts)
            if self.augment_differs:
                new_facts = self._builders[1].augment(facts)
                if not _same(old_facts, new_facts):
                    return True, {}
            else:
                new_facts = old_facts
        derived: dict[str, Any] = {}
        if self.derive:
            got = self._derived(0, old_facts)
            if got is None:
                return True, {}
            derived = got
            if self.separate:
                other = self._derived(1, new_facts)
                if other is None or not _same(derived, other):
                    return True, {}
            if derived:
                old_facts = {**old_facts, **derived}
                new_facts = {**new_facts, **derived}
        old_sets, new_sets = self.old.sets, self.new.sets
        for a, b, same_effects in self.rules:
            fires_old = a is not None and cond.evaluate(a.condition, old_facts, old_sets)
            fires_new = b is not None and cond.evaluate(b.condition, new_facts, new_sets)
            if fires_old != fires_new or (fires_old and not same_effects):
                return True, {}
        return False, derived


def _same(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    """Equal mappings, values of the same type too (1 and True differ)."""
    return a == b and all(type(v) is type(b[k]) for k, v in a.items())
