"""What the impact preview compares besides products and risks: derived facts (such as the
segment), risk severities and the ask-next list.

Derived facts and severities follow from the rules that fired, which the bulk summaries
already give, so they cost no evaluation. The ask-next list needs a full evaluation with the
questionnaire; it is computed only for the answer sets where it can differ between the two
versions (`Touched`): those whose outcome differs, and those with an unanswered question
from which a rule that differs between the versions can be reached (through the rules that
read it, the facts they derive, the facts computed from it and the questions its answer
shows or hides). When anything else the evaluation reads differs (sets, derived-fact
types, data files, parameters ...), any answer set could be touched: evaluating them all
would cost two full evaluations per saved discovery (much slower), so the ask-next list is then compared
only where the outcome differs, and the report says so (`Touched.partial`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from recommender.engine import cond
from recommender.engine.data import FACT_INPUTS
from recommender.engine.model import SEVERITIES, DerivedFact, Rule, Ruleset
from recommender.engine.result import derive_facts

# Parts of a loaded ruleset that do not change what an evaluation finds (names and wording),
# that are compared on their own (rules), or that reach the evaluation only through the rules
# (decision-table rows are rules; parameters and named conditions are bound into the rules'
# conditions and the computed facts' formulas when the ruleset loads). Everything else must
# be equal for the ask-next shortcut to apply.
_NOT_EVALUATED = frozenset(
    {"name", "version", "title", "description", "rules", "products", "bundles", "risks",
     "source", "path", "data", "market_data", "tables", "params", "conditions",
     "named_conditions"}
)
_RANK = {s: i for i, s in enumerate(SEVERITIES)}


@dataclass(frozen=True)
class ValueChange:
    """One value that differs between the two versions, with its label and both values as
    an author reads them ("Customer segment: Mid market → Enterprise")."""

    id: str
    label: str
    before: str
    after: str


class Facts:
    """Derived facts and risk severities of one loaded ruleset, from the rules that fired."""

    def __init__(self, ruleset: Ruleset) -> None:
        self.ruleset = ruleset
        self.index = {rule.id: rule.index for rule in ruleset.rules}
        self.flags = {
            rule.id: [(e.target, e.severity) for e in rule.effects_of("flag")]
            for rule in ruleset.rules
            if rule.effects_of("flag")
        }
        self._memo: dict[frozenset[str], tuple[dict[str, Any], dict[str, str]]] = {}

    def of(self, fired: frozenset[str]) -> tuple[dict[str, Any], dict[str, str]]:
        """(derived fact -> value, flagged risk -> severity) as the full evaluation gives
        them: the winning derivation by priority then rule order; the highest severity of
        the flags that fired (a flag's own severity, else the register's)."""
        cached = self._memo.get(fired)
        if cached is not None:
            return cached
        indexes = sorted(self.index[rid] for rid in fired if rid in self.index)
        derived = {name: d[0] for name, d in derive_facts(self.ruleset, indexes).items()}
        severities: dict[str, str] = {}
        risks = self.ruleset.risks
        for rid in fired:
            for target, own in self.flags.get(rid, ()):
                register = risks.get(target)
                severity = own or (register.severity if register is not None else "low")
                current = severities.get(target)
                if current is None or _RANK.get(severity, 99) < _RANK.get(current, 99):
                    severities[target] = severity
        if len(self._memo) < 50_000:
            self._memo[fired] = (derived, severities)
        return derived, severities


def value_text(value: Any, fact: DerivedFact | None = None) -> str:
    """A derived fact's value in words: yes/no, an option id as a label, numbers grouped."""
    if value is None:
        return "not set"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return f"{value:,}"
    text = str(value)
    if fact is not None and fact.options and text in fact.options:
        text = text.replace("_", " ")
        return text[:1].upper() + text[1:]
    return text


def fact_changes(
    before: Mapping[str, Any], after: Mapping[str, Any], old: Ruleset, new: Ruleset
) -> list[ValueChange]:
    """The derived facts whose value differs, in the draft's declaration order."""
    order = list(new.derived) + [name for name in old.derived if name not in new.derived]
    out = []
    for name in order + sorted((set(before) | set(after)) - set(order)):
        a, b = before.get(name), after.get(name)
        if a == b and type(a) is type(b):
            continue
        fact = new.derived.get(name) or old.derived.get(name)
        label = (fact.label if fact is not None else "") or name
        out.append(ValueChange(name, label, value_text(a, fact), value_text(b, fact)))
    return out


def severity_changes(
    before: Mapping[str, str], after: Mapping[str, str], names: Mapping[str, str]
) -> list[ValueChange]:
    """Risks flagged by both versions with another severity."""
    return [
        ValueChange(rid, names.get(rid, rid), before[rid], after[rid])
        for rid in sorted(set(before) & set(after))
        if before[rid] != after[rid]
    ]


def _derived_types(derived: Mapping[str, DerivedFact]) -> dict[str, tuple[Any, ...]]:
    """What an evaluation reads of the derived facts: type, options and (computed facts)
    the formula, parameters bound."""
    return {
        name: (fact.type, fact.options, getattr(fact, "formula", None))
        for name, fact in derived.items()
    }


def _rule_key(rule: Rule) -> tuple[Any, ...]:
    return (rule.condition, rule.effects, rule.priority)


def changed_rules(old: Ruleset, new: Ruleset) -> set[str] | None:
    """Ids of the rules whose condition, effects or priority differ, or that only one
    version has; None when anything else an evaluation reads differs (a derived fact's
    label or description does not count)."""
    for f in dataclasses.fields(old):
        if f.name in _NOT_EVALUATED:
            continue
        before, after = getattr(old, f.name), getattr(new, f.name, None)
        if f.name == "derived":
            before, after = _derived_types(before), _derived_types(after or {})
        if before != after:
            return None
    if [f.name for f in dataclasses.fields(old)] != [f.name for f in dataclasses.fields(new)]:
        return None
    before = {rule.id: _rule_key(rule) for rule in old.rules}
    after = {rule.id: _rule_key(rule) for rule in new.rules}
    return {rid for rid in before.keys() | after.keys() if before.get(rid) != after.get(rid)}


class Touched:
    """Which answer sets may get another ask-next list from the draft than from the active
    version, without evaluating them (see the module docstring).

    A changed rule whose condition differs only in atoms about one answer or derived fact
    each (a threshold, an option list: `x >= 50_000_000` -> `x >= 25_000_000`) and whose
    effects and priority are the same counts as unchanged for an answer set where each such
    atom gives the same value in both versions, with the value as answered and with it
    unanswered: three-valued analysis treats atoms one at a time, so the rule then gets
    the same status in every case the ask-next analysis tries.
    """

    def __init__(self, old: Ruleset, new: Ruleset) -> None:
        self.changed = changed_rules(old, new)
        # Not every answer set could be checked: the ask-next list is compared only where
        # the outcome differs.
        self.partial = self.changed is None
        self.rules = [*old.rules, *new.rules]
        self.sets = new.sets
        self.derived = set(old.derived) | set(new.derived)
        before = {rule.id: rule for rule in old.rules}
        after = {rule.id: rule for rule in new.rules}
        # Per changed rule: its differing atom pairs (old, new, the id they read), or None
        # when it differs otherwise (added, removed, effects, structure).
        self.pairs: dict[str, list[tuple[Any, Any, str]] | None] = {}
        for rid in self.changed or ():
            a, b = before.get(rid), after.get(rid)
            same_effects = a is not None and b is not None and (a.effects, a.priority) == (b.effects, b.priority)
            self.pairs[rid] = atom_pairs(a.condition, b.condition) if same_effects else None  # type: ignore[union-attr]
        self._reach: dict[tuple[int, frozenset[str]], tuple[Any, frozenset[str]]] = {}

    def questions(self, questionnaire: Any, rules: frozenset[str]) -> frozenset[str]:
        """The questions of `questionnaire` from which one of `rules` can be reached."""
        key = (id(questionnaire), rules)
        entry = self._reach.get(key)
        if entry is not None and entry[0] is questionnaire:
            return entry[1]
        tainted: set[str] = set()
        for rule in self.rules:
            if rule.id in rules:
                tainted |= _fields(rule.fields)
        derives = [(set(_targets(rule)), _fields(rule.fields)) for rule in self.rules]
        shown_by = (
            {qid: set(questionnaire.dependencies(qid)) for qid in questionnaire.questions}
            if questionnaire is not None
            else {}
        )
        grew = bool(tainted)
        while grew:
            size = len(tainted)
            for targets, fields in derives:
                if targets & tainted:
                    tainted |= fields
            for fact, inputs in FACT_INPUTS.items():
                if fact in tainted:
                    tainted.update(inputs)
            for qid, readers in shown_by.items():
                if qid in tainted:
                    tainted |= readers
            grew = len(tainted) > size
        questions = frozenset(
            tainted & set(questionnaire.questions) if questionnaire is not None else tainted
        )
        if len(self._reach) < 256:
            self._reach[key] = (questionnaire, questions)
        return questions

    def may_change(
        self, questionnaire: Any, answers: Mapping[str, Any], derived: Mapping[str, Any]
    ) -> bool:
        """True when the ask-next list of these answers (with these derived facts, the same
        in both versions) can differ between the versions."""
        live = self.live(questionnaire, answers, derived)
        if not live:
            return False
        return any(qid not in answers for qid in self.questions(questionnaire, live))

    def live(
        self, questionnaire: Any, answers: Mapping[str, Any], derived: Mapping[str, Any]
    ) -> frozenset[str]:
        """The changed rules that do not count as unchanged for these answers (empty: the
        ask-next list cannot differ). Reads only the answers the changed rules' differing
        atoms are about."""
        if self.changed is None:
            return frozenset()  # see `partial`
        return frozenset(
            rid for rid in self.changed if not self._same_for(rid, questionnaire, answers, derived)
        )

    def _same_for(
        self, rid: str, questionnaire: Any, answers: Mapping[str, Any], derived: Mapping[str, Any]
    ) -> bool:
        pairs = self.pairs.get(rid)
        if pairs is None:
            return False
        facts = {**answers, **derived}
        for a, b, name in pairs:
            if name not in self.derived and (questionnaire is None or name not in questionnaire.questions):
                return False  # a fact computed from the data tables: not at hand here
            without = {k: v for k, v in facts.items() if k != name}
            for case in (facts, without):
                if cond.evaluate(a, case, self.sets) != cond.evaluate(b, case, self.sets):
                    return False
        return True


def atom_pairs(a: Any, b: Any) -> list[tuple[Any, Any, str]] | None:
    """The atoms in which two conditions of the same shape differ, with the one id each
    reads; None when they differ in shape or a differing part is not such an atom."""
    if a == b:
        return []
    if type(a) is type(b) and isinstance(a, cond.And | cond.Or) and len(a.operands) == len(b.operands):
        out: list[tuple[Any, Any, str]] = []
        for x, y in zip(a.operands, b.operands, strict=True):
            inner = atom_pairs(x, y)
            if inner is None:
                return None
            out += inner
        return out
    if type(a) is type(b) and isinstance(a, cond.Not):
        return atom_pairs(a.operand, b.operand)
    if isinstance(a, cond.And | cond.Or | cond.Not) or isinstance(b, cond.And | cond.Or | cond.Not):
        return None
    names = cond.referenced_fields(a) | cond.referenced_fields(b)
    if len(names) != 1:
        return None
    return [(a, b, next(iter(names)))]


def _fields(fields: Iterable[str]) -> set[str]:
    return {f.removesuffix("__count") for f in fields}


def _targets(rule: Rule) -> list[str]:
    return [e.target for e in rule.effects_of("derive")]
