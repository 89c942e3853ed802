"""Loading and checking the data files a ruleset names under `data:` (docs/data-tables.md).

Each file is YAML with `kind:` and `version:`, validated by `rules/<kind>.schema.json`, then
by semantic checks (known countries, currencies, method ids, sets); every problem is reported
at its position in the data file, as `path:line:col: message`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jsonschema

from recommender.conditions.check import FieldSpec
from recommender.engine.data import AUTH_REGIMES, COMPUTED_FACTS, WALLETS, MarketData
from recommender.engine.model import checksum
from recommender.errors import Problem
from recommender.questionnaire.countries import is_country
from recommender.questionnaire.currencies import is_currency
from recommender.schemacheck import certainly_valid_check
from recommender.schemawords import described
from recommender.suggest import did_you_mean
from recommender.yamlpos import Located, YamlError, load_yaml

if TYPE_CHECKING:
    from recommender.engine.model import Product

RULES_DIR = Path(__file__).resolve().parents[2] / "rules"
DATA_KINDS = ("payment_methods", "markets", "solution_design")


def is_data_text(text: str) -> bool:
    """True when a rules/*.yaml text is a data file (a top-level `kind:` of a data kind),
    not a ruleset: directory loaders skip these."""
    for line in text.splitlines():
        if line.startswith("kind:"):
            return line.split(":", 1)[1].strip().strip("'\"") in DATA_KINDS
    return False


@lru_cache(maxsize=8)
def _validator(kind: str) -> jsonschema.protocols.Validator | None:
    path = RULES_DIR / f"{kind}.schema.json"
    if not path.is_file():
        return None
    schema = json.loads(path.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


_SCHEMA_CACHE: dict[tuple[str, str], list[tuple[tuple[Any, ...], str, bool]]] = {}


def _schema_errors(kind: str, text: str, data: Any) -> list[tuple[tuple[Any, ...], str, bool]]:
    """JSON Schema errors of a data file as (path, message in words, at_key); remembered per
    process by the file's checksum (JSON Schema validation is most of the cost of loading a
    data file, and every worker loads the same published files)."""
    key = (kind, checksum(text))
    found = _SCHEMA_CACHE.get(key)
    if found is None:
        fast = certainly_valid_check(str(RULES_DIR / f"{kind}.schema.json"))
        validator = None if fast is not None and fast(data) else _validator(kind)
        found = described(validator.iter_errors(data), data) if validator is not None else []
        if len(_SCHEMA_CACHE) > 64:
            _SCHEMA_CACHE.clear()
        _SCHEMA_CACHE[key] = found
    return found


def computed_field_specs(
    market_data: MarketData | None, failed: bool = False
) -> dict[str, FieldSpec]:
    """Field specs of the facts computed from the data, for condition checks; with `failed`
    (the tables are declared but did not load) the names are known and options unchecked."""
    if market_data is None and not failed:
        return {}
    methods = tuple(market_data.methods) if market_data is not None and not failed else None
    out: dict[str, FieldSpec] = {}
    for name, kind in COMPUTED_FACTS.items():
        if name == "auth_regimes":
            out[name] = FieldSpec(
                "multi", options=AUTH_REGIMES, label="card authentication regimes"
            )
        elif kind == "multi":
            out[name] = FieldSpec("multi", options=methods, label=name.replace("_", " "))
        else:
            out[name] = FieldSpec(kind, label=name.replace("_", " "))
    return out


def _upper_hint(code: Any, known: Callable[[str], bool]) -> str:
    """The suffix " (did you mean 'DE'?)" for a code typed in lower case."""
    upper = str(code).upper()
    return f" (did you mean '{upper}'?)" if upper != code and known(upper) else ""


class DataLoader:
    """Loads every data file a ruleset names; problems go to the ruleset builder's list."""

    def __init__(
        self, builder: Any, sets: Mapping[str, tuple[Any, ...]], products: Mapping[str, Product]
    ) -> None:
        self.builder = builder
        self.sets = sets
        self.products = products
        self.files: Mapping[str, str] = builder.data_files
        # Files that passed their schema, by kind, for the cross-file checks.
        self.located: dict[str, Located] = {}
        base = Path(builder.located.path).parent
        self.base = base if builder.located.path not in ("", "<string>") else None

    def path_of(self, name: str) -> str:
        return str(self.base / name) if self.base is not None and str(self.base) != "." else name

    def load(self) -> tuple[dict[str, Any], dict[str, str]]:
        """(kind -> parsed document, file name -> text) for the files that load cleanly."""
        docs: dict[str, Any] = {}
        texts: dict[str, str] = {}
        section = self.builder.data.get("data") or {}
        for kind, name in section.items():
            text = self.files.get(name)
            if text is None:
                where = (
                    "it must sit beside the ruleset in rules/"
                    if Path(self.builder.located.path).is_file()
                    else "add it to this ruleset version's data files"
                )
                self.builder.problem(("data", kind), f"data file '{name}' not found ({where})")
                continue
            texts[name] = text
            doc = self.load_one(kind, name, text)
            if doc is not None:
                docs[kind] = doc
        # Cross-file checks once both tables are there (also when one has other problems).
        if (
            "markets" in self.located
            and "payment_methods" in self.located
            and not getattr(self.builder, "trusted", False)
        ):
            before = len(self.builder.problems)
            self.check_market_methods(self.located["markets"], self.located["payment_methods"].data)
            if len(self.builder.problems) > before:
                docs.pop("markets", None)
        return docs, texts

    def load_one(self, kind: str, name: str, text: str) -> dict[str, Any] | None:
        path = self.path_of(name)
        problems = self.builder.problems
        trusted = getattr(self.builder, "trusted", False)
        parsed = getattr(self.builder, "parsed_files", {}).get(name) if trusted else None
        try:
            # A checked version's stored parse (engine/parsed.py), else the YAML.
            located = (
                Located(data=parsed, path=path)
                if parsed is not None
                else load_yaml(text, path, positions=not trusted)
            )
        except YamlError as exc:
            problems.append(exc.problem)
            return None
        data = located.data
        if not isinstance(data, dict):
            problems.append(
                Problem(
                    path,
                    1,
                    1,
                    f"a {kind} data file is made of 'key: value' lines, starting with "
                    f"kind: {kind} and version:",
                )
            )
            return None
        if data.get("kind") != kind:
            problems.append(
                located.problem(
                    ("kind",),
                    f"this file is named under data: {kind}, so it needs 'kind: {kind}' "
                    f"(found {data.get('kind')!r})",
                )
            )
            return None
        if trusted:  # checked when its ruleset version was published
            return data
        errors = _schema_errors(kind, text, data)
        if errors:
            found = {
                located.problem(where, message, at_key=at_key) for where, message, at_key in errors
            }
            problems.extend(sorted(found))
            return None
        self.located[kind] = located
        before = len(problems)
        check: Callable[[Located], None] | None = {
            "payment_methods": self.check_methods,
            "markets": self.check_markets,
            "solution_design": self.check_design,
        }.get(kind)
        if check is not None:
            check(located)
        if len(problems) > before:
            return None
        return data

    # -- semantic checks ------------------------------------------------------------------
    def countries(self, located: Located, where: tuple[Any, ...], items: list[Any]) -> None:
        for i, item in enumerate(items):
            if isinstance(item, str) and item.startswith("@"):
                if item[1:] not in self.sets:
                    known = sorted(self.sets)
                    located_problem(
                        self.builder,
                        located,
                        where + (i,),
                        f"unknown set '{item}' (declare it under sets: in the ruleset)"
                        + did_you_mean(item[1:], known, prefix="@"),
                    )
            elif not is_country(item):
                located_problem(
                    self.builder,
                    located,
                    where + (i,),
                    f"unknown country code {item!r}{_upper_hint(item, is_country)}: use the "
                    "two-letter ISO code in capitals, like DE",
                )

    def currencies(self, located: Located, where: tuple[Any, ...], items: list[Any]) -> None:
        for i, item in enumerate(items):
            if not is_currency(item):
                located_problem(
                    self.builder,
                    located,
                    where + (i,),
                    f"unknown currency code {item!r}{_upper_hint(item, is_currency)}: use the "
                    "three-letter ISO code in capitals, like EUR",
                )

    def offering_options(self) -> list[str] | None:
        q = self.builder.questionnaire
        if q is None:
            return None
        question = q.questions.get("offering_types")
        options = getattr(question, "options", None) if question is not None else None
        if not options:
            return None
        return [str(getattr(o, "value", o)) for o in options]

    def check_methods(self, located: Located) -> None:
        rows = located.data.get("methods", [])
        ids = [r["id"] for r in rows]
        seen: dict[str, int] = {}
        offerings = self.offering_options()
        catalogue = sorted(self.products)
        for i, row in enumerate(rows):
            mid = row["id"]
            if mid in seen:
                first = located.pos(("methods", seen[mid], "id"))[0]
                located_problem(
                    self.builder,
                    located,
                    ("methods", i, "id"),
                    f"duplicate method id '{mid}' (first defined at line {first})",
                )
            seen.setdefault(mid, i)
            if mid not in self.products:
                located_problem(
                    self.builder,
                    located,
                    ("methods", i, "id"),
                    f"unknown product '{mid}': a method must be a product of the ruleset's "
                    "catalogue" + did_you_mean(mid, catalogue),
                )
            self.countries(located, ("methods", i, "account_countries"), row["account_countries"])
            self.countries(located, ("methods", i, "buyer_countries"), row["buyer_countries"])
            if "recurring_countries" in row:
                self.countries(
                    located, ("methods", i, "recurring_countries"), row["recurring_countries"]
                )
            self.currencies(located, ("methods", i, "currencies"), row["currencies"])
            for country in row.get("account_notes", {}):
                if not is_country(country):
                    located_problem(
                        self.builder,
                        located,
                        ("methods", i, "account_notes", country),
                        f"unknown country code {country!r}{_upper_hint(country, is_country)}: use "
                        "the two-letter ISO code in capitals, like DE",
                    )
            alt = row.get("alternative")
            if alt is not None and alt not in ids:
                located_problem(
                    self.builder,
                    located,
                    ("methods", i, "alternative"),
                    f"unknown method '{alt}'" + did_you_mean(alt, ids),
                )
            if offerings is not None:
                for j, o in enumerate(row.get("prohibited_offerings", [])):
                    if o not in offerings:
                        located_problem(
                            self.builder,
                            located,
                            ("methods", i, "prohibited_offerings", j),
                            f"unknown offering type '{o}'"
                            + (
                                did_you_mean(o, offerings)
                                or f" (options of offering_types: {', '.join(offerings)})"
                            ),
                        )
            limits = row.get("limits") or {}
            low, high = limits.get("min_usd"), limits.get("max_usd")
            if low is not None and high is not None and low > high:
                located_problem(
                    self.builder,
                    located,
                    ("methods", i, "limits"),
                    f"min_usd {low} is above max_usd {high}",
                )

    def check_markets(self, located: Located) -> None:
        rows = located.data.get("markets", [])
        seen: dict[str, int] = {}
        for i, row in enumerate(rows):
            c = row["country"]
            if not is_country(c):
                located_problem(
                    self.builder,
                    located,
                    ("markets", i, "country"),
                    f"unknown country code {c!r} (use ISO 3166-1 alpha-2, e.g. DE)",
                )
            if c in seen:
                first = located.pos(("markets", seen[c], "country"))[0]
                located_problem(
                    self.builder,
                    located,
                    ("markets", i, "country"),
                    f"duplicate market '{c}' (first defined at line {first})",
                )
            seen.setdefault(c, i)
            self.currencies(located, ("markets", i, "currency"), [row["currency"]])

    def check_market_methods(self, located: Located, methods: dict[str, Any]) -> None:
        """Every ranked method of the markets file is a method of the methods file."""
        ids = [r["id"] for r in methods.get("methods", [])]
        for i, row in enumerate(located.data.get("markets", [])):
            for key in ("consumer_methods", "business_methods"):
                for j, mid in enumerate(row.get(key, [])):
                    if mid != WALLETS and mid not in ids:
                        located_problem(
                            self.builder,
                            located,
                            ("markets", i, key, j),
                            f"unknown method '{mid}' (a method of payment_methods.yaml or "
                            f"'{WALLETS}')" + did_you_mean(mid, ids + [WALLETS]),
                        )

    def check_design(self, located: Located) -> None:
        """The readout package's checks of solution_design.yaml, each at its position."""
        from recommender.readout import design_problems

        for p in design_problems(located.data, list(self.products), schema=False):
            located_problem(self.builder, located, tuple(p.path), p.message)


def located_problem(builder: Any, located: Located, where: tuple[Any, ...], message: str) -> None:
    builder.problems.append(located.problem(where, message))
