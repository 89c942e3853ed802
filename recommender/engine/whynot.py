"""Why not X: why a catalogue product is or is not recommended, and which single answer
would make it appear.

`why_not(builder, answers, product, questionnaire, fire_for)` is shared by the durable engine
and the reference evaluator (`fire_for(answers)` gives the `Fire` of one evaluation). The
answers are typed, visible answers, as `evaluate` takes them. Candidate answers are found
with the three-valued analysis (`whatif`) and each one is confirmed by evaluating it.
The dict it returns is documented in docs/engine.md.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from recommender.conditions.evaluate import resolve_values
from recommender.engine import cond
from recommender.engine.cond import And, Compare, Condition, Contains, Count, Field, In, Or, Truthy
from recommender.engine.data import COMPUTED_FACTS, FACT_INPUTS, INPUTS
from recommender.engine.model import Rule
from recommender.engine.result import Fire, run_chain
from recommender.engine.templates import country, money, number, percent
from recommender.engine.whatif import WhatIf
from recommender.questionnaire.countries import COUNTRIES, country_name

if TYPE_CHECKING:
    from recommender.engine.result import ResultBuilder
    from recommender.questionnaire import Questionnaire

FireFor = Callable[[Mapping[str, Any]], Fire]
# An interval of numbers: (low, low included, high, high included); None is unbounded.
Span = tuple[float | None, bool, float | None, bool]

#: At most this many values are listed per question in `would_appear_if`.
MAX_VALUES = 20

COMPUTED_LABELS = {
    "account_countries": "Countries of the Stripe accounts",
    "eligible_methods": "Payment methods the accounts can offer",
    "expected_methods": "Payment methods buyers expect",
    "account_blocked_methods": "Payment methods no account can offer",
    "currency_gap_methods": "Payment methods missing a price currency",
    "auth_regimes": "Card authentication regimes",
}
LIST_KINDS = frozenset({"multi", "country_list"})
NUMBER_KINDS = frozenset({"integer", "money", "percent", "number"})


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


@dataclass
class _Candidate:
    """One answer to try: `value`, how the panel shows it, and the values it stands for
    (countries that behave alike: the first is evaluated, all are listed)."""

    value: Any
    label: str
    same: tuple[tuple[Any, str], ...] = ()
    span: Span | None = None  # numbers: the interval the value stands for


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
        self._false_parts: dict[str, list[Condition]] = {}
        self._rule_by_id = {r.id: r for r in self.rs.rules}

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
                failed.append(self.describe(part))
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
        return {name: self.label(name) for name in dict.fromkeys(missing)}

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
            run: list[_Candidate] = []  # consecutive number intervals that all work
            for candidate in [*self.candidates(qid), None]:
                works = False
                if candidate is not None:
                    visible = self._with(qid, candidate.value)
                    works = visible is not None and self.product in self._products(visible)
                    if works and visible is not None:
                        hides |= {k for k in self.raw if k != qid and k not in visible}
                if works and candidate is not None and candidate.span is not None:
                    run.append(candidate)
                    continue
                if run:
                    values.append({"value": run[0].value, "label": self._run_label(qid, run)})
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
                    "label": self.label(qid),
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
        if self.q is not None:
            answers = self.q.visible_answers(answers)
            if qid not in answers:
                return None
        return answers

    def _products(self, answers: Mapping[str, Any]) -> frozenset[str]:
        augmented = self.builder.augment(answers)
        return self.builder.summarize(augmented, self.fire_for(augmented)).products

    def _note(self, qid: str, hides: set[str], n_values: int) -> str:
        parts = []
        if qid in self.raw:
            parts.append(f"Now: {self.value_text(qid, self.raw[qid])}.")
        else:
            parts.append("Not answered yet.")
        if hides:
            labels = ", ".join(f"“{self.label(h)}”" for h in sorted(hides))
            parts.append(f"Some of these answers hide {labels}.")
        if n_values > MAX_VALUES:
            parts.append(f"{n_values - MAX_VALUES} more values would also do.")
        return " ".join(parts)

    # -- candidate answers ------------------------------------------------------------------
    def kind(self, qid: str) -> str:
        """The question type (inferred from the conditions that read it without a
        questionnaire: list, number, boolean or single)."""
        if self.q is not None and qid in self.q.questions:
            return str(self.q.questions[qid].type)
        kinds = set()
        for node in self._atoms(qid):
            if isinstance(node, Contains) or isinstance(getattr(node, "subject", None), Count):
                kinds.add("multi")
            elif isinstance(node, Truthy):
                kinds.add("boolean")
            elif isinstance(node, Compare | In):
                values = self._constants([node])
                if values and all(isinstance(v, bool) for v in values):
                    kinds.add("boolean")
                elif values and all(cond_is_number(v) for v in values):
                    kinds.add("number")
        for k in ("multi", "number", "boolean"):
            if k in kinds:
                return k
        return "single"

    def _atoms(self, qid: str) -> list[Any]:
        atoms = self.builder.atoms_by_field.get(qid)
        return list(atoms) if atoms else []

    def _constants(self, atoms: Iterable[Any]) -> list[Any]:
        out: list[Any] = []
        for node in atoms:
            if isinstance(node, Compare) and isinstance(node.subject, Field):
                out.append(node.value.value)
            elif isinstance(node, In | Contains) and isinstance(node.subject, Field):
                try:
                    out += resolve_values(node.values, self.rs.sets)
                except Exception:  # an unknown set: the checker refuses it, nothing to offer
                    continue
        return out

    def candidates(self, qid: str) -> list[_Candidate]:
        kind = self.kind(qid)
        current = self.raw.get(qid)
        if kind == "boolean":
            return [_Candidate(v, "Yes" if v else "No") for v in (True, False) if v is not current]
        if kind in NUMBER_KINDS:
            return self._number_candidates(qid, kind, current)
        if kind in ("country", "country_list"):
            return self._country_candidates(qid, kind, current)
        options = self._options(qid)
        if kind in ("multi",):
            return self._list_candidates(qid, options, current)
        if kind == "single" or options:
            return [_Candidate(o, self.option_label(qid, o)) for o in options if o != current]
        return []

    def _options(self, qid: str) -> list[str]:
        if self.q is not None and qid in self.q.questions:
            opts = [o.value for o in self.q.questions[qid].options]
            if opts:
                return opts
        seen = dict.fromkeys(v for v in self._constants(self._atoms(qid)) if isinstance(v, str))
        return list(seen)

    def _list_candidates(
        self, qid: str, options: list[str], current: Any, labels: Callable[[str], str] | None = None
    ) -> list[_Candidate]:
        label = labels or (lambda o: self.option_label(qid, o))
        now = [v for v in current if isinstance(v, str)] if isinstance(current, list) else []
        out: list[_Candidate] = []
        seen: set[tuple[str, ...]] = {tuple(sorted(now))} if isinstance(current, list) else set()

        def add(value: list[str], text: str) -> None:
            key = tuple(sorted(value))
            if key not in seen:
                seen.add(key)
                out.append(_Candidate(value, text))

        for o in options:
            if o in now:
                add([v for v in now if v != o], f"remove {label(o)}")
            else:
                add([*now, o], f"add {label(o)}" if now else label(o))
        for o in options:
            add([o], f"only {label(o)}")
        for value in self._list_extras(qid, now, options):
            add(value, ", ".join(label(v) for v in value) or "none")
        return out

    def _list_extras(self, qid: str, now: list[str], pool: list[str]) -> list[list[str]]:
        """List answers that single additions or removals miss: the values of a
        `contains_all` added at once, and lists just below, at and above each number a
        `count(...)` is compared with (filled from `pool`, emptied from the end)."""
        out: list[list[str]] = []
        sizes: set[int] = set()
        for node in self._atoms(qid):
            if isinstance(node, Contains) and node.mode == "all":
                wanted = [v for v in self._constants([node]) if isinstance(v, str)]
                out.append(list(dict.fromkeys([*now, *wanted])))
            elif isinstance(node, Compare) and isinstance(node.subject, Count):
                limit = node.value.value
                if cond_is_number(limit):
                    base = int(limit)
                    sizes.update(n for n in (base - 1, base, base + 1, base + 2) if n >= 0)
        fresh = [v for v in pool if v not in now]
        for size in sorted(sizes):
            if size <= len(now):
                out.append(now[:size])
            elif size - len(now) <= len(fresh):
                out.append([*now, *fresh[: size - len(now)]])
        return out

    def _country_candidates(self, qid: str, kind: str, current: Any) -> list[_Candidate]:
        """Countries that behave differently for the rules (and the data tables when `qid`
        feeds them), grouped: one representative per group is evaluated."""
        groups = self._country_groups(qid)
        now = [v for v in current if isinstance(v, str)] if isinstance(current, list) else []
        out: list[_Candidate] = []
        for members in groups:
            if kind == "country":
                members = [c for c in members if c != current]
                if members:
                    out.append(
                        _Candidate(
                            members[0],
                            country_name(members[0]),
                            tuple((c, country_name(c)) for c in members),
                        )
                    )
                continue
            fresh = [c for c in members if c not in now]
            if fresh:
                out.append(
                    _Candidate(
                        [*now, fresh[0]],
                        f"add {country_name(fresh[0])}",
                        tuple(([*now, c], f"add {country_name(c)}") for c in fresh),
                    )
                )
        for c in now:
            rest = [v for v in now if v != c]
            out.append(_Candidate(rest, f"remove {country_name(c)}"))
        if kind == "country_list":
            for members in groups:
                out.append(
                    _Candidate(
                        [members[0]],
                        f"only {country_name(members[0])}",
                        tuple(([c], f"only {country_name(c)}") for c in members),
                    )
                )
            seen = {tuple(sorted(c.value)) for c in out} | {tuple(sorted(now))}
            pool = [g[0] for g in groups] + [c for g in groups for c in g[1:]]
            for value in self._list_extras(qid, now, pool):
                if tuple(sorted(value)) not in seen:
                    seen.add(tuple(sorted(value)))
                    label = ", ".join(country_name(c) for c in value) or "none"
                    out.append(_Candidate(value, label))
        return out

    def _country_groups(self, qid: str) -> list[list[str]]:
        sets: list[frozenset[str]] = []
        singles: set[str] = set()
        for node in self._atoms(qid):
            values = [v for v in self._constants([node]) if isinstance(v, str)]
            if isinstance(node, Contains) and node.mode == "all" or isinstance(node, Compare):
                singles.update(values)
            else:
                sets.append(frozenset(values))
        data = self.builder.market_data
        if data is not None and qid in INPUTS:
            singles.update(data.markets)
            sets.append(frozenset(data.sca_area))
            for m in data.methods.values():
                sets += [frozenset(m.account_countries), frozenset(m.buyer_countries)]
        known = set(singles).union(*sets) if sets else set(singles)
        pool = sorted(c for c in known if c in COUNTRIES)
        other = next((c for c in sorted(COUNTRIES) if c not in known), None)
        if other is not None:
            pool.append(other)
        groups: dict[tuple[Any, ...], list[str]] = {}
        for c in pool:
            signature = (c if c in singles else None, tuple(c in s for s in sets))
            groups.setdefault(signature, []).append(c)
        return sorted(
            (sorted(g, key=country_name) for g in groups.values()), key=lambda g: country_name(g[0])
        )

    def _number_candidates(self, qid: str, kind: str, current: Any) -> list[_Candidate]:
        """One value per interval between the numbers the rules (and, for the average
        ticket, the data tables' limits) compare `qid` with, and each such number, in
        ascending order with its interval (`span`)."""
        points = {v for v in self._constants(self._atoms(qid)) if cond_is_number(v)}
        data = self.builder.market_data
        if data is not None and qid in INPUTS:
            for m in data.methods.values():
                points.update(v for v in (m.min_usd, m.max_usd) if v is not None)
        low, high = self._bounds(qid, kind)
        cuts = sorted(
            p for p in points if (low is None or p >= low) and (high is None or p <= high)
        )
        if not cuts:
            return []
        integer = kind == "integer"
        step = 1 if integer or abs(cuts[0]) >= 10 else 0.1
        spans: list[tuple[float, Span]] = []
        below = cuts[0] - step
        if low is not None and below < low:
            below = low
        if below < cuts[0]:
            spans.append((below, (None, False, cuts[0], False)))
        for n, t in enumerate(cuts):
            spans.append((t, (t, True, t, True)))
            nxt = cuts[n + 1] if n + 1 < len(cuts) else None
            if nxt is None:
                above = t + (1 if integer or abs(t) >= 10 else 0.1)
                if high is not None and above > high:
                    above = high
                if above > t:
                    spans.append((above, (t, False, None, False)))
            elif not integer:
                spans.append(((t + nxt) / 2, (t, False, nxt, False)))
            elif t + 1 < nxt:
                spans.append((t + 1, (t, False, nxt, False)))
        out = []
        for value, span in spans:
            if integer or (isinstance(value, float) and value.is_integer() and kind != "percent"):
                value = int(value)
            if value != current:
                out.append(_Candidate(value, self._span_label(kind, span), span=span))
        return out

    def _run_label(self, qid: str, run: list[_Candidate]) -> str:
        """The label of consecutive working intervals merged into one."""
        first, last = run[0].span, run[-1].span
        assert first is not None and last is not None
        return self._span_label(self.kind(qid), (first[0], first[1], last[2], last[3]))

    def _span_label(self, kind: str, span: Span) -> str:
        """An interval in words: `below $100`, `$100`, `at least $100`, `more than $100 and
        below $1,000`."""
        lo, lo_incl, hi, hi_incl = span
        if lo is None and hi is None:
            return "any value"
        if lo is None:
            return f"{'at most' if hi_incl else 'below'} {self._num(kind, hi)}"  # type: ignore[arg-type]
        if hi is None:
            return f"{'at least' if lo_incl else 'more than'} {self._num(kind, lo)}"
        if lo == hi:
            return self._num(kind, lo)
        return (
            f"{'from' if lo_incl else 'more than'} {self._num(kind, lo)} "
            f"{'to' if hi_incl else 'and below'} {self._num(kind, hi)}"
        )

    def _bounds(self, qid: str, kind: str) -> tuple[float | None, float | None]:
        question = self.q.questions.get(qid) if self.q is not None else None
        low = question.min if question is not None else None
        high = question.max if question is not None else None
        if kind in ("money", "percent"):
            low = 0 if low is None else max(low, 0)
        if kind == "percent":
            high = 100 if high is None else min(high, 100)
        return low, high

    @staticmethod
    def _num(kind: str, value: float) -> str:
        if kind == "money":
            return money(value)
        if kind == "percent":
            return percent(value)
        return number(value)

    # -- words ------------------------------------------------------------------------------
    def label(self, name: str) -> str:
        """A question's label, a derived fact's label, or a computed fact's description."""
        if self.q is not None and name in self.q.questions:
            return str(self.q.questions[name].label)
        fact = self.rs.derived.get(name)
        if fact is not None and fact.label:
            return fact.label
        return COMPUTED_LABELS.get(name, name)

    def option_label(self, name: str, value: str) -> str:
        if self.q is not None and name in self.q.questions:
            return str(self.q.questions[name].option_label(value))
        data = self.builder.market_data
        if data is not None and name in COMPUTED_FACTS:
            method = data.methods.get(value)
            if method is not None:
                return method.name
            if value in data.regime_labels:
                return data.regime_labels[value]
            if COMPUTED_FACTS[name] == "country_list":
                return country_name(value)
        return value.replace("_", " ")

    def value_text(self, name: str, value: Any) -> str:
        """An answer or fact value as the SA reads it (option labels, country names, money)."""
        if value is None:
            return "not answered"
        if isinstance(value, bool):
            return "Yes" if value else "No"
        kind = (
            self.q.questions[name].type if self.q is not None and name in self.q.questions else ""
        )
        if isinstance(value, list):
            if not value:
                return "none"
            return ", ".join(self.value_text_item(name, kind, v) for v in value)
        return self.value_text_item(name, kind, value)

    def value_text_item(self, name: str, kind: str, value: Any) -> str:
        if isinstance(value, bool):
            return "Yes" if value else "No"
        if kind in ("country", "country_list"):
            return country(value)
        if kind in ("money", "percent", "integer") and cond_is_number(value):
            return self._num(kind, value)
        if cond_is_number(value):
            return number(value)
        return self.option_label(name, str(value))

    def describe(self, part: Condition) -> str:
        """A false condition part with the current value of each id it reads:
        "channels contains in_person (Sales channels: Web, Mobile app)"."""
        values = []
        for name in sorted(cond.referenced_fields(part)):
            value = self.facts.get(name)
            if value is None:
                shown = (
                    "not set"
                    if name in self.rs.derived or name in COMPUTED_FACTS
                    else "not answered"
                )
            else:
                shown = self.value_text(name, value)
            values.append(f"{self.label(name)}: {shown}")
        return f"{part} ({'; '.join(values)})"

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
            head = self._closest(name, recommending)
        return head + " " + self._appear_sentence(appear)

    def _closest(self, name: str, recommending: list[dict[str, Any]]) -> str:
        """The recommending rule that misses the least, in words: what it needs and what
        the answers (and facts) it reads are now."""
        best = min(recommending, key=lambda r: len(r["failed"]) + len(r["unanswered"]))
        parts = self._false_parts.get(best["rule"], [])
        condition = " and ".join(f"({p})" if isinstance(p, Or) else str(p) for p in parts)
        known: list[str] = []
        missing: list[str] = []
        for field in dict.fromkeys(f for p in parts for f in sorted(cond.referenced_fields(p))):
            label = self.label(field)
            if field in self.facts:
                value = self.value_text(field, self.facts[field])
                subject = f"the answer to “{label}”" if self._is_question(field) else f"“{label}”"
                known.append(f"{subject} is {value}")
            elif self._is_question(field):
                missing.append(f"“{label}”")
            else:
                known.append(f"“{label}” is not set")
        if missing:
            verb = "is" if len(missing) == 1 else "are"
            known.append(f"{', '.join(missing)} {verb} not answered")
        text = f"{name} is not recommended: it needs {condition}"
        if known:
            text += ", and " + " and ".join(known)
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


def cond_is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else text + "."


def _lower_first(text: str) -> str:
    if len(text) > 1 and text[0].isupper() and not text[1].isupper():
        return text[0].lower() + text[1:]
    return text
