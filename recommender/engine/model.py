"""The ruleset model: what a rules/*.yaml file says, after loading and checking."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from recommender.conditions.ast import Condition, Expr

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


PARAM_TYPES = ("money", "integer", "number", "percent", "boolean", "text", "option")
NUMBER_PARAM_TYPES = ("money", "integer", "number", "percent")


@dataclass(frozen=True)
class Param:
    """A tunable constant of the ruleset (`params:`), used in conditions as `$id` and in
    `because:` texts as `{{ params.id }}`; bound into the conditions when the ruleset loads."""

    id: str
    type: str  # one of PARAM_TYPES
    value: Any
    label: str = ""
    unit: str = ""
    description: str = ""
    min: float | None = None
    max: float | None = None
    options: tuple[str, ...] | None = None  # type option: the allowed values
    group: str = ""  # the heading comment above it in the file (the Parameters form's groups)
    valid: bool = True  # False when its value does not fit its type (then it is not bound)


@dataclass(frozen=True)
class NamedCondition:
    """A condition with a name (`conditions:`), used in rules like a yes/no answer."""

    id: str
    when: str
    condition: Condition  # parameters bound, other named conditions expanded
    description: str = ""


@dataclass(frozen=True)
class DerivedFact:
    """A fact that rules derive (`derive:`) and other rules use in conditions (chaining), or
    that a calculation computes from the answers before any rule fires (`value:`)."""

    name: str
    type: str  # single | boolean | integer | money | number
    options: tuple[str, ...] | None = None
    label: str = ""
    formula: Expr | None = None  # computed facts: the calculation (parameters bound)
    formula_text: str = ""


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
    # The condition as written, or written out when it uses named conditions (what "why
    # not" shows); `written` then keeps the author's text.
    when: str
    condition: Condition
    effects: tuple[Effect, ...]
    priority: int = 0
    description: str = ""
    fields: frozenset[str] = frozenset()  # answer ids / derived facts the condition reads
    written: str = ""  # the `when:` as in the file, when `when` is written out

    @property
    def source_when(self) -> str:
        """The `when:` as the author wrote it."""
        return self.written or self.when

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
    # Parameters (`params:`, bound into every condition) and named conditions (`conditions:`,
    # expanded into the rules that use them): recommender/engine/params.py.
    params: dict[str, Param] = field(default_factory=dict)
    conditions: dict[str, NamedCondition] = field(default_factory=dict)

    @property
    def param_values(self) -> dict[str, Any]:
        """Parameter id -> value (what `because:` texts see as `params`)."""
        return {pid: p.value for pid, p in self.params.items()}

    @property
    def computed(self) -> dict[str, DerivedFact]:
        """The derived facts a calculation computes (`value:`), in declaration order."""
        return {n: f for n, f in self.derived.items() if f.formula is not None}

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
