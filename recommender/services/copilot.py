"""The live panel as the SA's co-pilot on a call: what to ask next and why it matters, what the
last answer changed, how ready each design area is, and "why not X?" for a catalogue product.

Everything here reads the result of an evaluation, the ruleset's catalogue and the readout's
own code (recommender.readout: the summary's solution and go-live line, the key questions per
area); nothing is stored. Request parameters (the previously shown ids, a product id) are
untrusted: bounded, checked against the catalogue, and ignored or refused with a message.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from recommender.errors import InvalidInput, NotFound
from recommender.questionnaire.forms import section_question_ids
from recommender.services import evaluation

#: How many "ask next" questions the panel shows (each with a keyboard shortcut, Alt+1..3).
ASK_NEXT_LIMIT = 3
#: Product names shown per "ask next" question (added, removed) before "+ n more".
HINT_NAMES = 2
#: Request parameters longer than this are ignored (a panel lists at most a few dozen ids).
MAX_PARAM_CHARS = 4000
MAX_IDS = 300
ID_RE = re.compile(r"[A-Za-z0-9_.-]{1,80}")


# ---------------------------------------------------------------------------- catalogue


@dataclass(frozen=True)
class Named:
    """A product or risk with the name people read."""

    id: str
    name: str


@dataclass(frozen=True)
class Catalogue:
    """Names of every product and risk of a ruleset version, in the ruleset's order."""

    products: dict[str, str] = field(default_factory=dict)
    risks: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, compiled: Any) -> Catalogue:
        ruleset = compiled.ruleset
        return cls(
            products={pid: p.name or pid for pid, p in ruleset.products.items()},
            risks={rid: r.title or rid for rid, r in ruleset.risks.items()},
        )

    def product(self, pid: str) -> Named:
        return Named(pid, self.products.get(pid) or pid.replace("_", " "))

    def risk(self, rid: str) -> Named:
        return Named(rid, self.risks.get(rid) or rid.replace("_", " "))

    def not_recommended(self, result: Mapping[str, Any]) -> list[Named]:
        """Catalogue products the result does not recommend, by name (the "why not" choices)."""
        shown = {str(p.get("id")) for p in result.get("products", [])}
        out = [self.product(pid) for pid in self.products if pid not in shown]
        return sorted(out, key=lambda n: n.name.casefold())


def sections_of(q: Any) -> dict[str, tuple[str, str]]:
    """Question id -> (section id, section title) of the questionnaire."""
    out: dict[str, tuple[str, str]] = {}
    for section in q.sections:
        title = getattr(section, "title", "") or section.id
        for qid in section_question_ids(q, section.id):
            out.setdefault(qid, (section.id, title))
    return out


# ---------------------------------------------------------------------------- ask next


@dataclass(frozen=True)
class AskNext:
    """An unanswered question whose answer could change the recommendation."""

    question_id: str
    label: str
    section_id: str | None
    section_title: str
    #: Why it matters, in a few words (the engine's): "could change 2 products, 1 risk and
    #: the customer segment".
    hint: str
    #: The products it could add and remove, by name ("Stripe Terminal, Klarna + 1 more").
    adds: str = ""
    removes: str = ""
    #: Its place in the ranking (1 = could change the most): Alt+<rank> goes there.
    rank: int = 0


def ask_next(
    q: Any,
    result: Mapping[str, Any],
    catalogue: Catalogue | None = None,
    limit: int | None = ASK_NEXT_LIMIT,
) -> list[AskNext]:
    """The result's open questions, most influential first (the engine ranks them by how
    many products, risks and design facts they could change), with where each is asked."""
    where = sections_of(q)
    catalogue = catalogue or Catalogue()
    items: list[AskNext] = []
    for open_q in result.get("open_questions", [])[:limit]:
        qid = str(open_q.get("id", ""))
        question = q.questions.get(qid)
        section_id, section_title = where.get(qid, (None, ""))
        label = open_q.get("label") or (getattr(question, "label", "") if question else "") or qid
        change = open_q.get("could_change")
        change = change if isinstance(change, Mapping) else {}
        items.append(
            AskNext(
                question_id=qid,
                label=str(label),
                section_id=section_id,
                section_title=section_title,
                hint=str(open_q.get("summary") or ""),
                adds=_names(change.get("add_products"), catalogue),
                removes=_names(change.get("remove_products"), catalogue),
                rank=len(items) + 1,
            )
        )
    return items


def _names(ids: Any, catalogue: Catalogue) -> str:
    """'Stripe Terminal, Klarna + 1 more': the first few product names."""
    names = [catalogue.product(str(p)).name for p in _ids(ids)]
    shown = ", ".join(names[:HINT_NAMES])
    more = len(names) - HINT_NAMES
    return f"{shown} + {more} more" if more > 0 else shown


def _ids(value: Any) -> list[Any]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, Iterable) and not isinstance(value, Mapping):
        return list(dict.fromkeys(value))
    return []


# ---------------------------------------------------------------------------- last change


@dataclass(frozen=True)
class LastChange:
    """What the last answer changed: products and risks added or removed, with names."""

    question_id: str | None
    question_label: str | None
    products_added: list[Named]
    products_removed: list[Named]
    risks_added: list[Named]
    risks_removed: list[Named]
    #: The answer came from another SA (through the live poll), not from this one.
    by_colleague: bool = False

    @property
    def empty(self) -> bool:
        return not (
            self.products_added or self.products_removed or self.risks_added or self.risks_removed
        )

    @property
    def added_ids(self) -> set[str]:
        return {n.id for n in self.products_added + self.risks_added}

    def announcement(self) -> str:
        """One sentence for the ARIA live region."""
        parts = []
        for label, items in (
            ("Added", self.products_added),
            ("Removed", self.products_removed),
            ("New risk", self.risks_added),
            ("Risk gone", self.risks_removed),
        ):
            if items:
                parts.append(f"{label}: {', '.join(n.name for n in items)}.")
        text = " ".join(parts) or "No product or risk changed."
        return f"{self.question_label}: {text}" if self.question_label else text


def parse_ids(raw: Any, known: Iterable[str]) -> list[str] | None:
    """Ids from a request parameter ('a b c' or 'a,b,c'): None when absent or unusable (too
    long, not text), otherwise the known ids in it, each once, at most MAX_IDS."""
    if not isinstance(raw, str) or len(raw) > MAX_PARAM_CHARS:
        return None
    known_ids = set(known)
    out: dict[str, None] = {}
    for token in re.split(r"[\s,]+", raw):
        if token in known_ids:
            out.setdefault(token, None)
            if len(out) >= MAX_IDS:
                break
    return list(out)


def last_change(
    params: Mapping[str, Any] | None,
    result: Mapping[str, Any],
    catalogue: Catalogue,
    q: Any,
) -> LastChange | None:
    """What changed since the ids in `params` (`prev_products`, `prev_risks`: what the panel
    showed before; `changed`: the question just answered; `by=colleague`: by another SA).
    None when the request did not say what was shown before (the first load) or said it
    unusably: then nothing is marked."""
    if not params:
        return None
    before_products = parse_ids(params.get("prev_products"), catalogue.products)
    before_risks = parse_ids(params.get("prev_risks"), catalogue.risks)
    if before_products is None or before_risks is None:
        return None
    now_products = [str(p.get("id")) for p in result.get("products", [])]
    now_risks = [str(r.get("id")) for r in result.get("risks", [])]
    changed = params.get("changed")
    question = None
    if isinstance(changed, str) and ID_RE.fullmatch(changed):
        question = q.questions.get(changed)
    return LastChange(
        question_id=changed if question is not None else None,
        question_label=str(question.label) if question is not None else None,
        products_added=[catalogue.product(p) for p in now_products if p not in before_products],
        products_removed=[catalogue.product(p) for p in before_products if p not in now_products],
        risks_added=[catalogue.risk(r) for r in now_risks if r not in before_risks],
        risks_removed=[catalogue.risk(r) for r in before_risks if r not in now_risks],
        by_colleague=params.get("by") == "colleague",
    )


# ---------------------------------------------------------------------------- readiness


@dataclass(frozen=True)
class KeyQuestion:
    id: str
    label: str
    section_id: str | None
    answered: bool


@dataclass(frozen=True)
class AreaReadiness:
    """A design area (payments surface, markets, ...) and its key questions that apply now."""

    area: str
    title: str
    questions: list[KeyQuestion]

    @property
    def answered(self) -> int:
        return sum(1 for k in self.questions if k.answered)

    @property
    def total(self) -> int:
        return len(self.questions)

    @property
    def done(self) -> bool:
        return self.answered == self.total

    @property
    def missing(self) -> list[KeyQuestion]:
        return [k for k in self.questions if not k.answered]

    @property
    def percent(self) -> int:
        return round(100 * self.answered / self.total) if self.total else 100


def readiness(areas: Iterable[Mapping[str, Any]], q: Any) -> list[AreaReadiness]:
    """The readout's key questions per area (recommender.readout.summary.readiness) with the
    section each is asked in; areas with no key question that applies are left out."""
    where = sections_of(q)
    out = []
    for area in areas:
        questions = [
            KeyQuestion(
                id=str(k["id"]),
                label=str(k["label"]),
                section_id=where.get(str(k["id"]), (None, ""))[0],
                answered=bool(k["answered"]),
            )
            for k in area.get("questions", [])
        ]
        if questions:
            out.append(AreaReadiness(str(area["area"]), str(area["title"]), questions))
    return out


def unanswered(areas: Iterable[AreaReadiness]) -> list[AreaReadiness]:
    """The areas with key questions still unanswered, each with only those questions."""
    return [AreaReadiness(a.area, a.title, a.missing) for a in areas if not a.done]


# ---------------------------------------------------------------------------- why not


@dataclass(frozen=True)
class WhyNot:
    """The engine's explanation of why a product is (not) recommended (the "why not" contract,
    docs/reports.md), with where each question it names is asked."""

    explanation: dict[str, Any]
    discovery_id: int
    sections: dict[str, str]
    #: Set when explaining a stored readout: its id (the page says it is the snapshot's).
    snapshot_id: int | None = None

    @property
    def product_name(self) -> str:
        return str(self.explanation.get("name") or self.explanation.get("product") or "")


def product_param(raw: Any) -> str:
    """The `product` request parameter, checked for shape (InvalidInput when missing or not
    an id); whether it is a catalogue product is the caller's next check."""
    if not isinstance(raw, str) or not raw.strip():
        raise InvalidInput("Say which product: ?product=<product id>, e.g. ?product=terminal.")
    product = raw.strip()
    if not ID_RE.fullmatch(product):
        raise InvalidInput("A product id is up to 80 letters, digits, '_', '-' or '.'.")
    return product


def why_not(
    q: Any,
    answers: Mapping[str, Any],
    product: Any,
    catalogue: Catalogue,
    ruleset_name: str,
    version: int | None,
    discovery_id: int,
    snapshot_id: int | None = None,
) -> WhyNot:
    """Explain `product` against `answers` with the given published ruleset version."""
    pid = product_param(product)
    if pid not in catalogue.products:
        where = f"{ruleset_name} v{version}" if version is not None else ruleset_name
        raise NotFound(f"There is no product '{pid}' in the ruleset {where}.")
    explanation = evaluation.why_not(q, answers, pid, ruleset_name, version)
    sections = {qid: sid for qid, (sid, _) in sections_of(q).items()}
    return WhyNot(dict(explanation), discovery_id, sections, snapshot_id)
