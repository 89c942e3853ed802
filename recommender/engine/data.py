"""Payment-method and market tables (rules/*.yaml data files) and the facts computed from them.

The tables are data that rule authors maintain; this module is the mechanism that reads them:
which of the customer's Stripe accounts can enable which method for which buyer country, what
stands in the way (account country, customer type, recurring pricing, category, amount,
currency), and the per-market plan. Rules see the outcome as ordinary facts
(`eligible_methods contains ideal`), computed before any rule fires, identically for the
durable engine and the reference evaluator.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from recommender.questionnaire.countries import country_name

# Facts the engine computes from the data, with the condition-checker kind of each.
# Method-id lists get the method ids as options (typos are reported with "did you mean").
COMPUTED_FACTS: dict[str, str] = {
    "account_countries": "country_list",
    "eligible_methods": "multi",
    "expected_methods": "multi",
    "account_blocked_methods": "multi",
    "currency_gap_methods": "multi",
    "auth_regimes": "multi",
}
AUTH_REGIMES = ("sca", "jp_3ds", "in_afa")
# Template-only variables (mappings: method id -> buyer countries).
TEMPLATE_FACTS = ("method_countries", "method_blocked_countries")
# The answers the computed facts read: when one of them is unknown, so are the facts.
INPUTS = (
    "hq_country",
    "entity_countries",
    "local_entity_per_market",
    "customer_countries",
    "customer_type",
    "pricing_models",
    "offering_types",
    "avg_transaction_usd",
    "priced_currencies",
)
_ACCOUNT_INPUTS = ("hq_country", "entity_countries", "local_entity_per_market")
_VERDICT_INPUTS = (
    *_ACCOUNT_INPUTS,
    "customer_countries",
    "customer_type",
    "pricing_models",
    "offering_types",
    "avg_transaction_usd",
)
# Which answers each computed fact reads: an unanswered one makes only these facts unknown
# (the open-question analysis).
FACT_INPUTS: dict[str, tuple[str, ...]] = {
    "account_countries": _ACCOUNT_INPUTS,
    "eligible_methods": _VERDICT_INPUTS,
    "expected_methods": ("customer_countries", "customer_type"),
    "account_blocked_methods": _VERDICT_INPUTS,
    "currency_gap_methods": (*_VERDICT_INPUTS, "priced_currencies"),
    "auth_regimes": (*_ACCOUNT_INPUTS, "customer_countries"),
}
RECURRING_PRICING = frozenset({"fixed_recurring", "seat", "usage", "prepaid_credits"})
WALLETS = "wallets"
ACCOUNT_REASONS = ("account_country", "domestic_only")

_CACHE_LOCK = threading.Lock()
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


def fill(text: str, values: Mapping[str, str]) -> str:
    """Replace `{name}` placeholders by plain strings (no attribute access, no format specs)."""
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)


@dataclass(frozen=True)
class Method:
    id: str
    name: str
    account_countries: frozenset[str]
    account_confirmed: bool
    domestic_only: bool
    buyer_countries: frozenset[str]
    currencies: tuple[str, ...]
    recurring: bool | str  # True, False or "invoice" (a payable invoice each period)
    recurring_note: str
    customers: frozenset[str]
    min_usd: float | None
    max_usd: float | None
    limits_basis: str
    limits_note: str
    prohibited: frozenset[str]
    is_async: bool
    refunds: str
    disputes: str
    alternative: str | None
    docs: str
    notes: str
    account_notes: Mapping[str, str] = field(default_factory=dict)
    # "market": a buyer pays in the market's currency when the method takes it; "any": in any
    # of the listed currencies (the customer needs prices in just one of them).
    presentment: str = "market"
    # Buyer countries where `recurring` is confirmed; empty: wherever the method is used.
    recurring_countries: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Market:
    country: str
    currency: str
    stripe_accounts: str
    consumer_methods: tuple[str, ...]
    business_methods: tuple[str, ...]
    auth_regime: str
    terminal: str
    self_serve_payouts: bool
    notes: str
    customer_note: str = ""


@dataclass(frozen=True)
class Verdict:
    """One method for one buyer country: usable, or why not (`reason` kind + message)."""

    method: str
    country: str
    ok: bool
    account: str | None = None  # the account country that takes the payment
    reason: str = ""  # account_country | domestic_only | customers | recurring | category | amount
    message: str = ""


DEFAULT_MESSAGES = {
    "account_country": "{method} needs a Stripe account in {required}; the customer has none there.",
    "domestic_only": "Only domestic payments: {method} needs a Stripe account in {country}.",
    "customers": "{method} is for {method_customers}; the customer sells to {customer_type}.",
    "recurring": "{method} cannot be charged again ({recurring_note}) and the pricing is recurring only.",
    "category": "{method} is not available for {offerings}.",
    "amount_max": "{method} takes at most about {limit} per payment; the average ticket is {avg}.",
    "amount_min": "{method} needs at least about {limit} per payment; the average ticket is {avg}.",
    "alternative": "Offer {alternative} instead.",
    "currency": "{method} needs prices in {currencies}; they are not among the customer's price currencies ({priced}).",
    "currency_fixed": "{method} needs prices in {currencies}: Adaptive Pricing shows them.",
    "unconfirmed_accounts": "Which account countries can enable {method} is not confirmed: check before promising it.",
}


@dataclass
class MarketData:
    """The method and market tables of one ruleset version, ready to evaluate against."""

    methods: dict[str, Method] = field(default_factory=dict)
    markets: dict[str, Market] = field(default_factory=dict)
    sca_area: frozenset[str] = frozenset()
    messages: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_MESSAGES))
    regime_labels: dict[str, str] = field(default_factory=dict)
    _verdict_cache: dict[tuple[Any, ...], list[Verdict]] = field(
        default_factory=dict, repr=False, compare=False
    )
    customer_labels: dict[str, str] = field(
        default_factory=lambda: {"consumers": "consumers", "businesses": "businesses"}
    )

    # -- inputs ---------------------------------------------------------------------------
    @staticmethod
    def account_countries(answers: Mapping[str, Any]) -> list[str] | None:
        """`hq_country`, plus entity countries when each market has a local entity."""
        hq = answers.get("hq_country")
        out: list[str] = [hq] if isinstance(hq, str) else []
        if answers.get("local_entity_per_market") is True:
            for c in answers.get("entity_countries") or ():
                if isinstance(c, str) and c not in out:
                    out.append(c)
        return out or None

    def priced(self, answers: Mapping[str, Any]) -> list[str] | None:
        """Currencies the merchant prices in: the answer, else the HQ market's currency."""
        value = answers.get("priced_currencies")
        if isinstance(value, list) and value:
            return [str(v) for v in value]
        hq = answers.get("hq_country")
        market = self.markets.get(hq) if isinstance(hq, str) else None
        return [market.currency] if market else None

    # -- verdicts -------------------------------------------------------------------------
    def verdict(
        self, m: Method, buyer: str, answers: Mapping[str, Any], accounts: list[str] | None
    ) -> Verdict:
        name = m.name
        if accounts is not None:
            if m.domestic_only:
                takers = [buyer] if buyer in accounts and buyer in m.account_countries else []
            else:
                takers = [a for a in accounts if a in m.account_countries]
            if not takers and m.account_confirmed:
                if m.domestic_only and buyer in m.account_countries:
                    message = fill(
                        self.messages["domestic_only"],
                        {"method": name, "country": country_name(buyer)},
                    )
                    reason = "domestic_only"
                else:
                    required = sorted(m.account_countries)
                    message = fill(
                        self.messages["account_country"],
                        {"method": name, "required": _country_words(required)},
                    )
                    reason = "account_country"
                # A local account helps only if nothing about the business rules the method
                # out as well (Afterpay for a recurring-only business): say that reason then.
                business = self.verdict(m, buyer, answers, None)
                if not business.ok:
                    return business
                if m.alternative and m.alternative in self.methods:
                    alt = self.methods[m.alternative]
                    message += " " + fill(self.messages["alternative"], {"alternative": alt.name})
                return Verdict(m.id, buyer, False, None, reason, message)
            account = self.preferred_account(buyer, takers or accounts)
        else:
            account = None
        ctype = answers.get("customer_type")
        if isinstance(ctype, list) and ctype and not (set(ctype) & m.customers):
            return Verdict(
                m.id,
                buyer,
                False,
                account,
                "customers",
                fill(
                    self.messages["customers"],
                    {
                        "method": name,
                        "method_customers": " and ".join(
                            self.customer_labels.get(c, c) for c in sorted(m.customers)
                        ),
                        "customer_type": " and ".join(
                            self.customer_labels.get(str(c), str(c)) for c in ctype
                        ),
                    },
                ),
            )
        pricing = answers.get("pricing_models")
        recurring = m.recurring and (not m.recurring_countries or buyer in m.recurring_countries)
        if (
            not recurring
            and isinstance(pricing, list)
            and pricing
            and set(pricing) <= RECURRING_PRICING
        ):
            return Verdict(
                m.id,
                buyer,
                False,
                account,
                "recurring",
                fill(
                    self.messages["recurring"],
                    {"method": name, "recurring_note": m.recurring_note or "single use"},
                ),
            )
        offerings = answers.get("offering_types")
        if isinstance(offerings, list) and offerings and set(offerings) <= m.prohibited:
            return Verdict(
                m.id,
                buyer,
                False,
                account,
                "category",
                fill(
                    self.messages["category"],
                    {
                        "method": name,
                        "offerings": ", ".join(o.replace("_", " ") for o in offerings),
                    },
                ),
            )
        avg = answers.get("avg_transaction_usd")
        if (
            m.limits_basis != "unconfirmed"
            and isinstance(avg, int | float)
            and not isinstance(avg, bool)
        ):
            if m.max_usd is not None and avg > m.max_usd:
                return Verdict(
                    m.id,
                    buyer,
                    False,
                    account,
                    "amount",
                    fill(
                        self.messages["amount_max"],
                        {"method": name, "limit": _usd(m.max_usd), "avg": _usd(avg)},
                    ),
                )
            if m.min_usd is not None and avg < m.min_usd:
                return Verdict(
                    m.id,
                    buyer,
                    False,
                    account,
                    "amount",
                    fill(
                        self.messages["amount_min"],
                        {"method": name, "limit": _usd(m.min_usd), "avg": _usd(avg)},
                    ),
                )
        return Verdict(m.id, buyer, True, account)

    def preferred_account(self, buyer: str, accounts: list[str]) -> str | None:
        """Which of the customer's accounts takes a buyer country's payments: a local one,
        else one in the same SCA area (an Irish account for German buyers), else the first
        (the HQ account)."""
        if not accounts:
            return None
        if buyer in accounts:
            return buyer
        if buyer in self.sca_area:
            for a in accounts:
                if a in self.sca_area:
                    return a
        return accounts[0]

    def charge_currencies(self, m: Method, buyer: str) -> tuple[str, ...]:
        """The currencies `m` can charge a buyer in `buyer` in: every listed one when the buyer
        may pay in any of them (`presentment: any`: Przelewy24 in PLN or EUR), else the market's
        own currency when the method takes it (pay-later and wallets present in the buyer's
        currency), else the method's only currency; () when it cannot be told (any priced
        currency then does)."""
        if m.presentment == "any":
            return m.currencies
        market = self.markets.get(buyer)
        if market is not None and market.currency in m.currencies:
            return (market.currency,)
        return m.currencies if len(m.currencies) == 1 else ()

    def needed_currency(self, m: Method, buyer: str, priced: Sequence[str]) -> str | None:
        """The currencies to name when `m` cannot charge a buyer in `buyer` in any of the
        `priced` currencies ("PLN" or "PLN or EUR"); None when a priced one does."""
        options = self.charge_currencies(m, buyer)
        if not options or any(c in priced for c in options):
            return None
        return " or ".join(options)

    def verdicts(self, answers: Mapping[str, Any]) -> list[Verdict]:
        """A verdict for every (method, buyer country) pair where the method is used
        (remembered for the last few answer sets: one evaluation asks three times)."""
        key = tuple(_frozen(answers.get(name)) for name in INPUTS)
        cache = self._verdict_cache
        found = cache.get(key)
        if found is None:
            found = self._verdicts(answers)
            with _CACHE_LOCK:
                cache[key] = found
                while len(cache) > 32:
                    cache.pop(next(iter(cache)))
        return found

    def _verdicts(self, answers: Mapping[str, Any]) -> list[Verdict]:
        buyers = _strings(answers.get("customer_countries"))
        accounts = self.account_countries(answers)
        out = []
        for m in self.methods.values():
            for b in buyers:
                if b in m.buyer_countries:
                    out.append(self.verdict(m, b, answers, accounts))
        return out

    def expected(self, country: str, answers: Mapping[str, Any]) -> list[tuple[str, str]]:
        """(method id or `wallets`, customer type) the market ranks for the customer's types."""
        market = self.markets.get(country)
        if market is None:
            return []
        ctype = answers.get("customer_type")
        types = ctype if isinstance(ctype, list) and ctype else ["consumers", "businesses"]
        out: list[tuple[str, str]] = []
        if "consumers" in types:
            out += [(m, "consumers") for m in market.consumer_methods]
        if "businesses" in types:
            out += [(m, "businesses") for m in market.business_methods]
        return out

    # -- facts ----------------------------------------------------------------------------
    def compute(self, answers: Mapping[str, Any]) -> dict[str, Any]:
        """The computed facts for `answers` (absent when their inputs are unanswered)."""
        out: dict[str, Any] = {}
        accounts = self.account_countries(answers)
        if accounts is not None:
            out["account_countries"] = sorted(accounts)
        buyers = _strings(answers.get("customer_countries"))
        if not buyers:
            return out
        verdicts = self.verdicts(answers)
        eligible = {v.method for v in verdicts if v.ok}
        expected = {m for b in buyers for m, _ in self.expected(b, answers) if m in self.methods}
        blocked = {
            m
            for m in expected
            if m not in eligible
            and any(v.method == m and v.reason in ACCOUNT_REASONS for v in verdicts)
        }
        priced = self.priced(answers)
        gap: set[str] = set()
        if priced is not None:
            gap = {
                v.method
                for v in verdicts
                if v.ok
                and v.method in expected
                and self.needed_currency(self.methods[v.method], v.country, priced) is not None
            }
        regimes = []
        if accounts is not None and set(accounts) & self.sca_area and set(buyers) & self.sca_area:
            regimes.append("sca")
        if accounts is not None and "JP" in accounts:
            regimes.append("jp_3ds")
        if "IN" in buyers:
            regimes.append("in_afa")
        order = list(self.methods)
        out["eligible_methods"] = [m for m in order if m in eligible]
        out["expected_methods"] = [m for m in order if m in expected]
        out["account_blocked_methods"] = [m for m in order if m in blocked]
        out["currency_gap_methods"] = [m for m in order if m in gap]
        out["auth_regimes"] = regimes
        return out

    def template_values(self, answers: Mapping[str, Any]) -> dict[str, Any]:
        """Template-only helpers: per method, the buyer countries it serves or was refused in."""
        served: dict[str, list[str]] = {m: [] for m in self.methods}
        refused: dict[str, list[str]] = {m: [] for m in self.methods}
        for v in self.verdicts(answers):
            if v.ok:
                served[v.method].append(v.country)
            elif v.reason in ACCOUNT_REASONS:
                refused[v.method].append(v.country)
        return {"method_countries": served, "method_blocked_countries": refused}

    # -- the per-market plan ----------------------------------------------------------------
    def plan(
        self,
        answers: Mapping[str, Any],
        recommended: Iterable[str],
        rule_exclusions: Mapping[str, str],
        names: Mapping[str, str],
    ) -> list[dict[str, Any]]:
        """For each buyer country: currency, methods to turn on (ranked, by customer type),
        the account that takes the payments, the card-authentication regime, and the methods
        left out with a reason that names the fix."""
        buyers = _strings(answers.get("customer_countries"))
        if not buyers:
            return []
        recommended = set(recommended)
        accounts = self.account_countries(answers)
        hq_answer = answers.get("hq_country")
        hq = hq_answer if isinstance(hq_answer, str) else None
        priced = self.priced(answers)
        by_pair = {(v.method, v.country): v for v in self.verdicts(answers)}
        plans = []
        for b in buyers:
            market = self.markets.get(b)
            account = self.preferred_account(b, accounts) if accounts is not None else hq
            expected = self.expected(b, answers)
            methods = self._plan_methods(b, market, expected, recommended, by_pair, names)
            for item in methods:
                self._annotate(item, b, account, priced, recommended, by_pair)
            expected_ids = {mid for mid, _ in expected}
            plans.append(
                {
                    "country": b,
                    "country_name": country_name(b),
                    "currency": market.currency if market else None,
                    "stripe_accounts": market.stripe_accounts if market else "unconfirmed",
                    "account_country": account,
                    "cross_border": account != b,
                    **self._regime(market, account),
                    "methods": methods,
                    "excluded": self._plan_excluded(
                        b, expected_ids, recommended, rule_exclusions, by_pair
                    ),
                    "terminal": market.terminal if market else "unconfirmed",
                    "self_serve_payouts": market.self_serve_payouts if market else False,
                    "notes": market.customer_note if market else "",
                }
            )
        return plans

    def _plan_methods(
        self,
        b: str,
        market: Market | None,
        expected: list[tuple[str, str]],
        recommended: set[str],
        by_pair: Mapping[tuple[str, str], Verdict],
        names: Mapping[str, str],
    ) -> list[dict[str, Any]]:
        """Cards, then the market's ranked methods the rules recommend, then other
        recommended methods that serve the country in its own currency (SEPA Direct Debit
        recommended for Irish buyers is not a plan for British ones)."""
        methods: list[dict[str, Any]] = []
        add = _Adder(methods, names)
        add("cards", "", "baseline")
        methods[0]["name"] = "Cards"
        for mid, who in expected:
            verdict = by_pair.get((mid, b))
            if mid == WALLETS or (mid in recommended and (verdict is None or verdict.ok)):
                add(mid, who, "market")
        for mid, m in self.methods.items():
            local = market is None or market.currency in m.currencies
            verdict = by_pair.get((mid, b))
            usable = verdict is None or verdict.ok
            if mid in recommended and b in m.buyer_countries and local and usable:
                add(mid, "", "rules")
        for item in methods:
            item["for"] = [w for w in ("consumers", "businesses") if w in item["for"]]
        return methods

    def _annotate(
        self,
        item: dict[str, Any],
        b: str,
        account: str | None,
        priced: list[str] | None,
        recommended: set[str],
        by_pair: Mapping[tuple[str, str], Verdict],
    ) -> None:
        """A planned method's account, async flag, currency note and caveat."""
        m = self.methods.get(item["id"])
        if m is None:  # cards, wallets
            return
        v = by_pair.get((m.id, b))
        item["account_country"] = v.account if v is not None else account
        item["async"] = m.is_async
        needed = self.needed_currency(m, b, priced) if priced is not None else None
        if needed is not None and priced is not None:
            fixed = "adaptive_pricing" in recommended
            item["currency_note"] = fill(
                self.messages["currency_fixed" if fixed else "currency"],
                {"method": m.name, "currencies": needed, "priced": ", ".join(priced)},
            )
        if item["account_country"] in m.account_notes:
            item["caveat"] = m.account_notes[item["account_country"]]
        elif not m.account_confirmed and item["account_country"] not in m.account_countries:
            # Listed accounts are known; an unlisted one may or may not work.
            item["caveat"] = fill(self.messages["unconfirmed_accounts"], {"method": m.name})

    def _plan_excluded(
        self,
        b: str,
        expected_ids: set[str],
        recommended: set[str],
        rule_exclusions: Mapping[str, str],
        by_pair: Mapping[tuple[str, str], Verdict],
    ) -> list[dict[str, Any]]:
        """Methods for this country the data rules out (expected or recommended ones), with
        the reason naming the fix, and expected methods a rule excluded."""
        out: list[dict[str, Any]] = []
        for mid, m in self.methods.items():
            if b not in m.buyer_countries:
                continue
            verdict = by_pair.get((mid, b))
            if (
                verdict is not None
                and not verdict.ok
                and (mid in expected_ids or mid in recommended)
            ):
                out.append(
                    {"id": mid, "name": m.name, "reason": verdict.message, "kind": verdict.reason}
                )
            elif mid in rule_exclusions and mid in expected_ids:
                out.append(
                    {"id": mid, "name": m.name, "reason": rule_exclusions[mid], "kind": "rule"}
                )
        return out

    def _regime(self, market: Market | None, account: str | None) -> dict[str, str]:
        """The card-authentication regime for payments taken by `account`: SCA only when the
        account is in the SCA area too, Japan's mandate only for a Japanese account."""
        regime = market.auth_regime if market else "unconfirmed"
        if regime == "sca" and (account is None or account not in self.sca_area):
            regime = "none"
        if regime == "jp_3ds" and account != "JP":
            regime = "none"
        return {"auth_regime": regime, "auth_regime_label": self.regime_labels.get(regime, regime)}


class _Adder:
    """Adds a method to one market's ranked list once, merging the customer types."""

    def __init__(self, methods: list[dict[str, Any]], names: Mapping[str, str]) -> None:
        self.methods = methods
        self.names = names
        self.seen: set[str] = set()

    def __call__(self, mid: str, who: str, source: str) -> None:
        if mid in self.seen:
            for item in self.methods:
                if item["id"] == mid and who and who not in item["for"]:
                    item["for"].append(who)
            return
        self.seen.add(mid)
        name = "Apple Pay / Google Pay" if mid == WALLETS else self.names.get(mid, mid)
        self.methods.append(
            {"id": mid, "name": name, "for": [who] if who else [], "source": source}
        )


def _frozen(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else (type(value), value)


def _strings(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _usd(value: float) -> str:
    return f"${value:,.0f}"


def _country_words(codes: list[str]) -> str:
    names = [country_name(c) for c in codes]
    if len(names) > 6:
        # A long list reads as its size with a few examples, not as a partial list.
        return f"one of {len(names)} countries ({', '.join(names[:4])}, ...)"
    if len(names) > 1:
        return ", ".join(names[:-1]) + " or " + names[-1]
    return names[0] if names else "no country"


def _expand(items: Iterable[Any], sets: Mapping[str, tuple[Any, ...]]) -> frozenset[str]:
    out: set[str] = set()
    for item in items:
        if isinstance(item, str) and item.startswith("@"):
            out.update(str(c) for c in sets.get(item[1:], ()))
        else:
            out.add(str(item))
    return frozenset(out)


def build_market_data(
    methods_doc: Mapping[str, Any] | None,
    markets_doc: Mapping[str, Any] | None,
    sets: Mapping[str, tuple[Any, ...]],
    product_names: Mapping[str, str],
) -> MarketData:
    """MarketData from checked data files (the loader has validated shape and ids)."""
    data = MarketData(sca_area=frozenset(str(c) for c in sets.get("sca_area", ())))
    if methods_doc:
        data.messages.update(methods_doc.get("messages", {}))
        for row in methods_doc.get("methods", []):
            limits = row.get("limits") or {}
            data.methods[row["id"]] = Method(
                id=row["id"],
                name=row.get("name") or product_names.get(row["id"], row["id"]),
                account_countries=_expand(row.get("account_countries", []), sets),
                account_confirmed=row.get("account_countries_confirmed", True),
                domestic_only=row.get("domestic_only", False),
                buyer_countries=_expand(row.get("buyer_countries", []), sets),
                currencies=tuple(row.get("currencies", [])),
                presentment=row.get("presentment", "market"),
                recurring=row.get("recurring", False),
                recurring_note=row.get("recurring_note", ""),
                recurring_countries=_expand(row.get("recurring_countries", []), sets),
                customers=frozenset(row.get("customers", ["consumers", "businesses"])),
                min_usd=limits.get("min_usd"),
                max_usd=limits.get("max_usd"),
                limits_basis=limits.get("basis", "unconfirmed"),
                limits_note=limits.get("note", ""),
                prohibited=frozenset(row.get("prohibited_offerings", [])),
                is_async=row.get("async", False),
                refunds=str(row.get("refunds", "unconfirmed")),
                disputes=str(row.get("disputes", "unconfirmed")),
                alternative=row.get("alternative"),
                docs=row.get("docs", ""),
                notes=row.get("notes", ""),
                account_notes=dict(row.get("account_notes", {})),
            )
    if markets_doc:
        data.regime_labels.update(markets_doc.get("auth_regime_labels", {}))
        for row in markets_doc.get("markets", []):
            data.markets[row["country"]] = Market(
                country=row["country"],
                currency=row["currency"],
                stripe_accounts=str(row.get("stripe_accounts", "yes")),
                consumer_methods=tuple(row.get("consumer_methods", [])),
                business_methods=tuple(row.get("business_methods", [])),
                auth_regime=row.get("auth_regime", "unconfirmed"),
                terminal=str(row.get("terminal", "unconfirmed")),
                self_serve_payouts=row.get("self_serve_payouts", False),
                notes=row.get("notes", ""),
                customer_note=row.get("customer_note", ""),
            )
    return data
