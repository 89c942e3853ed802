"""Load and check rules/*.yaml: JSON Schema for shape, then semantic checks.

Every problem is a `Problem(path, line, col, message)` located through `recommender.yamlpos`;
`load_ruleset_text` raises `DefinitionError` with all of them, `check_ruleset_paths` returns
them and the `structure_problems` of the rulesets that load (derived-fact loops, facts read
but never derived); the `recommender rules check` command prints them.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jsonschema

from recommender.conditions.check import field_positions
from recommender.conditions.positions import position_in_source
from recommender.engine import cond as conditions
from recommender.engine.cond import ConditionSyntaxError, FieldSpec
from recommender.engine.data import COMPUTED_FACTS, TEMPLATE_FACTS, build_market_data
from recommender.engine.datafiles import DataLoader, computed_field_specs, is_data_text
from recommender.engine.model import (
    EFFECT_KINDS,
    Bundle,
    DerivedFact,
    Effect,
    NamedCondition,
    Param,
    Product,
    Risk,
    Rule,
    Ruleset,
    bundle_checksum,
)
from recommender.engine.params import load_formulas, load_named_conditions, load_params
from recommender.engine.parsed import dump, restore
from recommender.engine.tables import TableLoader
from recommender.engine.templates import template_problems
from recommender.errors import DefinitionError, Problem
from recommender.schemacheck import certainly_valid_check
from recommender.schemawords import schema_problems
from recommender.suggest import did_you_mean
from recommender.yamlpos import Located, YamlError, load_yaml

if TYPE_CHECKING:
    from recommender.questionnaire import Questionnaire

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "rules" / "ruleset.schema.json"
_EFFECT_TARGET = {"recommend": "product", "flag": "risk", "derive": "fact", "exclude": "product"}


@lru_cache(maxsize=1)
def _validator() -> jsonschema.protocols.Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def load_ruleset(path: str | Path, questionnaire: Questionnaire | None = None) -> Ruleset:
    """Load and check one ruleset file (and the data files it names); raises DefinitionError."""
    text = Path(path).read_text(encoding="utf-8")
    return load_ruleset_text(text, str(path), questionnaire)


def load_ruleset_text(
    text: str,
    path: str = "<string>",
    questionnaire: Questionnaire | None = None,
    data_files: Mapping[str, str] | None = None,
    *,
    checked: bool = False,
    stored: str | None = None,
) -> Ruleset:
    """Parse, validate and check a ruleset; answer ids are checked when a questionnaire is given.

    `data_files` maps the file names under the ruleset's `data:` to their YAML text (a stored
    ruleset version keeps them); when None they are read beside `path`.

    `checked=True` says these texts passed every check already (a published version whose
    `check_marker` is stored): the ruleset is built without the schema validation, the
    condition, template and data-file checks and the did-you-mean work, into the same
    Ruleset. Should it meet a problem anyway (or fail in any way), it is loaded again with
    every check, so the problems are reported exactly as without `checked`.

    `stored` (with `checked=True`): the version's `stored_form`, its parsed data as JSON, used
    instead of parsing the YAML when it was made for these texts and this check marker.
    """
    if checked:
        try:
            parsed = None
            if stored is not None and data_files is not None:
                checksum = bundle_checksum(text, data_files)
                parsed = restore(stored, path, checksum, check_marker(checksum))
            ruleset, problems = _load(
                text, path, questionnaire, data_files, trusted=True, parsed=parsed
            )
        except Exception:  # noqa: BLE001 - the checked load below reports what is wrong
            ruleset, problems = None, []
        if ruleset is not None and not problems:
            return ruleset
    ruleset, problems = _load(text, path, questionnaire, data_files)
    if problems or ruleset is None:
        raise DefinitionError(problems)
    return ruleset


#: Raise when the checks change in a way that should make published versions be checked
#: again (the schemas are part of the marker already).
CHECKS_REVISION = "1"


@lru_cache(maxsize=1)
def _checks_fingerprint() -> str:
    digest = hashlib.sha256(CHECKS_REVISION.encode())
    for path in sorted(SCHEMA_PATH.parent.glob("*.schema.json")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def check_marker(bundle_checksum: str) -> str:
    """What a published version stores once its texts (of this checksum) passed the checks:
    tied to the schemas and CHECKS_REVISION, so a change of the checks makes every published
    version be checked again (once per worker, as before)."""
    return hashlib.sha256(f"{bundle_checksum}:{_checks_fingerprint()}".encode()).hexdigest()


def stored_form(text: str, path: str, data_files: Mapping[str, str]) -> str | None:
    """The parsed data of a checked ruleset version as JSON (engine/parsed.py), for
    `load_ruleset_text(..., checked=True, stored=...)`; None when it cannot be stored exactly.

    Made only when the ruleset it builds is equal to the one built from the YAML (remembered
    for the last few checksums: an import of unchanged files makes it once per process)."""
    checksum = bundle_checksum(text, data_files)
    key = (checksum, check_marker(checksum))
    if key in _STORED:
        return _STORED[key]
    try:
        located = load_yaml(text, path)
        files: dict[str, Any] = {}
        for name, file_text in data_files.items():
            files[name] = load_yaml(file_text, name, positions=False).data
        form = dump(located, files, *key)
        if form is not None:
            from_yaml, problems = _load(text, path, None, data_files, trusted=True)
            parsed = restore(form, path, *key)
            from_json, more = _load(text, path, None, data_files, trusted=True, parsed=parsed)
            if problems or more or from_yaml is None or from_json != from_yaml:
                form = None
    except Exception:  # noqa: BLE001 - nothing stored: workers parse the YAML
        form = None
    if len(_STORED) >= 4:
        _STORED.pop(next(iter(_STORED)))
    _STORED[key] = form
    return form


_STORED: dict[tuple[str, str], str | None] = {}


def questionnaire_id_of(text: str, path: str = "<string>") -> str | None:
    """The `questionnaire:` id of a ruleset text, or None when it cannot be read."""
    try:
        data = load_yaml(text, path).data
    except YamlError:
        return None
    value = data.get("questionnaire") if isinstance(data, dict) else None
    return value if isinstance(value, str) else None


def check_ruleset_paths(
    paths: Iterable[str | Path], questionnaires: Mapping[str, Questionnaire] | None = None
) -> list[Problem]:
    """Every problem in the given ruleset files. Each ruleset is checked against the
    questionnaire named by its `questionnaire:` (when `questionnaires` is given)."""
    problems: list[Problem] = []
    for p in paths:
        path = str(p)
        try:
            text = Path(p).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(Problem(path, 1, 1, f"cannot read file: {exc}"))
            continue
        if is_data_text(text):  # checked with the ruleset that names it
            continue
        questionnaire = None
        if questionnaires is not None:
            qid = questionnaire_id_of(text, path)
            if qid is not None:
                questionnaire = questionnaires.get(qid)
                if questionnaire is None:
                    located = load_yaml(text, path)
                    problems.append(
                        located.problem(
                            ("questionnaire",),
                            f"unknown questionnaire '{qid}'" + did_you_mean(qid, questionnaires),
                        )
                    )
        ruleset, found = _load(text, path, questionnaire)
        problems.extend(found)
        if ruleset is not None:
            problems.extend(structure_problems(ruleset))
    return sorted(set(problems))


def structure_problems(ruleset: Ruleset) -> list[Problem]:
    """Problems of how a loaded ruleset's rules fit together, reported by `rules check` and the
    workbench (a ruleset with them still loads; the engine stops a chain that never settles):

    - a derived fact that rules read but no rule derives (the conditions reading it never
      hold as meant);
    - derived facts that depend on themselves through rules (`when: not flip` deriving
      `flip`, or a longer cycle), at the rule that closes the loop.
    """
    try:
        located = load_yaml(ruleset.source, ruleset.path)
    except YamlError:
        return []
    derived = set(ruleset.derived)
    derivers: dict[str, list[Rule]] = {}
    for rule in ruleset.rules:
        for effect in rule.effects:
            if effect.kind == "derive":
                derivers.setdefault(effect.target, []).append(rule)
    problems: list[Problem] = []

    def at(rule: Rule, name: str, message: str) -> None:
        # Positions in the rule's own text (a field read through a named condition: its start).
        try:
            own = field_positions(conditions.parse(rule.source_when))
        except ConditionSyntaxError:
            own = {}
        line, col = own.get(name, (1, 1))
        fline, fcol = condition_position(
            located, ruleset.source, ("rules", rule.index, "when"), line, col
        )
        problems.append(Problem(ruleset.path, fline, fcol, message))

    computed = set(ruleset.computed)
    for rule in ruleset.rules:
        for name in sorted(rule.fields & derived):
            if name not in derivers and name not in computed:
                hint = did_you_mean(name, derivers)
                at(
                    rule,
                    name,
                    f"rule '{rule.id}' reads the derived fact '{name}', but no rule derives it "
                    f"and no question asks it{hint}: add a rule with `derive: [{{fact: {name}, "
                    "value: ...}]` or read another fact",
                )
    # Fact -> (fact it is derived from, the rule that does it): edges of the dependency graph.
    feeds: dict[str, list[tuple[str, Rule]]] = {}
    for fact, rules in derivers.items():
        for rule in rules:
            for source in sorted(rule.fields & derived):
                feeds.setdefault(fact, []).append((source, rule))
    reported: set[frozenset[str]] = set()
    for start in sorted(feeds):
        for cycle in _cycles_from(start, feeds):
            key = frozenset(source for source, _ in cycle)
            if key in reported:
                continue
            reported.add(key)
            # Step k: rule k derives targets[k] from the fact it reads, sources[k].
            targets = [start] + [source for source, _ in cycle[:-1]]
            first = min(range(len(cycle)), key=lambda k: cycle[k][1].index)
            order = list(range(first, len(cycle))) + list(range(first))
            source, rule = cycle[first]
            if len(cycle) == 1:
                message = (
                    f"rule '{rule.id}' reads '{source}' and derives '{source}' itself: a "
                    "derived fact cannot depend on its own value (read the answers it comes "
                    "from instead)"
                )
            else:
                steps = "; ".join(
                    f"rule '{cycle[k][1].id}' derives '{targets[k]}' from '{cycle[k][0]}'"
                    for k in order
                )
                message = (
                    f"derived facts depend on each other in a loop ({steps}): a derived fact "
                    "cannot depend on its own value; read the answers they come from instead"
                )
            at(rule, source, message)
    return sorted(set(problems))


def _cycles_from(
    start: str, feeds: Mapping[str, list[tuple[str, Rule]]]
) -> list[list[tuple[str, Rule]]]:
    """Loops through `start`, depth-first: each a list of (source, rule) steps where the first
    rule derives `start` from its source, the next derives that source, and so on, the last
    step's source being `start` again."""
    out: list[list[tuple[str, Rule]]] = []

    def visit(fact: str, path: list[tuple[str, Rule]], seen: set[str]) -> None:
        for source, rule in feeds.get(fact, []):
            step = path + [(source, rule)]
            if source == start:
                out.append(step)
            elif source not in seen and len(out) < 20:
                visit(source, step, seen | {source})

    visit(start, [], {start})
    return out


def data_file_names(text: str, path: str = "<string>") -> dict[str, str]:
    """The `data:` section of a ruleset text (kind -> file name), {} when it cannot be read."""
    try:
        data = load_yaml(text, path).data
    except YamlError:
        return {}
    section = data.get("data") if isinstance(data, dict) else None
    if not isinstance(section, dict):
        return {}
    return {str(k): v for k, v in section.items() if isinstance(v, str)}


def read_data_files(text: str, path: str | Path) -> dict[str, str]:
    """The texts of the data files a ruleset file names, read from beside it (missing files
    are left out; the loader reports them)."""
    return _read_beside(data_file_names(text, str(path)), path)


def _read_beside(section: Any, path: str | Path) -> dict[str, str]:
    out: dict[str, str] = {}
    base = Path(path).parent
    names = section.values() if isinstance(section, dict) else ()
    for name in (n for n in names if isinstance(n, str)):
        try:
            out[name] = (base / name).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
    return out


def condition_position(
    located: Located, source: str, where: tuple[Any, ...], line: int, col: int
) -> tuple[int, int]:
    """File position of (line, col) within the condition string at `where` (handles plain,
    quoted and block scalars through conditions' position_in_source)."""
    vline, vcol = located.pos(where)
    return position_in_source(source, vline, vcol, line, col)


def _load(
    text: str,
    path: str,
    questionnaire: Questionnaire | None,
    data_files: Mapping[str, str] | None = None,
    *,
    trusted: bool = False,
    parsed: tuple[Located, dict[str, Any]] | None = None,
) -> tuple[Ruleset | None, list[Problem]]:
    if parsed is not None and trusted and data_files is not None:
        located, files = parsed
        builder = _Builder(located, text, questionnaire, data_files, trusted=True)
        builder.parsed_files = files
        return builder.build()
    try:
        located = load_yaml(text, path)
    except YamlError as exc:
        return None, [exc.problem]
    data = located.data
    if not isinstance(data, dict):
        return None, [
            Problem(
                path,
                1,
                1,
                "a ruleset file is made of 'key: value' lines, starting with name:, version:, "
                "questionnaire: and rules:",
            )
        ]
    fast = None if trusted else certainly_valid_check(str(SCHEMA_PATH))
    # When the fast check is unsure, jsonschema words the problems (or finds none).
    if not trusted and (fast is None or not fast(data)):
        errors = sorted(
            _validator().iter_errors(data),
            key=lambda e: (located.pos(e.absolute_path), e.message),
        )
        if errors:
            return None, schema_problems(located, errors)
    if data_files is None:
        data_files = _read_beside(data.get("data"), path) if Path(path).is_file() else {}
    return _Builder(located, text, questionnaire, data_files, trusted=trusted).build()


class _Builder:
    """Turns schema-valid data into a Ruleset, collecting every semantic problem."""

    def __init__(
        self,
        located: Located,
        text: str,
        questionnaire: Questionnaire | None,
        data_files: Mapping[str, str],
        *,
        trusted: bool = False,
    ) -> None:
        #: The texts passed every check before: build, do not check (see load_ruleset_text).
        self.trusted = trusted
        #: Data file name -> its parsed data, stored with a checked version (engine/parsed.py).
        self.parsed_files: Mapping[str, Any] = {}
        self.located = located
        self.data: dict[str, Any] = located.data
        self.text = text
        self.questionnaire = questionnaire
        self.data_files = data_files
        self.problems: list[Problem] = []
        # Parameters and named conditions (engine/params.py): every condition is bound to them.
        self.params: dict[str, Param] = {}
        self.param_values: dict[str, Any] = {}
        self.param_names: frozenset[str] = frozenset()
        self.named_names: frozenset[str] = frozenset()
        self.named: dict[str, NamedCondition] = {}

    def problem(self, where: tuple[Any, ...], message: str) -> None:
        self.problems.append(self.located.problem(where, message))

    def unique(self, section: str) -> list[str]:
        seen: dict[str, int] = {}
        ids = []
        for i, item in enumerate(self.data.get(section, [])):
            if item["id"] in seen:
                first = self.located.pos((section, seen[item["id"]], "id"))[0]
                self.problem(
                    (section, i, "id"),
                    f"duplicate {section[:-1]} id '{item['id']}' (the first is on line "
                    f"{first}): give this one another id",
                )
            seen.setdefault(item["id"], i)
            ids.append(item["id"])
        return ids

    def build(self) -> tuple[Ruleset | None, list[Problem]]:
        d = self.data
        self.unique("products")
        self.unique("risks")
        self.unique("bundles")
        self.unique("rules")
        products: dict[str, Product] = {}
        for p in d.get("products", []):
            products.setdefault(p["id"], _product(p))
        risks: dict[str, Risk] = {}
        for r in d.get("risks", []):
            risks.setdefault(r["id"], _risk(r))
        sets = {name: tuple(values) for name, values in d.get("sets", {}).items()}
        derived = self.derived_facts()
        bundles = self.bundles(products)
        tables = DataLoader(self, sets, products)
        docs, texts = tables.load()
        market_data = None
        if "payment_methods" in docs or "markets" in docs:
            market_data = build_market_data(
                docs.get("payment_methods"),
                docs.get("markets"),
                sets,
                {pid: p.name for pid, p in products.items()},
            )
        for name in derived:
            if market_data is not None and name in COMPUTED_FACTS:
                self.problem(
                    ("derived", name),
                    f"derived fact '{name}' has the name of a fact computed from the data",
                )
        self.market_data = market_data
        # Declared tables that did not load: their facts stay known names, unchecked options
        # (the data file's own problems are reported; no knock-on errors in the rules).
        self.tables_failed = any(
            kind in (d.get("data") or {}) and kind not in docs
            for kind in ("payment_methods", "markets")
        )
        fields = self.fields(derived)
        taken = self.names_taken(derived, fields)
        self.params = load_params(self, taken)
        self.param_values = {pid: p.value for pid, p in self.params.items() if p.valid}
        self.param_names = frozenset(self.params)
        self.named = load_named_conditions(self, fields, sets, derived, taken)
        load_formulas(self, fields, sets, derived)
        rules = [
            self.rule(i, r, fields, sets, derived, products, risks)
            for i, r in enumerate(d["rules"])
        ]
        # Decision tables: each row becomes a rule after the file's own (engine/tables.py).
        table_rules, decision_tables = TableLoader(
            self, fields, sets, derived, products, risks
        ).load(d.get("tables", []), len(rules))
        if self.problems:
            return None, sorted(set(self.problems))
        ruleset = Ruleset(
            name=d["name"],
            version=d["version"],
            questionnaire=d["questionnaire"],
            title=d.get("title", ""),
            description=d.get("description", ""),
            rules=[r for r in rules if r is not None] + table_rules,
            tables=decision_tables,
            sets=sets,
            derived=derived,
            products=products,
            bundles=bundles,
            risks=risks,
            source=self.text,
            path=self.located.path,
            data=docs,
            data_files=texts,
            market_data=market_data,
            params=self.params,
            conditions=self.named,
        )
        return ruleset, []

    def names_taken(
        self, derived: Mapping[str, DerivedFact], fields: Mapping[str, FieldSpec] | None
    ) -> dict[str, str]:
        """Answer and fact ids (id -> what it is), which parameters and named conditions may
        not reuse."""
        taken = {name: f"the derived fact '{name}'" for name in derived}
        for name in fields or {}:
            taken.setdefault(name, f"the answer '{name}'")
        return taken

    def derived_facts(self) -> dict[str, DerivedFact]:
        out: dict[str, DerivedFact] = {}
        specs = self.questionnaire.field_specs() if self.questionnaire is not None else {}
        for name, spec in self.data.get("derived", {}).items():
            if name in specs:
                self.problem(("derived", name), f"derived fact '{name}' has the id of a question")
            if spec["type"] == "single" and not spec.get("options"):
                self.problem(
                    ("derived", name), f"derived fact '{name}' of type single needs options"
                )
            options = tuple(spec["options"]) if spec.get("options") else None
            out[name] = DerivedFact(name, spec["type"], options, spec.get("label", ""))
        return out

    def bundles(self, products: Mapping[str, Product]) -> list[Bundle]:
        out = []
        for i, b in enumerate(self.data.get("bundles", [])):
            for key in ("core", "products"):
                for j, pid in enumerate(b[key]):
                    if pid not in products:
                        self.problem(
                            ("bundles", i, key, j),
                            f"unknown product '{pid}'" + _catalogue_hint(pid, products),
                        )
            out.append(
                Bundle(
                    b["id"],
                    b["title"],
                    tuple(b["core"]),
                    tuple(b["products"]),
                    b.get("description", ""),
                )
            )
        return out

    def fields(self, derived: Mapping[str, DerivedFact]) -> dict[str, FieldSpec] | None:
        """Field specs for condition checks; None when there is no questionnaire to check with."""
        if self.questionnaire is None:
            return None
        fields = dict(self.questionnaire.field_specs())
        for name, fact in derived.items():
            fields[name] = FieldSpec("derived", options=fact.options, label=fact.label or name)
        fields.update(computed_field_specs(self.market_data, self.tables_failed))
        return fields

    def checked_condition(
        self,
        where: tuple[Any, ...],
        when: str,
        fields: Mapping[str, FieldSpec] | None,
        sets: Mapping[str, tuple[Any, ...]],
        derived: Mapping[str, DerivedFact],
    ) -> Any:
        """The condition at `where` parsed, its parameters bound and checked (named
        conditions still by name); None when it does not parse."""
        try:
            node = conditions.parse(when)
        except ConditionSyntaxError as exc:
            self.at_condition(where, exc.line, exc.col, exc.message)
            return None
        node = conditions.bind_params(node, self.param_values)
        if self.trusted:
            return node
        if fields is None:
            # Without a questionnaire only sets and derived facts can be checked.
            fields = {
                name: FieldSpec("derived")
                for name in conditions.referenced_fields(node)
                if name not in self.named_names
            }
            for name, fact in derived.items():
                fields[name] = FieldSpec("derived", options=fact.options)
            fields.update(computed_field_specs(self.market_data, self.tables_failed))
        found = conditions.check(
            node,
            fields,
            sets,
            sets_hint=_SETS_HINT,
            params=self.param_names,
            conditions=self.named_names,
        )
        for p in found:
            self.at_condition(where, p.line, p.col, p.message)
        return node

    def condition(
        self,
        where: tuple[Any, ...],
        when: str,
        fields: Mapping[str, FieldSpec] | None,
        sets: Mapping[str, tuple[Any, ...]],
        derived: Mapping[str, DerivedFact],
    ) -> Any:
        """The condition at `where`, checked, with its parameters bound and named conditions
        expanded (what the engine evaluates); None when it does not parse."""
        problems = len(self.problems)
        node = self.checked_condition(where, when, fields, sets, derived)
        if node is None or len(self.problems) > problems:
            return node
        node = conditions.expand(node, {n: c.condition for n, c in self.named.items()})
        if self.trusted:
            return node
        reason = conditions.unsatisfiable(node, fields)
        if reason:
            self.at_condition(where, 1, 1, f"this condition can never hold: {reason}")
        return node

    def at_condition(self, where: tuple[Any, ...], line: int, col: int, message: str) -> None:
        fline, fcol = condition_position(self.located, self.text, where, line, col)
        self.problems.append(Problem(self.located.path, fline, fcol, message))

    def template(self, where: tuple[Any, ...], text: str, known: set[str] | None) -> None:
        if self.trusted:
            return
        for message, line in template_problems(text, known, dict.fromkeys(self.param_names)):
            unknown = _UNKNOWN_TEMPLATE_NAME.match(message)
            if unknown is not None and known is not None:
                message += did_you_mean(unknown.group(1), known)
            message = template_words(message)
            vline, vcol = self.located.pos(where)
            self.problems.append(
                Problem(self.located.path, vline + line - 1, vcol if line == 1 else 1, message)
            )

    def rule(
        self,
        index: int,
        r: dict[str, Any],
        fields: Mapping[str, FieldSpec] | None,
        sets: Mapping[str, tuple[Any, ...]],
        derived: Mapping[str, DerivedFact],
        products: Mapping[str, Product],
        risks: Mapping[str, Risk],
    ) -> Rule | None:
        base = ("rules", index)
        node = self.condition(base + ("when",), r["when"], fields, sets, derived)
        known = None if fields is None else set(fields) | set(TEMPLATE_FACTS)
        effects: list[Effect] = []
        for kind in EFFECT_KINDS:
            for j, e in enumerate(r.get(kind, [])):
                where = base + (kind, j)
                target = e[_EFFECT_TARGET[kind]]
                if kind in ("recommend", "exclude") and target not in products:
                    self.problem(
                        where + ("product",),
                        f"unknown product '{target}'" + _catalogue_hint(target, products),
                    )
                elif kind == "flag" and target not in risks:
                    self.problem(
                        where + ("risk",),
                        f"unknown risk '{target}'" + _catalogue_hint(target, risks, "risks"),
                    )
                elif kind == "derive":
                    self.derive_value(where, target, e["value"], derived)
                if "because" in e:
                    self.template(where + ("because",), e["because"], known)
                effects.append(
                    Effect(kind, target, e.get("because", ""), e.get("severity"), e.get("value"))
                )
        if node is None:
            return None
        when, written = r["when"], ""
        if self.named and self.uses_named(r["when"]):
            when, written = str(node), r["when"]
        return Rule(
            id=r["id"],
            index=index,
            when=when,
            written=written,
            condition=node,
            effects=tuple(effects),
            priority=r.get("priority", 0),
            description=r.get("description", ""),
            fields=frozenset(conditions.referenced_fields(node)),
        )

    def uses_named(self, when: str) -> bool:
        """Whether a condition text uses a named condition."""
        try:
            return bool(conditions.named_uses(conditions.parse(when), self.named))
        except ConditionSyntaxError:
            return False

    def derive_value(
        self, where: tuple[Any, ...], fact: str, value: Any, derived: Mapping[str, DerivedFact]
    ) -> None:
        spec = derived.get(fact)
        if spec is None:
            hint = did_you_mean(fact, derived)
            self.problem(
                where + ("fact",),
                f"unknown derived fact '{fact}'{hint}: declare it under `derived:` (with its "
                "type) before a rule derives it",
            )
            return
        if spec.formula is not None or "value" in self.data.get("derived", {}).get(fact, {}):
            self.problem(
                where + ("fact",),
                f"derived fact '{fact}' is calculated from its `value:` under `derived:`, so no "
                "rule derives it: read it in conditions instead",
            )
            return
        ok = {
            "single": isinstance(value, str) and (spec.options is None or value in spec.options),
            "boolean": isinstance(value, bool),
            "integer": isinstance(value, int) and not isinstance(value, bool),
            "money": isinstance(value, int | float) and not isinstance(value, bool),
            "number": isinstance(value, int | float) and not isinstance(value, bool),
        }[spec.type]
        if not ok:
            if spec.type == "single" and spec.options:
                allowed = ", ".join(spec.options)
                message = (
                    f"'{value}' is not an option of derived fact '{fact}' (options: {allowed})"
                )
            else:
                kind = _VALUE_WORDS.get(spec.type, spec.type)
                message = f"derived fact '{fact}' takes {kind}: {value!r} does not fit"
            self.problem(where + ("value",), message)


_VALUE_WORDS = {
    "boolean": "true or false",
    "integer": "a whole number",
    "money": "an amount (a number, no currency sign)",
    "number": "a number",
}
_SETS_HINT = (
    "declare it under `sets:` at the top of the ruleset (e.g. `eea: [AT, BE, DE]`) or use one "
    "of the sets there"
)
_UNKNOWN_TEMPLATE_NAME = re.compile(r"template names unknown answer '([^']+)'$")


_TEMPLATE_TAGS = ("if", "elif", "else", "endif", "for", "endfor", "set")
_TEMPLATE_WORDS: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
    (
        re.compile(r"unexpected end of template, expected 'end of print statement'"),
        lambda m: "a '{{' is not closed: add '}}' after the name",
    ),
    (
        re.compile(r"expected token 'end of print statement', got '([^']*)'"),
        lambda m: (
            f"'{m.group(1)}' cannot follow the name inside {{{{ }}}}: one name (with "
            "'| filter' after it) goes between '{{' and '}}'"
        ),
    ),
    (
        re.compile(r"unexpected end of template, expected 'end of statement block'"),
        lambda m: "a '{%' is not closed: add '%}'",
    ),
    (
        re.compile(
            r"Unexpected end of template\. Jinja was looking for the following tags: .*"
            r"The innermost block that needs to be closed is '(\w+)'"
        ),
        lambda m: f"the '{{% {m.group(1)} %}}' is never closed: add '{{% end{m.group(1)} %}}'",
    ),
    (
        re.compile(
            r"Encountered unknown tag '(\w+)'\. Jinja was looking for the following tags: .*"
            r"The innermost block that needs to be closed is '(\w+)'"
        ),
        lambda m: (
            f"'{{% {m.group(1)} %}}' does not close the open '{{% {m.group(2)} %}}': write "
            f"'{{% end{m.group(2)} %}}'"
        ),
    ),
    (
        re.compile(r"Encountered unknown tag '(\w+)'\.?"),
        lambda m: (
            f"unknown tag '{{% {m.group(1)} %}}'"
            + (did_you_mean(m.group(1), _TEMPLATE_TAGS) or " (tags: if, elif, else, endif, set)")
        ),
    ),
    (
        re.compile(r"unexpected char (['\"])(.)\1 at \d+"),
        lambda m: (
            f"a quote ({m.group(2)}) inside {{{{ }}}} or {{% %}} is not closed"
            if m.group(2) in "'\""
            else f"'{m.group(2)}' cannot be used inside {{{{ }}}} or {{% %}}"
        ),
    ),
    (
        re.compile(r"unexpected end of template"),
        lambda m: "a '{{' or '{%' is not closed: end it with '}}' or '%}'",
    ),
    (
        re.compile(r"unexpected '\}'"),
        lambda m: "a '}' does not close anything: write '}}' to close a '{{'",
    ),
]
_UNKNOWN_FILTER = re.compile(r"template uses an unknown filter '([^']+)'$")


def template_words(message: str) -> str:
    """A `because:` template problem in the author's words (Jinja's own wording otherwise)."""
    prefix = "template syntax error: "
    if message.startswith(prefix):
        detail = message[len(prefix) :]
        for pattern, words in _TEMPLATE_WORDS:
            found = pattern.search(detail)
            if found is not None:
                return f"{prefix}{words(found)}"
    unknown = _UNKNOWN_FILTER.match(message)
    if unknown is not None:
        filters = ("money", "number", "percent", "country", "countries", "list", "option", "within")
        return message + (
            did_you_mean(unknown.group(1), filters) or f" (filters: {', '.join(filters)})"
        )
    return message


def _catalogue_hint(value: str, known: Mapping[str, Any], section: str = "products") -> str:
    """Did-you-mean for an unknown product or risk id (compared with the names too:
    `stripe_sigma` or `Stripe Sigma` finds `sigma`), else where the ids are declared."""
    names = {
        key: str(getattr(item, "name", None) or getattr(item, "title", None) or "")
        for key, item in known.items()
    }
    return did_you_mean(value, known, names=names) or f" (declare it under `{section}:` first)"


def _product(p: dict[str, Any]) -> Product:
    return Product(p["id"], p["name"], p["family"], p.get("description", ""), p.get("docs", ""))


def _risk(r: dict[str, Any]) -> Risk:
    return Risk(r["id"], r["title"], r["severity"], r["mitigation"], r.get("description", ""))


def load_questionnaires(forms_dir: str | Path) -> dict[str, Questionnaire]:
    """Questionnaires in a forms/ directory by id (files that fail to load are skipped:
    `recommender forms check` reports them)."""
    from recommender.questionnaire import load_questionnaire

    out: dict[str, Questionnaire] = {}
    for path in sorted(Path(forms_dir).glob("*.yaml")):
        try:
            q = load_questionnaire(path)
        except DefinitionError:
            continue
        out.setdefault(q.id, q)
    return out


def find_questionnaire(forms_dir: str | Path, questionnaire_id: str) -> Questionnaire | None:
    """`forms/<id>.yaml`, else any forms/*.yaml whose id matches."""
    from recommender.questionnaire import load_questionnaire

    direct = Path(forms_dir) / f"{questionnaire_id}.yaml"
    if direct.is_file():
        try:
            q = load_questionnaire(direct)
            if q.id == questionnaire_id:
                return q
        except DefinitionError:
            pass
    return load_questionnaires(forms_dir).get(questionnaire_id)
