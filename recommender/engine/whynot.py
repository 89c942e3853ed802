"""Why not X: why a catalogue product is or is not recommended, and which single answer
would make it appear.

`why_not(builder, answers, product, questionnaire, fire_for)` is shared by the durable engine
and the reference evaluator (`fire_for(answers)` gives the `Fire` of one evaluation). The
answers are typed, visible answers, as `evaluate` takes them. Questions worth trying are
found with the three-valued analysis (`whatif`), the answers to try come from `candidates`,
and each one is confirmed by evaluating it; `words` phrases values for the SA. The dict it
returns is documented in docs/engine.md.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from recommender.engine import cond
from recommender.engine.candidates import Candidate, Candidates
from recommender.engine.cond import And, Condition, Or
from recommender.engine.data import COMPUTED_FACTS, FACT_INPUTS
from recommender.engine.model import Rule
from recommender.engine.result import Fire, run_chain
from recommender.engine.whatif import WhatIf
from recommender.engine.words import Words

if TYPE_CHECKING:
    from recommender.engine.result import ResultBuilder
    from recommender.questionnaire import Questionnaire

FireFor = Callable[[Mapping[str, Any]], Fire]

#: A summary sentence about the closest rule longer than this is left to the rule list.
LONG_SUMMARY = 240
#: At most this many values are listed per question in `would_appear_if`.
MAX_VALUES = 20


def why_not(
    builder: ResultBuilder,
    answers: Mapping[str, Any],
    product: str,
    questionnaire: Questionnaire | None,
    fire_for: FireFor,
) -> dict[str, Any]:
    """The "why not" explanation of `product` for typed visible `answers` (status
    "unknown", with a did-you-mean summary, for an id that is not in the catalogue)."""
    rs = builder.ruleset
    if product not in rs.products:
        return _unknown(builder, product)
    return _Explainer(builder, answers, product, questionnaire, fire_for).explain()


def _unknown(builder: ResultBuilder, product: str) -> dict[str, Any]:
    rs = builder.ruleset
    names = {p.name.lower(): pid for pid, p in rs.products.items()}
    close = difflib.get_close_matches(str(product), list(rs.products), n=3, cutoff=0.6)
    close += [
        names[n] for n in difflib.get_close_matches(str(product).lower(), names, n=3, cutoff=0.6)
    ]
    hint = ""
    if close:
        hint = " Did you mean " + " or ".join(dict.fromkeys(close)) + "?"
    return {
        "product": product,
        "name": "",
        "status": "unknown",
        "summary": f"There is no product '{product}' in {rs.label}.{hint}",
        "recommending_rules": [],
        "exclusions": [],
        "would_appear_if": [],
    }


class _Explainer:
    def __init__(
        self,
        builder: ResultBuilder,
        answers: Mapping[str, Any],
        product: str,
        questionnaire: Questionnaire | None,
        fire_for: FireFor,
    ) -> None:
        self.builder = builder
        self.rs = builder.ruleset
        self.raw = {k: v for k, v in answers.items() if v is not None}
        self.product = product
        self.q = questionnaire
        self.fire_for = fire_for
        self.answers = builder.augment(self.raw)
        fired, facts, _derivations, _error = run_chain(
            self.rs, self.answers, fire_for(self.answers), builder.dependent
        )
        self.fired = set(fired)
        self.facts = facts
        self.text = builder.texts(self.answers, facts, questionnaire)
        self.kept, self.flagged = _outcome(builder, fired)
        self.words = Words(builder, questionnaire, facts)
        self.choices = Candidates(builder, questionnaire, self.raw, self.words)
        self._false_parts: dict[str, list[Condition]] = {}
        self._rule_by_id = {r.id: r for r in self.rs.rules}
        self._relevant_rules: list[int] | None = None

    # -- the explanation --------------------------------------------------------------------
    def explain(self) -> dict[str, Any]:
        builder, pid = self.builder, self.product
        recommending = [
            self._recommending(self.rs.rules[i]) for i in builder.recommending.get(pid, ())
        ]
        exclusions = [self._exclusion(self.rs.rules[i]) for i in builder.excluding.get(pid, ())]
        if pid in self.kept:
            status = "recommended"
        elif any(e["fired"] for e in exclusions):
            status = "excluded"
        else:
            status = "not_recommended"
        appear = [] if status == "recommended" else self.would_appear_if()
        if appear and recommending:
            # Answers the closest recommending rule reads come first ("Data warehouse: none"
            # before an answer that brings the product in through another rule).
            best = min(recommending, key=lambda r: len(r["failed"]) + len(r["unanswered"]))
            direct = {
                f
                for part in self._false_parts.get(best["rule"], [])
                for f in cond.referenced_fields(part)
            }
            appear.sort(key=lambda a: a["question"] not in direct)  # stable: keeps the rest
        name = self.rs.products[pid].name
        return {
            "product": pid,
            "name": name,
            "status": status,
            "summary": self._summary(name, status, recommending, exclusions, appear),
            "recommending_rules": recommending,
            "exclusions": exclusions,
            "would_appear_if": appear,
        }

    def _render(self, rule: Rule, text: str) -> str:
        if not text:
            return rule.description
        out, _error = self.text(text)
        return out

    def _recommending(self, rule: Rule) -> dict[str, Any]:
        fired = rule.index in self.fired
        failed: list[str] = []
        unanswered: dict[str, str] = {}
        parts = [] if fired else false_parts(rule.condition, self.facts, self.rs.sets)
        for part in parts:
            missing = self._unanswered_questions(part)
            if missing:
                unanswered.update(missing)
            else:
                failed.append(self.words.describe(part))
        self._false_parts[rule.id] = parts
        return {
            "rule": rule.id,
            "description": rule.description,
            "when": rule.when,
            "fired": fired,
            "failed": failed,
            "unanswered": [{"question": k, "label": v} for k, v in unanswered.items()],
        }

    def _exclusion(self, rule: Rule) -> dict[str, Any]:
        fired = rule.index in self.fired
        reason = rule.description
        if fired:
            texts = [
                self._render(rule, e.because)
                for e in rule.effects
                if e.kind == "exclude" and e.target == self.product
            ]
            reason = " ".join(t for t in texts if t) or rule.description
        return {"rule": rule.id, "reason": reason, "when": rule.when, "fired": fired}

    def _unanswered_questions(self, part: Condition) -> dict[str, str]:
        """The unanswered questions (directly, or as inputs of a computed fact) that a false
        condition part waits for: answering them could make it true. Empty when the part is
        false whatever they get."""
        facts = self.facts
        missing: list[str] = []
        for name in sorted(cond.referenced_fields(part)):
            if name in facts:
                continue
            if name in COMPUTED_FACTS:
                missing += [i for i in FACT_INPUTS[name] if i not in facts and self._is_question(i)]
            elif self._is_question(name):
                missing.append(name)
        if not missing:
            return {}
        unknown = set(missing) | {f for f in COMPUTED_FACTS if set(FACT_INPUTS[f]) & set(missing)}
        if cond.evaluate3(part, facts, unknown, self.rs.sets) is not None:
            return {}
        return {name: self.words.label(name) for name in dict.fromkeys(missing)}

    def _is_question(self, name: str) -> bool:
        if self.q is not None:
            return name in self.q.questions
        return name not in self.rs.derived and name not in COMPUTED_FACTS

    # -- would appear if --------------------------------------------------------------------
    def would_appear_if(self) -> list[dict[str, Any]]:
        """Single answers (one question answered or changed) that make the product appear,
        each confirmed by evaluating the answers with it."""
        whatif = WhatIf(self.builder, self.answers, self.facts, self.fired, self.q)
        out = []
        for qid in self._questions():
            reach = whatif.reach(qid)
            if not self.product_rules_reached(reach.rules) or not whatif.could_appear(
                self.product, reach
            ):
                continue
            values: list[dict[str, Any]] = []
            hides: set[str] = set()
            run: list[Candidate] = []  # consecutive number intervals that all work
            for candidate in [*self.choices.candidates(qid), None]:
                works = False
                if candidate is not None:
                    visible = self._with(qid, candidate.value)
                    works = visible is not None and self._appears(visible)
                    if works and visible is not None:
                        hides |= {k for k in self.raw if k != qid and k not in visible}
                if works and candidate is not None and candidate.span is not None:
                    run.append(candidate)
                    continue
                if run:
                    values.append(
                        {"value": run[0].value, "label": self.choices.run_label(qid, run)}
                    )
                    run = []
                if works and candidate is not None:
                    members = candidate.same or ((candidate.value, candidate.label),)
                    values += [{"value": v, "label": label} for v, label in members]
            if not values:
                continue
            note = self._note(qid, hides, len(values))
            question = self.q.questions.get(qid) if self.q is not None else None
            out.append(
                {
                    "question": qid,
                    "label": self.words.label(qid),
                    "section_id": question.section if question is not None else None,
                    "values": values[:MAX_VALUES],
                    "note": note,
                }
            )
        return out

    def product_rules_reached(self, rules: Iterable[int]) -> bool:
        ids = set(self.builder.recommending.get(self.product, ())) | set(
            self.builder.excluding.get(self.product, ())
        )
        return bool(ids.intersection(rules))

    def _questions(self) -> list[str]:
        """Questions the SA could answer or change now: the visible ones (every answer id the
        rules read without a questionnaire), in questionnaire order."""
        if self.q is not None:
            return self.q.visible_question_ids(self.raw)
        names: dict[str, None] = {}
        for rule in self.rs.rules:
            for name in sorted(rule.fields):
                if name not in self.rs.derived and name not in COMPUTED_FACTS:
                    names[name] = None
        return list(names)

    def _with(self, qid: str, value: Any) -> dict[str, Any] | None:
        """The visible answers with `qid` set to `value` (None when that hides `qid`)."""
        answers = {**self.raw, qid: value}
        if self.q is not None and qid in self.builder.visibility(self.q).readers:
            answers = self.q.visible_answers(answers)  # the answer may hide others
            if qid not in answers:
                return None
        return answers

    def _appears(self, answers: Mapping[str, Any]) -> bool:
        """Whether the product is recommended for `answers`: first decided with only the
        rules that can matter (`_relevant`, plain Python: cheap, and exact for this
        product), then, when it is, confirmed by the engine's own summary."""
        builder, rs = self.builder, self.rs
        augmented = builder.augment(answers)
        relevant = self._relevant()
        rules, sets, dependent = rs.rules, rs.sets, builder.dependent

        def fire(facts: Mapping[str, Any], dependent_only: bool = False) -> list[int]:
            return [
                i
                for i in relevant
                if (not dependent_only or i in dependent)
                and cond.evaluate(rules[i].condition, facts, sets)
            ]

        fired, _facts, _derivations, _error = run_chain(rs, augmented, fire, dependent)
        kept, _flagged = _outcome(builder, fired)
        if self.product not in kept:
            return False
        return self.product in builder.summarize(augmented, self.fire_for(augmented)).products

    def _relevant(self) -> list[int]:
        """The rules that decide whether the product is recommended: those that recommend or
        exclude it, and every rule deriving a fact one of them reads (transitively)."""
        if self._relevant_rules is None:
            builder = self.builder
            deriving: dict[str, list[int]] = {}
            for rule in self.rs.rules:
                for target in builder.derives[rule.index]:
                    deriving.setdefault(target, []).append(rule.index)
            todo = [
                *builder.recommending.get(self.product, ()),
                *builder.excluding.get(self.product, ()),
            ]
            seen: set[int] = set()
            while todo:
                i = todo.pop()
                if i in seen:
                    continue
                seen.add(i)
                for name in self.rs.rules[i].fields:
                    todo.extend(deriving.get(name, ()))
            self._relevant_rules = sorted(seen)
        return self._relevant_rules

    def _note(self, qid: str, hides: set[str], n_values: int) -> str:
        parts = []
        if qid in self.raw:
            parts.append(f"Now: {self.words.value_text(qid, self.raw[qid])}.")
        else:
            parts.append("Not answered yet.")
        if hides:
            labels = ", ".join(f"“{self.words.label(h)}”" for h in sorted(hides))
            parts.append(f"Some of these answers hide {labels}.")
        if n_values > MAX_VALUES:
            parts.append(f"{n_values - MAX_VALUES} more values would also do.")
        return " ".join(parts)

    def _summary(
        self,
        name: str,
        status: str,
        recommending: list[dict[str, Any]],
        exclusions: list[dict[str, Any]],
        appear: list[dict[str, Any]],
    ) -> str:
        if status == "recommended":
            rules = [r for r in recommending if r["fired"]]
            rule = self._rule_by_id[rules[0]["rule"]] if rules else None
            why = ""
            if rule is not None:
                texts = [
                    self._render(rule, e.because)
                    for e in rule.effects
                    if e.kind == "recommend" and e.target == self.product
                ]
                why = next((t for t in texts if t), rule.description)
            return f"{name} is recommended" + (f": {_sentence(why)}" if why else ".")
        if status == "excluded":
            reasons = " ".join(
                _sentence(e["reason"]) for e in exclusions if e["fired"] and e["reason"]
            )
            head = f"{name} is excluded" + (f": {reasons}" if reasons else ".")
            if not any(r["fired"] for r in recommending):
                head += " No rule recommends it for these answers either."
        elif not recommending:
            return f"No rule of {self.rs.label} recommends {name}."
        else:
            closest = self._closest(name, recommending)
            if appear and len(closest) > LONG_SUMMARY:
                # What to ask first; the rules below say in full what each needs.
                return f"{name} is not recommended. " + self._appear_sentence(appear)
            head = closest
        return head + " " + self._appear_sentence(appear)

    def _closest(self, name: str, recommending: list[dict[str, Any]]) -> str:
        """The recommending rule that misses the least, in words: what it needs and what
        the answers (and facts) it reads are now."""
        best = min(recommending, key=lambda r: len(r["failed"]) + len(r["unanswered"]))
        parts = self._false_parts.get(best["rule"], [])
        condition = " and ".join(
            f"({self.words.in_words(p)})" if isinstance(p, Or) else self.words.in_words(p)
            for p in parts
        )
        known: list[str] = []
        missing: list[str] = []
        for field in dict.fromkeys(f for p in parts for f in sorted(cond.referenced_fields(p))):
            label = self.words.label(field)
            if field in self.facts:
                value = self.words.value_text(field, self.facts[field])
                subject = f"the answer to “{label}”" if self._is_question(field) else f"“{label}”"
                known.append(f"{subject} is {value}")
            elif self._is_question(field):
                missing.append(f"“{label}”")
            else:
                fact = self.rs.derived.get(field)
                unset = "No" if fact is not None and fact.type == "boolean" else "not set"
                known.append(f"“{label}” is {unset}")
        if missing:
            verb = "is" if len(missing) == 1 else "are"
            known.append(f"{', '.join(missing)} {verb} not answered")
        text = f"{name} is not recommended: it applies only when {condition}"
        if known:
            text += "; now " + " and ".join(known)
        return text + "."

    def _appear_sentence(self, appear: list[dict[str, Any]]) -> str:
        if not appear:
            return "No single answer would make it appear."
        first = appear[0]
        value = first["values"][0]["label"]
        more = len(appear) - 1
        text = f"It would appear with “{first['label']}”: {value}"
        if more:
            text += f" (or {more} other question{'s' if more > 1 else ''})"
        return text + "."


def _outcome(builder: ResultBuilder, fired: Iterable[int]) -> tuple[set[str], set[str]]:
    """(recommended products after exclusions, flagged risks) of the fired rules."""
    recommended: set[str] = set()
    excluded: set[str] = set()
    flagged: set[str] = set()
    for i in fired:
        rec, exc, flag = builder.targets[i]
        recommended.update(rec)
        excluded.update(exc)
        flagged.update(flag)
    return recommended - excluded, flagged


def false_parts(node: Condition, facts: Mapping[str, Any], sets: Mapping[str, Any]) -> list[Any]:
    """The parts of a false condition that make it false: the false operands of an `and`
    (recursively); an `or`, a `not` or an atom as a whole. Empty when it holds."""
    if cond.evaluate(node, facts, sets):
        return []
    if isinstance(node, And):
        out: list[Any] = []
        for operand in node.operands:
            out += false_parts(operand, facts, sets)
        return out
    return [node]


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else text + "."


def _lower_first(text: str) -> str:
    if len(text) > 1 and text[0].isupper() and not text[1].isupper():
        return text[0].lower() + text[1:]
    return text
