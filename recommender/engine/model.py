"""The ruleset model: what a rules/*.yaml file says, after loading and checking."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from recommender.conditions.ast import Condition

if TYPE_CHECKING:
    from recommender.engine.data import MarketData
    from recommender.engine.tables import Table

SEVERITIES = ("high", "medium", "low")
EFFECT_KINDS = ("recommend", "flag", "derive", "exclude")


@dataclass(frozen=True)
class Product:
    id: str
    name: str
    family: str
    description: str = ""
    docs: str = ""


@dataclass(frozen=True)
class Bundle:
    id: str
    title: str
    core: tuple[str, ...]
    products: tuple[str, ...]
    description: str = ""


@dataclass(frozen=True)
class Risk:
    id: str
    title: str
    severity: str
    mitigation: str
    description: str = ""


@dataclass(frozen=True)
class DerivedFact:
    """A fact that rules derive (`derive:`) and other rules use in conditions (chaining)."""

    name: str
    type: str  # single | boolean | integer | money
    options: tuple[str, ...] | None = None
    label: str = ""


@dataclass(frozen=True)
class Effect:
    """One effect of a rule: `target` is a product, risk or derived-fact id by `kind`."""

    kind: str
    target: str
    because: str = ""
    severity: str | None = None  # flag only: overrides the register's severity
    value: Any = None  # derive only


@dataclass(frozen=True)
class Rule:
    id: str
    index: int  # position in the file: ties and trace order
    when: str
    condition: Condition
    effects: tuple[Effect, ...]
    priority: int = 0
    description: str = ""
    fields: frozenset[str] = frozenset()  # answer ids / derived facts the condition reads

    def effects_of(self, kind: str) -> list[Effect]:
        return [e for e in self.effects if e.kind == kind]


@dataclass
class Ruleset:
    """A loaded, checked ruleset. `checksum` is the sha256 of the YAML source."""

    name: str
    version: int
    questionnaire: str
    rules: list[Rule]
    title: str = ""
    description: str = ""
    sets: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    derived: dict[str, DerivedFact] = field(default_factory=dict)
    products: dict[str, Product] = field(default_factory=dict)
    bundles: list[Bundle] = field(default_factory=list)
    risks: dict[str, Risk] = field(default_factory=dict)
    source: str = ""
    path: str = "<string>"
    # The data files named under `data:`: parsed (kind -> document) and as text (name -> YAML).
    data: dict[str, Any] = field(default_factory=dict)
    data_files: dict[str, str] = field(default_factory=dict)
    market_data: MarketData | None = None
    # Decision tables as written (`tables:`); their rows are also in `rules`, after the
    # file's own rules (recommender/engine/tables.py).
    tables: list[Table] = field(default_factory=list)

    @property
    def checksum(self) -> str:
        return bundle_checksum(self.source, self.data_files)

    @property
    def label(self) -> str:
        return f"{self.name} v{self.version}"


def checksum(source: str) -> str:
    """sha256 hex digest of a definition's source text."""
    return hashlib.sha256(source.encode("utf-8", "surrogatepass")).hexdigest()


def bundle_checksum(source: str, data_files: Mapping[str, str] | None = None) -> str:
    """The checksum of a ruleset source with its data files (the source's own checksum when
    there are none, so versions without data keep their checksums)."""
    if not data_files:
        return checksum(source)
    digest = hashlib.sha256(source.encode("utf-8", "surrogatepass"))
    for name in sorted(data_files):
        digest.update(b"\0" + name.encode("utf-8") + b"\0")
        digest.update(data_files[name].encode("utf-8", "surrogatepass"))
    return digest.hexdigest()
