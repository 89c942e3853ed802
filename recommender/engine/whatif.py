"""What one question could change: the three-valued analysis behind "ask next" and "why not".

For one evaluated answer set, a question is made unknown (it may take any value or stay
unanswered) and `conditions.evaluate3` decides which rules could then fire differently.
Followed from there: derived facts those rules set, facts computed from the data tables that
read the question, and answered questions whose `show_if` reads it (answering it could hide
them: their answer is then "as now or gone", `maybe_absent`). Sound, not exact: a rule
marked uncertain may in fact never change, but a rule that can change is always marked.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from recommender.engine import cond
from recommender.engine.cond import (
    And,
    Answered,
    Compare,
    Condition,
    Contains,
    Count,
    Field,
    In,
    ListLiteral,
    Literal,
    Not,
    Or,
    SetRef,
    Truthy,
)
from recommender.engine.data import FACT_INPUTS, INPUTS
from recommender.engine.model import Ruleset

if TYPE_CHECKING:
    from recommender.engine.result import ResultBuilder
    from recommender.questionnaire import Questionnaire

#: Computed facts that exist only once buyer countries are answered.
BUYER_FACTS = frozenset(f for f, inputs in FACT_INPUTS.items() if "customer_countries" in inputs)
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
        #: The question ids ask next considers (set by `asknext.open_questions` on first use:
        #: a Visibility belongs to one compiled ruleset, `ResultBuilder.visibility`).
        self.askable: frozenset[str] | None = None
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
        self._known: dict[int, bool] = {}  # node id -> value, for nodes reading known ids
        # The ids a node or rule reads as a bit mask (`field_masks`): the unknown and
        # maybe-absent ids are masks too, so "reads an unknown id" is one `&`.
        self._bits = builder.field_bits
        self._node_masks = builder.node_masks
        self._rule_masks = builder.rule_masks
        self._rule_fields = builder.rule_fields
        # (rule, its unknown ids, its maybe-absent ids, data bounds variant) -> its status.
        self._status: dict[tuple[int, int, int, int], bool | None] = {}
        self._bounds: Mapping[str, frozenset[str]] = {}
        self._universes: tuple[frozenset[str], frozenset[str], frozenset[str]] | None = None
        self._bounds_of: dict[int, Mapping[str, frozenset[str]]] = {}  # variant -> bounds

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
        changing = {qid, *hidden}
        # Facts computed from the data that read a changing answer are unknown too (within
        # the bounds the buyer countries set, see `_data_bounds`).
        buyers_fixed = "customer_countries" not in changing
        no_buyers = buyers_fixed and not self.answers.get("customer_countries")
        for name in changing:
            for fact in computed_by_input.get(name, ()):
                if not (no_buyers and fact in BUYER_FACTS):  # absent without buyers
                    unknown.add(fact)
        variant, self._bounds = self._data_bounds(changing)
        frozen_hidden = frozenset(hidden)
        frontier = [*unknown, *hidden]
        uncertain: set[int] = set()
        rules = self.ruleset.rules
        bits, rule_masks, status = self._bits, self._rule_masks, self._status
        unknown_mask = hidden_mask = 0
        for name in unknown:
            unknown_mask |= bits.get(name, 0)
        for name in hidden:
            hidden_mask |= bits.get(name, 0)
        while frontier:
            name = frontier.pop()
            for i in rules_by_field.get(name, ()):
                if i in uncertain:
                    continue
                mask = rule_masks[i]
                absent_mask = mask & hidden_mask
                key = (i, mask & unknown_mask, absent_mask, variant)
                value = status.get(key, _MISSING)
                if value is _MISSING:
                    value = status[key] = self._evaluate3(
                        rules[i].condition,
                        unknown,
                        frozen_hidden & self._rule_fields[i] if absent_mask else _NONE,
                        unknown_mask,
                        absent_mask,
                    )
                if value is None:
                    uncertain.add(i)
                    for target in derives[i]:
                        if target not in unknown:
                            unknown.add(target)
                            unknown_mask |= bits.get(target, 0)
                            frontier.append(target)
        return Reach(qid, frozenset(uncertain), frozenset(unknown), frozen_hidden)

    def _data_bounds(self, changing: set[str]) -> tuple[int, Mapping[str, frozenset[str]]]:
        """(variant, fact -> the values its list may hold) for the computed facts while the
        buyer countries stay as answered: a method can be eligible, blocked or missing a
        currency only where it serves one of those countries, and expected only where their
        markets list it. Variant 0 (no bounds) when the buyer countries may change."""
        data = self.builder.market_data
        buyers = self.answers.get("customer_countries")
        if data is None or "customer_countries" in changing or not isinstance(buyers, list):
            return 0, {}
        variant = 2 if "customer_type" in changing else 1
        known = self._bounds_of.get(variant)
        if known is not None:  # the same for every question of this answer set
            return variant, known
        if self._universes is None:
            countries = {b for b in buyers if isinstance(b, str)}
            served = frozenset(m.id for m in data.methods.values() if m.buyer_countries & countries)
            listed: set[str] = set()
            for b in countries:
                market = data.markets.get(b)
                if market is not None:
                    listed.update(market.consumer_methods)
                    listed.update(market.business_methods)
            regimes = {"sca", "jp_3ds"} | ({"in_afa"} if "IN" in countries else set())
            self._universes = (served, frozenset(listed), frozenset(regimes))
        serves, lists, may_apply = self._universes
        expected: frozenset[str]
        if variant == 2:
            expected = lists
        else:
            now = self.answers.get("expected_methods")
            expected = frozenset(now if isinstance(now, list) else ())
        bounds = self._bounds_of[variant] = {
            "eligible_methods": serves,
            "expected_methods": expected,
            "account_blocked_methods": serves & expected,
            "currency_gap_methods": serves & expected,
            "auth_regimes": may_apply,
        }
        return variant, bounds

    def status(self, index: int, reach: Reach) -> bool | None:
        """A rule's outcome under `reach`: None when it could change, else whether it fires."""
        return None if index in reach.rules else index in self.fired

    def _maybe_must(self, reach: Reach) -> tuple[set[int], set[int]]:
        """(rules that could fire, rules that must fire) under `reach`."""
        return self.fired | reach.rules, self.fired - reach.rules

    def could_appear(self, product: str, reach: Reach) -> bool:
        """Whether some answer covered by `reach` could leave `product` recommended (a
        recommending rule could fire and no exclusion would have to)."""
        maybe, must = self._maybe_must(reach)
        builder = self.builder
        return not maybe.isdisjoint(builder.recommending.get(product, ())) and must.isdisjoint(
            builder.excluding.get(product, ())
        )

    def could_vanish(self, product: str, reach: Reach) -> bool:
        """Whether some answer covered by `reach` could drop a recommended `product`."""
        maybe, must = self._maybe_must(reach)
        builder = self.builder
        return must.isdisjoint(builder.recommending.get(product, ())) or not maybe.isdisjoint(
            builder.excluding.get(product, ())
        )

    def changes(
        self, reach: Reach, recommended: set[str], flagged: set[str]
    ) -> dict[str, set[str]]:
        """What could change under `reach`: products and risks added or removed, and the
        design facts (derived facts, `markets` for the per-market plan) that could change.
        A product could appear when a recommending rule could fire and no exclusion must; a
        recommended one could go when no recommending rule must fire or an exclusion could."""
        builder = self.builder
        add_products: set[str] = set()
        remove_products: set[str] = set()
        add_risks: set[str] = set()
        remove_risks: set[str] = set()
        products: set[str] = set()
        risks: set[str] = set()
        targets = builder.targets
        for i in reach.rules:
            rec, exc, flag = targets[i]
            products.update(rec)
            products.update(exc)
            risks.update(flag)
        if products or risks:
            maybe, must = self._maybe_must(reach)
            recommending, excluding = builder.recommending, builder.excluding
            for pid in products:
                rec_rules, exc_rules = recommending.get(pid, ()), excluding.get(pid, ())
                if pid in recommended:
                    if must.isdisjoint(rec_rules) or not maybe.isdisjoint(exc_rules):
                        remove_products.add(pid)
                elif not maybe.isdisjoint(rec_rules) and must.isdisjoint(exc_rules):
                    add_products.add(pid)
            for rid in risks:
                flag_rules = builder.flagging.get(rid, ())
                if rid in flagged:
                    if must.isdisjoint(flag_rules):
                        remove_risks.add(rid)
                elif not maybe.isdisjoint(flag_rules):
                    add_risks.add(rid)
        derived = self.ruleset.derived
        facts = {name for name in reach.unknown if name in derived}
        if self.plan_could_change(reach):
            facts.add(MARKETS)
        return {
            "add_products": add_products,
            "remove_products": remove_products,
            "add_risks": add_risks,
            "remove_risks": remove_risks,
            "change_facts": facts,
        }

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
    def _evaluate3(
        self,
        node: Any,
        unknown: set[str],
        maybe_absent: frozenset[str],
        unknown_mask: int,
        absent_mask: int,
    ) -> bool | None:
        """`conditions.evaluate3` with the value of every subtree that reads no unknown or
        maybe-absent id remembered (by node id; valid for this answer set only, so decided
        once for all the questions). Same Kleene logic; string atoms are decided by set
        lookups (`string_atom`). `unknown_mask` and `absent_mask` are `unknown` and
        `maybe_absent` as bit masks (`field_masks`)."""
        key = id(node)
        mask = self._node_masks[key]
        known = not (mask & unknown_mask or mask & absent_mask)
        if known:
            value = self._known.get(key)
            if value is not None:
                return value
        kind = type(node)
        result: bool | None
        if kind is And:
            result = True
            for operand in node.operands:
                r = self._evaluate3(operand, unknown, maybe_absent, unknown_mask, absent_mask)
                if r is False:
                    result = False
                    break
                if r is None:
                    result = None
        elif kind is Or:
            result = False
            for operand in node.operands:
                r = self._evaluate3(operand, unknown, maybe_absent, unknown_mask, absent_mask)
                if r is True:
                    result = True
                    break
                if r is None:
                    result = None
        elif kind is Not:
            r = self._evaluate3(node.operand, unknown, maybe_absent, unknown_mask, absent_mask)
            result = None if r is None else not r
        elif known:
            spec = self.builder.string_atoms.get(key)
            if spec is not None:
                result = string_atom(spec, self.facts)
            else:
                quick = self.builder.quick_atoms.get(key)
                value = self.facts.get(quick[0]) if quick is not None else None
                if quick is None or (quick[1] is _GUARD and value is not None):
                    result = cond.evaluate(node, self.facts, self.ruleset.sets)
                elif quick[1] is _GUARD:  # a comparison with an unanswered id is false
                    result = False
                elif quick[1] is _TRUE:
                    result = value is True
                else:
                    result = (value is None) is (quick[1] is _UNANSWERED)
        elif mask & unknown_mask:
            # An atom about an unknown id (its sets were checked when the ruleset loaded).
            if self._bounds and kind is Contains:
                return cond.evaluate3(
                    node, self.facts, unknown, self.ruleset.sets, (), self._bounds
                )
            return None
        else:  # about an answer that may be gone
            return cond.evaluate3(node, self.facts, (), self.ruleset.sets, maybe_absent)
        if known:
            self._known[key] = bool(result)
        return result


_MISSING: Any = object()
_NONE: frozenset[str] = frozenset()

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
            elif (
                isinstance(node, In | Contains)
                and type(node.subject) is Field
                and not (isinstance(node, Contains) and node.mode == "none")  # evaluate() decides
            ):
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


def field_masks(
    ruleset: Ruleset, fields_of: Mapping[int, frozenset[str]]
) -> tuple[dict[str, int], dict[int, int], list[int]]:
    """(id -> its bit, node id -> the bits of the ids it reads, rule -> the bits of its
    fields) for every id a condition of the ruleset reads (`fields_of`: `node_fields`). An
    id no condition reads has no bit: no node reads it, so it can change no outcome here."""
    bits: dict[str, int] = {}
    for name in sorted(set().union(*fields_of.values(), *(r.fields for r in ruleset.rules))):
        bits[name] = 1 << len(bits)

    def mask(names: Iterable[str]) -> int:
        out = 0
        for name in names:
            out |= bits[name]
        return out

    return (
        bits,
        {node: mask(names) for node, names in fields_of.items()},
        [mask(r.fields) for r in ruleset.rules],
    )


# How `quick_atoms` decides an atom: `_TRUE` a bare id (`id == true`), `_ANSWERED` /
# `_UNANSWERED` `answered(id)` / `unanswered(id)`, `_GUARD` a comparison (false when the id
# is unanswered, else `conditions.evaluate` decides).
_TRUE, _ANSWERED, _UNANSWERED, _GUARD = "true", "answered", "unanswered", "guard"


def quick_atoms(ruleset: Ruleset) -> dict[int, tuple[str, str]]:
    """The atoms of the ruleset's conditions `WhatIf` decides without `conditions.evaluate`
    (or only once their id is answered), by node id: (the id, how). The same values as
    `conditions.evaluate`: a bare id holds only for the boolean true, `answered(x)` when x
    has a value, and a comparison, `in` or `contains` of an unanswered id (or of count()
    of one) is false."""
    out: dict[int, tuple[str, str]] = {}
    for rule in ruleset.rules:
        stack: list[Any] = [rule.condition]
        while stack:
            node = stack.pop()
            kind = type(node)
            if kind is And or kind is Or:
                stack.extend(node.operands)
            elif kind is Not:
                stack.append(node.operand)
            elif kind is Truthy:
                out[id(node)] = (node.name, _TRUE)
            elif kind is Answered:
                out[id(node)] = (node.name, _UNANSWERED if node.negated else _ANSWERED)
            elif kind in (Compare, In, Contains) and type(node.subject) in (Field, Count):
                out[id(node)] = (node.subject.name, _GUARD)
    return out


def node_fields(ruleset: Ruleset) -> dict[int, frozenset[str]]:
    """Every condition node of the ruleset (by id) -> the ids it reads, for `WhatIf`."""
    out: dict[int, frozenset[str]] = {}

    def visit(node: Any) -> frozenset[str]:
        if isinstance(node, And | Or):
            fields = frozenset().union(*(visit(o) for o in node.operands))
        elif isinstance(node, Not):
            fields = visit(node.operand)
        else:
            fields = frozenset(cond.referenced_fields(node))
        out[id(node)] = fields
        return fields

    for rule in ruleset.rules:
        visit(rule.condition)
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
