"""Compile a checked Ruleset to durable_rules and evaluate answer sets with it."""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from recommender.engine import cond, whynot
from recommender.engine.anchors import AnchorIndex, anchors_of, holds, key, narrowest
from recommender.engine.anchors import keys_of as _keys
from recommender.engine.durable import RuleShards, fact_body, normalise_facts
from recommender.engine.model import Ruleset
from recommender.engine.result import Fire, Result, ResultBuilder, Summary, drop_unanswered

if TYPE_CHECKING:
    from recommender.questionnaire import Questionnaire


def optimise(expr: Any) -> Any:
    """Fold `$or` branches that are `$iany` over the same list with one `$i` each into one
    `$iany` with an inner `$or` (`x contains_any @big_set`): same meaning, but one branch
    instead of one per value, so durable's DNF expansion stays small."""
    if isinstance(expr, list):
        return [optimise(e) for e in expr]
    if not isinstance(expr, dict):
        return expr
    out = {k: optimise(v) for k, v in expr.items()}
    branches = out.get("$or")
    if len(out) == 1 and isinstance(branches, list):
        folded: dict[str, list[Any]] = {}
        rest = []
        for b in branches:
            inner = b.get("$iany") if isinstance(b, dict) and len(b) == 1 else None
            if isinstance(inner, dict) and len(inner) == 1:
                ((field, test),) = inner.items()
                if isinstance(test, dict) and list(test) == ["$i"]:
                    folded.setdefault(field, []).append(test)
                    continue
            rest.append(b)
        if any(len(v) > 1 for v in folded.values()):
            merged = [
                {"$iany": {f: tests[0] if len(tests) == 1 else {"$or": tests}}}
                for f, tests in folded.items()
            ]
            new = merged + rest
            return new[0] if len(new) == 1 else {"$or": new}
    return out


class _Group:
    """Some of a ruleset's rules compiled into durable shards (plus any it could not take)."""

    def __init__(self, ruleset: Ruleset, indexes: list[int], label: str, index: bool) -> None:
        rules = ruleset.rules
        compiled: list[tuple[str, Any]] = []
        self.indexes: list[int] = []  # the compiled rules' indexes, by position in the shards
        not_compiled: list[int] = []
        for i in indexes:
            try:
                expr = optimise(cond.to_durable(rules[i].condition, ruleset.sets))
            except cond.NotCompilable:  # a calculation durable cannot do exactly
                not_compiled.append(i)
                continue
            self.indexes.append(i)
            compiled.append((rules[i].id, expr))
        # The anchor index (anchors.py): each fact goes only to the shards whose rules'
        # anchors hold for it.
        self.index = None
        if index and compiled:
            anchored = AnchorIndex([rules[i].condition for i in self.indexes], ruleset.sets)
            self.index = anchored if anchored.useful else None
        groups = self.index.groups if self.index is not None else None
        self.shards = RuleShards(compiled, label=label, groups=groups) if compiled else None
        # Rules durable cannot take (DNF explosion, calculations it cannot do exactly) are
        # decided by conditions.evaluate.
        unsupported = [self.indexes[k] for k in self.shards.unsupported] if self.shards else []
        self.python = sorted(not_compiled + unsupported)
        # Their narrowest anchor, checked before conditions.evaluate (None: no anchor).
        self.python_anchors = [
            (i, narrowest(anchors_of(rules[i].condition, ruleset.sets)) if index else None)
            for i in self.python
        ]

    def fire(
        self, ruleset: Ruleset, facts: Mapping[str, Any], clean: Mapping[str, Any], body: str
    ) -> list[int]:
        """Rules of this group that hold; `clean` is `normalise_facts(facts)` and `body` its
        `fact_body` (with the calculations' extra fields, `CompiledRuleset.body`)."""
        fired = []
        if self.shards is not None:
            active = self.index.active(clean) if self.index is not None else None
            fired = [self.indexes[k] for k in self.shards.fired_body(body, active)]
        rules, sets = ruleset.rules, ruleset.sets
        fired += [
            i
            for i, anchor in self.python_anchors
            if (anchor is None or holds(anchor, facts))
            and cond.evaluate(rules[i].condition, facts, sets)
        ]
        return fired

    def close(self) -> None:
        if self.shards is not None:
            self.shards.close()


class CompiledRuleset:
    """A ruleset compiled into durable shards. Thread safe; frees its shards when collected.

    Rules that read derived facts are compiled apart from the others, so chaining rounds
    after the first re-fire only them.
    """

    def __init__(self, ruleset: Ruleset, *, index: bool = True) -> None:
        self.ruleset = ruleset
        self.builder = ResultBuilder(ruleset)
        dependent = self.builder.dependent
        self.base = _Group(
            ruleset,
            [r.index for r in ruleset.rules if r.index not in dependent],
            ruleset.name,
            index,
        )
        self.dependent = _Group(ruleset, sorted(dependent), ruleset.name + "_d", index)
        # count(x in @set) operands: fields computed next to each fact (conditions.aux_facts,
        # here with each set's values as lookup keys); `Zero` is always there (calculations
        # compare against it).
        self._count_ins = [
            (cond.count_in_field(n, ruleset.sets), n.name, _keys(n.values, ruleset.sets))
            for n in cond.count_ins(r.condition for r in ruleset.rules)
        ]
        self._aux = json.dumps(cond.aux_facts([], {}, ruleset.sets))[1:-1]

    @property
    def python_rules(self) -> list[int]:
        return sorted(self.base.python + self.dependent.python)

    @property
    def name(self) -> str:
        return self.ruleset.name

    @property
    def version(self) -> int:
        return self.ruleset.version

    def fire(self, facts: Mapping[str, Any], dependent_only: bool = False) -> list[int]:
        """Indexes of the rules whose condition holds for `facts` (typed answers + derived;
        a `None` value is unanswered); only among the rules that read derived facts when
        `dependent_only`."""
        facts = drop_unanswered(facts)
        return self._fire_clean(facts, normalise_facts(facts), dependent_only)

    def _fire_clean(
        self,
        facts: Mapping[str, Any],
        clean: Mapping[str, Any],
        dependent_only: bool,
        aux: str | None = None,
        text: str | None = None,
    ) -> list[int]:
        # encoded once for both groups; `aux` when the caller has `self.aux(facts)` already,
        # `text` when it has `fact_body(clean)`
        if text is None:
            text = fact_body(clean)
        if aux is None:
            aux = self.aux(facts)
        body = f"{text},{aux}" if text else aux
        fired = self.dependent.fire(self.ruleset, facts, clean, body)
        if not dependent_only:
            fired += self.base.fire(self.ruleset, facts, clean, body)
        return sorted(fired)

    def aux(self, facts: Mapping[str, Any]) -> str:
        """`conditions.aux_facts` as JSON members: `Zero` and each `count(x in ...)` whose x
        is a list (items are validated scalars: counted by key lookups)."""
        if not self._count_ins:
            return self._aux
        parts = [self._aux]
        for name, answer, keys in self._count_ins:
            value = facts.get(answer)
            if isinstance(value, list):
                count = sum(1 for item in value if key(item) in keys)
                parts.append(f'"{name}":{count}')
        return ",".join(parts)

    def _fire_for(
        self, answers: Mapping[str, Any], clean_answers: Mapping[str, Any] | None = None
    ) -> Fire:
        """A `fire` for one evaluation of `answers`: the answers are validated and
        normalised once (FactError here, before any rule fires; `clean_answers` when the
        caller did it already); chaining rounds then only normalise the derived facts they
        add."""
        if clean_answers is None:
            clean_answers = normalise_facts(answers)
        # The count(x in ...) fields read list answers only, and derived facts are single
        # values: computed once for every round that adds no list.
        aux = self.aux(answers)
        answers_text = fact_body(clean_answers)  # each round adds only its derived facts

        def fire(facts: Mapping[str, Any], dependent_only: bool = False) -> list[int]:
            extra = {k: v for k, v in facts.items() if k not in answers}
            if len(extra) + len(answers) != len(facts) or any(
                k.endswith("__count") or f"{k}__count" in clean_answers for k in extra
            ):  # not answers + new derived facts: validate the whole thing
                return self._fire_clean(facts, normalise_facts(facts), dependent_only)
            if any(facts[k] is not v for k, v in answers.items()):
                return self._fire_clean(facts, normalise_facts(facts), dependent_only)
            if not extra:
                return self._fire_clean(facts, clean_answers, dependent_only, aux, answers_text)
            clean_extra = normalise_facts(extra)
            clean = {**clean_answers, **clean_extra}
            if any(isinstance(v, list) for v in extra.values()):  # a list answer added
                return self._fire_clean(facts, clean, dependent_only)
            text = fact_body(clean_extra)
            if answers_text:
                text = f"{answers_text},{text}"
            return self._fire_clean(facts, clean, dependent_only, aux, text)

        return fire

    def evaluate(
        self,
        answers: Mapping[str, Any],
        questionnaire: Questionnaire | None = None,
        *,
        open_questions: bool = True,
    ) -> Result:
        """Evaluate typed, visible answers (a `None` value is unanswered; FactError for
        values the engine must not see)."""
        answers = self.builder.augment(answers)
        return self.builder.build(answers, self._fire_for(answers), questionnaire, open_questions)

    def why_not(
        self,
        answers: Mapping[str, Any],
        product_id: str,
        questionnaire: Questionnaire | None = None,
    ) -> dict[str, Any]:
        """Why `product_id` is or is not recommended for these typed, visible answers, and
        which single answers would make it appear (docs/engine.md, "Why not X?"). An id that
        is not in the catalogue gives status "unknown" (never a KeyError)."""
        return whynot.why_not(self.builder, answers, product_id, questionnaire, self._fire_for)

    def summarize(self, answers: Mapping[str, Any]) -> Summary:
        """Only which products and risks the answers get, and which rules fired: the same
        sets as `evaluate(answers)` gives (`product_ids`, `risk_ids`, `fired`), without
        rationale templates, trace or open questions. For bulk comparisons (impact
        preview, lint). FactError for values the engine must not see."""
        answers = self.builder.augment(answers)
        return self.builder.summarize(answers, self._fire_for(answers))

    def summarize_normalised(self, answers: Mapping[str, Any], clean: Mapping[str, Any]) -> Summary:
        """`summarize` when `clean` is `normalise_facts(answers)` already (one answer set
        summarised under several rulesets is validated once; both without `None` values,
        see `drop_unanswered`)."""
        answers = drop_unanswered(answers)
        augmented = self.builder.augment(answers)
        if augmented is not answers:  # only the facts computed from the data are new
            extra = {k: v for k, v in augmented.items() if k not in answers}
            clean = {**clean, **normalise_facts(extra)}
        return self.builder.summarize(augmented, self._fire_for(augmented, clean))

    def close(self) -> None:
        """Free the durable rulesets now (otherwise done when garbage collected)."""
        self.base.close()
        self.dependent.close()


def compile_ruleset(ruleset: Ruleset, *, index: bool = True) -> CompiledRuleset:
    """Compile through the durable wrapper (shards, guards and warm-up included); `index`
    False asserts every fact into every shard (for tests and benchmarks of the index)."""
    return CompiledRuleset(ruleset, index=index)


class CompiledCache:
    """Compiled rulesets keyed by (name, version, checksum); one live compilation per name.

    Replacing a name's entry drops the old compilation; its durable rulesets are freed
    (delete_ruleset) as soon as no evaluation still holds it.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_name: dict[str, tuple[tuple[str, int, str], CompiledRuleset]] = {}

    def get(self, ruleset: Ruleset) -> CompiledRuleset:
        key = (ruleset.name, ruleset.version, ruleset.checksum)
        with self._lock:
            entry = self._by_name.get(ruleset.name)
            if entry is not None and entry[0] == key:
                return entry[1]
        compiled = compile_ruleset(ruleset)
        with self._lock:
            entry = self._by_name.get(ruleset.name)
            if entry is not None and entry[0] == key:
                compiled.close()
                return entry[1]
            self._by_name[ruleset.name] = (key, compiled)
        return compiled

    def keys(self) -> list[tuple[str, int, str]]:
        with self._lock:
            return [key for key, _ in self._by_name.values()]

    def clear(self) -> None:
        with self._lock:
            self._by_name.clear()
