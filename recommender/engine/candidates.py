"""The answers "why not" tries for one question: from the questionnaire's options and the
rules' own constants and thresholds (and, for the answers the data tables read, the tables'
countries and limits), few enough to evaluate each one."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from recommender.conditions.evaluate import is_number, resolve_values
from recommender.engine.cond import Compare, Contains, Count, Field, In, Truthy
from recommender.engine.data import INPUTS
from recommender.engine.words import Words, number_text
from recommender.questionnaire.countries import COUNTRIES, country_name

if TYPE_CHECKING:
    from recommender.engine.result import ResultBuilder
    from recommender.questionnaire import Questionnaire

NUMBER_KINDS = frozenset({"integer", "money", "percent", "number"})
# An interval of numbers: (low, low included, high, high included); None is unbounded.
Span = tuple[float | None, bool, float | None, bool]


@dataclass
class Candidate:
    """One answer to try: `value`, how the panel shows it, and the values it stands for
    (countries that behave alike: the first is evaluated, all are listed)."""

    value: Any
    label: str
    same: tuple[tuple[Any, str], ...] = ()
    span: Span | None = None  # numbers: the interval the value stands for


class Candidates:
    """Candidate answers for the questions of one answer set (`raw`: typed visible answers)."""

    def __init__(
        self,
        builder: ResultBuilder,
        questionnaire: Questionnaire | None,
        raw: Mapping[str, Any],
        words: Words,
    ) -> None:
        self.builder = builder
        self.rs = builder.ruleset
        self.q = questionnaire
        self.raw = raw
        self.words = words

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
                elif values and all(is_number(v) for v in values):
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

    def candidates(self, qid: str) -> list[Candidate]:
        kind = self.kind(qid)
        current = self.raw.get(qid)
        if kind == "boolean":
            return [Candidate(v, "Yes" if v else "No") for v in (True, False) if v is not current]
        if kind in NUMBER_KINDS:
            return self._number_candidates(qid, kind, current)
        if kind in ("country", "country_list"):
            return self._country_candidates(qid, kind, current)
        options = self._options(qid)
        if kind in ("multi",):
            return self._list_candidates(qid, options, current)
        if kind == "single" or options:
            return [Candidate(o, self.words.option_label(qid, o)) for o in options if o != current]
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
    ) -> list[Candidate]:
        label = labels or (lambda o: self.words.option_label(qid, o))
        now = [v for v in current if isinstance(v, str)] if isinstance(current, list) else []
        out: list[Candidate] = []
        seen: set[tuple[str, ...]] = {tuple(sorted(now))} if isinstance(current, list) else set()

        def add(value: list[str], text: str) -> None:
            key = tuple(sorted(value))
            if key not in seen:
                seen.add(key)
                out.append(Candidate(value, text))

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
                if is_number(limit):
                    base = int(limit)
                    sizes.update(n for n in (base - 1, base, base + 1, base + 2) if n >= 0)
        fresh = [v for v in pool if v not in now]
        for size in sorted(sizes):
            if size <= len(now):
                out.append(now[:size])
            elif size - len(now) <= len(fresh):
                out.append([*now, *fresh[: size - len(now)]])
        return out

    def _country_candidates(self, qid: str, kind: str, current: Any) -> list[Candidate]:
        """Countries that behave differently for the rules (and the data tables when `qid`
        feeds them), grouped: one representative per group is evaluated."""
        groups = self._country_groups(qid)
        now = [v for v in current if isinstance(v, str)] if isinstance(current, list) else []
        out: list[Candidate] = []
        for members in groups:
            if kind == "country":
                members = [c for c in members if c != current]
                if members:
                    out.append(
                        Candidate(
                            members[0],
                            country_name(members[0]),
                            tuple((c, country_name(c)) for c in members),
                        )
                    )
                continue
            fresh = [c for c in members if c not in now]
            if fresh:
                out.append(
                    Candidate(
                        [*now, fresh[0]],
                        f"add {country_name(fresh[0])}",
                        tuple(([*now, c], f"add {country_name(c)}") for c in fresh),
                    )
                )
        for c in now:
            rest = [v for v in now if v != c]
            out.append(Candidate(rest, f"remove {country_name(c)}"))
        if kind == "country_list":
            for members in groups:
                out.append(
                    Candidate(
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
                    out.append(Candidate(value, label))
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

    def _number_candidates(self, qid: str, kind: str, current: Any) -> list[Candidate]:
        """One value per interval between the numbers the rules (and, for the average
        ticket, the data tables' limits) compare `qid` with, and each such number, in
        ascending order with its interval (`span`)."""
        points = {v for v in self._constants(self._atoms(qid)) if is_number(v)}
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
                out.append(Candidate(value, self._span_label(kind, span), span=span))
        return out

    def run_label(self, qid: str, run: list[Candidate]) -> str:
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
            return f"{'at most' if hi_incl else 'below'} {number_text(kind, hi)}"  # type: ignore[arg-type]
        if hi is None:
            return f"{'at least' if lo_incl else 'more than'} {number_text(kind, lo)}"
        if lo == hi:
            return number_text(kind, lo)
        return (
            f"{'from' if lo_incl else 'more than'} {number_text(kind, lo)} "
            f"{'to' if hi_incl else 'and below'} {number_text(kind, hi)}"
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
