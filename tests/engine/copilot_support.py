"""A small questionnaire and ruleset for the co-pilot tests (ask next, why not), and a
brute-force enumerator of a question's possible answers (tests only).

The ruleset exercises what the analysis must follow: a derived fact (segment), exclusions
that can stop firing (b2b -> no Klarna; Tap to Pay is excluded until a store country where it
is offered is answered), show_if gating (answering `b2b` hides
`manual_review`, which flags a risk; `self_serve` is read by no rule, only by the show_if of
`phone_orders`), list counts and numeric thresholds.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

FORM = """\
id: copilot
version: 1
title: Co-pilot test form
sections:
  - id: business
    title: Business
    questions:
      - id: model
        label: Business model
        type: single
        options:
          - {value: saas, label: Software as a service}
          - {value: marketplace, label: Marketplace}
          - {value: retail, label: Retail}
      - id: volume
        label: Annual volume
        type: money
      - id: countries
        label: Customer countries
        type: country_list
      - id: b2b
        label: Sells only to businesses
        type: boolean
      - id: manual_review
        label: Reviews orders by hand
        type: boolean
        show_if: not b2b
  - id: channels
    title: Channels
    questions:
      - id: channels
        label: Sales channels
        type: multi
        options:
          - {value: web, label: Web}
          - {value: in_person, label: In person}
          - {value: phone, label: Phone}
      - id: stores
        label: Number of stores
        type: integer
        show_if: channels contains in_person
      - id: store_countries
        label: Store countries
        type: country_list
        show_if: channels contains in_person
      - id: self_serve
        label: Buyers pay without an agent
        type: boolean
      - id: phone_orders
        label: How are phone orders paid?
        type: single
        show_if: channels contains phone and not self_serve
        options:
          - {value: agent, label: An agent keys the card}
          - {value: link, label: A payment link}
"""

RULESET = """\
name: copilot
version: 1
questionnaire: copilot
sets:
  eu: [DE, FR, NL]
derived:
  segment: {type: single, options: [enterprise, smb], label: Customer segment}
products:
  - {id: checkout, name: Checkout, family: payments}
  - {id: billing, name: Billing, family: revenue}
  - {id: klarna, name: Klarna, family: payment_methods}
  - {id: tax, name: Tax, family: revenue}
  - {id: terminal, name: Terminal, family: payments}
  - {id: moto, name: MOTO, family: payments}
  - {id: multi_currency, name: Multi-currency, family: payments}
  - {id: tap_to_pay, name: Tap to Pay, family: payments}
risks:
  - {id: tax_reg, title: Register for tax, severity: low, mitigation: Register first.}
  - {id: fraud_ops, title: Manual review load, severity: medium, mitigation: Use Radar rules.}
rules:
  - id: enterprise
    when: volume >= 10_000_000
    derive: [{fact: segment, value: enterprise}]
  - id: smb
    when: volume < 10_000_000
    derive: [{fact: segment, value: smb}]
  - id: checkout-web
    description: Web sales use Checkout.
    when: channels contains web
    recommend: [{product: checkout, because: "Sells on {{ channels | option }}."}]
  - id: saas-billing
    when: model == saas
    recommend: [{product: billing}, {product: klarna, because: "Consumers pay later."}]
  - id: b2b-no-klarna
    when: b2b
    exclude: [{product: klarna, because: "Klarna is for consumers; they sell to businesses."}]
  - id: enterprise-tax
    when: segment == enterprise and countries contains_any @eu
    recommend: [{product: tax}]
    flag: [{risk: tax_reg}]
  - id: terminal
    description: Several stores need readers.
    when: channels contains in_person and stores > 2
    recommend: [{product: terminal}]
  - id: terminal-unavailable
    when: store_countries contains BR and not (store_countries contains_any [DE, US])
    exclude: [{product: terminal, because: "No Terminal in Brazil."}]
  - id: tap-to-pay
    when: channels contains in_person
    recommend: [{product: tap_to_pay}]
  - id: tap-to-pay-countries
    description: Tap to Pay needs a store country where it is offered.
    when: channels contains in_person and not (store_countries contains_any [DE, FR, NL, US])
    exclude: [{product: tap_to_pay, because: "Tap to Pay is not offered in the store countries."}]
  - id: manual-review
    when: manual_review
    flag: [{risk: fraud_ops}]
  - id: moto
    when: phone_orders == agent
    recommend: [{product: moto}]
  - id: multi-currency
    when: count(countries) > 2 and volume > 50_000
    recommend: [{product: multi_currency}]
"""

# Countries the brute force tries (the rules' constants and a few others).
COUNTRY_POOL = ["DE", "FR", "NL", "US", "BR", "GB", "JP"]
MAX_SUBSETS = 64


def numbers_for(ruleset: Any, qid: str) -> list[float]:
    """Numbers around every threshold the rules compare `qid` with, and 0."""
    from recommender.conditions.ast import Compare, Field, In
    from recommender.conditions.evaluate import walk

    out = {0.0}
    for rule in ruleset.rules:
        for node in walk(rule.condition):
            values: list[Any] = []
            if not isinstance(node, Compare | In) or not isinstance(node.subject, Field):
                continue
            if node.subject.name != qid:
                continue
            if isinstance(node, Compare):
                values = [node.value.value]
            elif hasattr(node.values, "items"):
                values = [i.value for i in node.values.items]
            for v in values:
                if isinstance(v, int | float) and not isinstance(v, bool):
                    out.update({v - 1, v - 0.5, v, v + 0.5, v + 1})
    return sorted(out)


def every_answer(
    question: Any,
    ruleset: Any,
    countries: list[str] | None = None,
    max_subsets: int = MAX_SUBSETS,
) -> Iterator[Any]:
    """Every answer a question can take, as far as the rules can tell them apart: every
    option, every subset of options (smallest first, at most `max_subsets`), true/false,
    numbers around every threshold the rules compare it with, countries from a pool (none,
    one or two of them, or three of its first six)."""
    kind = question.type
    options = [o.value for o in question.options]
    if kind == "boolean":
        yield from (True, False)
    elif kind == "single":
        yield from options
    elif kind == "multi":
        n = 0
        for size in range(0, len(options) + 1):
            for combo in itertools.combinations(options, size):
                if n >= max_subsets:
                    return
                n += 1
                yield list(combo)
    elif kind == "country":
        yield from countries or COUNTRY_POOL
    elif kind == "country_list":
        pool = countries or COUNTRY_POOL
        yield []
        yield from ([c] for c in pool)
        yield from (list(p) for p in itertools.combinations(pool, 2))
        yield from (list(p) for p in itertools.combinations(pool[:6], 3))
    elif kind in ("integer", "money", "percent"):
        for v in numbers_for(ruleset, question.id):
            if kind in ("money", "percent") and v < 0:
                continue
            if kind == "percent" and v > 100:
                continue
            if kind == "integer":
                if v != int(v):
                    continue
                v = int(v)
            yield v
