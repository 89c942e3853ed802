"""What one question could change: the three-valued analysis behind "ask next" and "why not".

For one evaluated answer set, a question is made unknown (it may take any value or stay
unanswered) and `conditions.evaluate3` decides which rules could then fire differently.
Followed from there: derived facts those rules set, facts computed from the data tables that
read the question, and answered questions whose `show_if` reads it (answering it could hide
them: their answer is then "as now or gone", `maybe_absent`). Sound, not exact: a rule
marked uncertain may in fact never change, but a rule that can change is always marked.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from recommender.engine import cond
from recommender.engine.cond import (
    And,
    Answered,
    Compare,
    Condition,
    Contains,
    Field,
    In,
    ListLiteral,
    Literal,
    Not,
    Or,
    SetRef,
    Truthy,
)
from recommender.engine.data import INPUTS
from recommender.engine.model import Ruleset

if TYPE_CHECKING:
    from recommender.engine.result import ResultBuilder
    from recommender.questionnaire import Questionnaire

#: The pseudo fact `could_change.change_facts` names for the per-market plan.
MARKETS = "markets"
MARKETS_LABEL = "per-market plan"


class Visibility:
    """A questionnaire's `show_if` conditions indexed for the analysis: per question the
    conditions that decide whether it is shown (its section's and its own), and per answer
    id the questions whose visibility reads it."""

    def __init__(self, questionnaire: Questionnaire) -> None:
        from recommender.questionnaire.model import CONDITION_SETS

        self.sets: Mapping[str, Any] = CONDITION_SETS
        self.conditions: dict[str, tuple[Condition, ...]] = {}
        self.readers: dict[str, list[str]] = {}
        for qid, question in questionnaire.questions.items():
            section = questionnaire.section(question.section)
            conditions = tuple(c for c in (section.condition, question.condition) if c is not None)
            if not conditions:
                continue
            self.conditions[qid] = conditions
            for name in sorted(questionnaire.dependencies(qid)):
                self.readers.setdefault(name, []).append(qid)


@dataclass(frozen=True)
class Reach:
    """What could change when `question` takes any value: `rules` whose outcome becomes
    unknown, `unknown` ids (the question, derived and computed facts), `hidden` answered
    questions its answer could hide."""

    question: str
    rules: frozenset[int]
    unknown: frozenset[str]
    hidden: frozenset[str]


class WhatIf:
    """The analysis for one answer set: `answers` as evaluated (computed facts included),
    `facts` the final facts of the chain (answers + derived), `fired` the rules that held.
    Atom values and rule statuses are remembered across the questions asked about."""

    def __init__(
        self,
        builder: ResultBuilder,
        answers: Mapping[str, Any],
        facts: Mapping[str, Any],
        fired: set[int],
        questionnaire: Questionnaire | None = None,
    ) -> None:
        self.builder = builder
        self.ruleset: Ruleset = builder.ruleset
        self.answers = answers
        self.facts = facts
        self.fired = fired
        self.visibility = builder.visibility(questionnaire) if questionnaire is not None else None
        self._atoms: dict[int, bool] = {}
        self._status: dict[tuple[int, frozenset[str], frozenset[str]], bool | None] = {}
        self._rule_fields = [r.fields for r in self.ruleset.rules]

    # -- visibility -------------------------------------------------------------------------
    def hidden_by(self, qid: str) -> set[str]:
        """Answered questions that some answer to `qid` would hide (transitively: hiding one
        hides those shown only because of it). Empty without a questionnaire."""
        vis = self.visibility
        if vis is None or qid not in vis.readers:
            return set()
        hidden: set[str] = set()
        unknown = {qid}
        frontier = [qid]
        while frontier:
            name = frontier.pop()
            for other in vis.readers.get(name, ()):
                if other == qid or other in hidden or other not in self.answers:
                    continue
                shown = True
                for condition in vis.conditions[other]:
                    value = cond.evaluate3(condition, self.answers, unknown, vis.sets, hidden)
                    if value is None:
                        shown = False
                if not shown:
                    hidden.add(other)
                    frontier.append(other)
        return hidden

    # -- rules ------------------------------------------------------------------------------
    def reach(self, qid: str) -> Reach:
        """The rules whose outcome becomes unknown when `qid` may take any value."""
        builder = self.builder
        rules_by_field, derives = builder.rules_by_field, builder.derives
        computed_by_input = builder.computed_by_input
        hidden = self.hidden_by(qid)
        unknown = {qid}
        for name in (qid, *sorted(hidden)):
            # Facts computed from the data that read a changing answer are unknown too.
            unknown.update(computed_by_input.get(name, ()))
        frozen_hidden = frozenset(hidden)
        frontier = sorted(unknown | hidden)
        uncertain: set[int] = set()
        rules = self.ruleset.rules
        while frontier:
            name = frontier.pop()
            for i in rules_by_field.get(name, ()):
                if i in uncertain:
                    continue
                fields = self._rule_fields[i]
                key = (i, frozenset(fields & unknown), frozen_hidden & fields)
                value = self._status.get(key, _MISSING)
                if value is _MISSING:
                    value = self._status[key] = self._evaluate3(rules[i].condition, unknown, key[2])
                if value is None:
                    uncertain.add(i)
                    for target in derives[i]:
                        if target not in unknown:
                            unknown.add(target)
                            frontier.append(target)
        return Reach(qid, frozenset(uncertain), frozenset(unknown), frozen_hidden)

    def status(self, index: int, reach: Reach) -> bool | None:
        """A rule's outcome under `reach`: None when it could change, else whether it fires."""
        return None if index in reach.rules else index in self.fired

    def could_appear(self, product: str, reach: Reach) -> bool:
        """Whether some answer covered by `reach` could leave `product` recommended (a
        recommending rule could fire and no exclusion would have to)."""
        builder = self.builder
        return any(
            self.status(i, reach) is not False for i in builder.recommending.get(product, ())
        ) and all(self.status(i, reach) is not True for i in builder.excluding.get(product, ()))

    def could_vanish(self, product: str, reach: Reach) -> bool:
        """Whether some answer covered by `reach` could drop a recommended `product`."""
        builder = self.builder
        return all(
            self.status(i, reach) is not True for i in builder.recommending.get(product, ())
        ) or any(self.status(i, reach) is not False for i in builder.excluding.get(product, ()))

    def changes(
        self, reach: Reach, recommended: set[str], flagged: set[str]
    ) -> dict[str, set[str]]:
        """What could change under `reach`: products and risks added or removed, and the
        design facts (derived facts, `markets` for the per-market plan) that could change."""
        builder = self.builder
        change: dict[str, set[str]] = {
            "add_products": set(),
            "remove_products": set(),
            "add_risks": set(),
            "remove_risks": set(),
            "change_facts": set(),
        }
        products: set[str] = set()
        risks: set[str] = set()
        for i in reach.rules:
            rec, exc, flag = builder.targets[i]
            products.update(rec)
            products.update(exc)
            risks.update(flag)
        for pid in products:
            if pid in recommended:
                if self.could_vanish(pid, reach):
                    change["remove_products"].add(pid)
            elif self.could_appear(pid, reach):
                change["add_products"].add(pid)
        for rid in risks:
            statuses = [self.status(i, reach) for i in builder.flagging.get(rid, ())]
            if rid in flagged:
                if all(s is not True for s in statuses):
                    change["remove_risks"].add(rid)
            elif any(s is not False for s in statuses):
                change["add_risks"].add(rid)
        derived = self.ruleset.derived
        change["change_facts"].update(name for name in reach.unknown if name in derived)
        if self.plan_could_change(reach):
            change["change_facts"].add(MARKETS)
        return change

    def plan_could_change(self, reach: Reach) -> bool:
        """Whether the per-market plan reads an answer that could change (it exists only
        once buyer countries are answered)."""
        if self.builder.market_data is None:
            return False
        changing = {reach.question, *reach.hidden}
        if not changing.intersection(INPUTS):
            return False
        return "customer_countries" in self.answers or reach.question == "customer_countries"

    # -- three-valued evaluation with remembered atoms ----------------------------------------
    def _evaluate3(self, node: Any, unknown: set[str], maybe_absent: frozenset[str]) -> bool | None:
        """`conditions.evaluate3` with the value of each atom about a known answer remembered
        (by node id; valid for this answer set only). Same Kleene logic; string atoms are
        decided by set lookups (`string_atom`)."""
        if isinstance(node, And):
            result: bool | None = True
            for operand in node.operands:
                r = self._evaluate3(operand, unknown, maybe_absent)
                if r is False:
                    return False
                if r is None:
                    result = None
            return result
        if isinstance(node, Or):
            result = False
            for operand in node.operands:
                r = self._evaluate3(operand, unknown, maybe_absent)
                if r is True:
                    return True
                if r is None:
                    result = None
            return result
        if isinstance(node, Not):
            r = self._evaluate3(node.operand, unknown, maybe_absent)
            return None if r is None else not r
        name = node.subject.name if isinstance(node, Compare | In | Contains) else node.name
        sets = self.ruleset.sets
        if name in unknown:
            return cond.evaluate3(node, self.facts, unknown, sets)
        if name in maybe_absent:
            return cond.evaluate3(node, self.facts, (), sets, maybe_absent)
        key = id(node)
        value = self._atoms.get(key)
        if value is None:
            spec = self.builder.string_atoms.get(key)
            value = string_atom(spec, self.facts) if spec else cond.evaluate(node, self.facts, sets)
            self._atoms[key] = value
        return value


_MISSING: Any = object()

# An `in` / `contains...` atom over a plain answer and string constants only:
# (answer id, "in" | "one" | "any" | "all", the constants, negated).
StringAtom = tuple[str, str, frozenset[str], bool]


def string_atoms(ruleset: Ruleset) -> dict[int, StringAtom]:
    """The ruleset's `in` / `contains...` atoms whose constants are all strings (option
    values, countries, `@sets` of them), by node id, for `string_atom`."""
    out: dict[int, StringAtom] = {}
    for rule in ruleset.rules:
        stack: list[Any] = [rule.condition]
        while stack:
            node = stack.pop()
            if isinstance(node, And | Or):
                stack.extend(node.operands)
            elif isinstance(node, Not):
                stack.append(node.operand)
            elif isinstance(node, In | Contains) and type(node.subject) is Field:
                values = node.values
                if isinstance(values, Literal):
                    items = [values.value]
                elif isinstance(values, ListLiteral):
                    items = [item.value for item in values.items]
                elif isinstance(values, SetRef) and values.name in ruleset.sets:
                    items = list(ruleset.sets[values.name])
                else:
                    continue
                strings = [v for v in items if type(v) is str]
                if items and len(strings) == len(items):
                    if isinstance(node, In):
                        out[id(node)] = (node.subject.name, "in", frozenset(strings), node.negated)
                    else:
                        out[id(node)] = (node.subject.name, node.mode, frozenset(strings), False)
    return out


def atoms_by_field(ruleset: Ruleset) -> dict[str, list[Any]]:
    """The atoms of the ruleset's conditions by the answer id (or fact) they test, in rule
    order (the numbers and values "why not" tries)."""
    out: dict[str, list[Any]] = {}
    for rule in ruleset.rules:
        stack: list[Any] = [rule.condition]
        found: list[Any] = []
        while stack:
            node = stack.pop()
            if isinstance(node, And | Or):
                stack.extend(reversed(node.operands))
            elif isinstance(node, Not):
                stack.append(node.operand)
            elif isinstance(node, Compare | In | Contains):
                found.append((node.subject.name, node))
            elif isinstance(node, Answered | Truthy):
                found.append((node.name, node))
        for name, node in found:
            out.setdefault(name, []).append(node)
    return out


def string_atom(atom: StringAtom, facts: Mapping[str, Any]) -> bool:
    """`conditions.evaluate` of such an atom with set lookups instead of pairwise typed
    comparisons (`same_value` equates a string only with an equal string).
    tests/engine/test_rulesets.py compares the two."""
    name, kind, values, negated = atom
    value = facts.get(name)
    if value is None:  # unanswered: every comparison is false
        return False
    if kind == "in":
        return (isinstance(value, str) and value in values) != negated
    if not isinstance(value, list):
        return False
    if kind == "all":
        return values <= {item for item in value if isinstance(item, str)}
    return any(isinstance(item, str) and item in values for item in value)
