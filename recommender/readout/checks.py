"""Checks of rules/solution_design.yaml: the JSON Schema for shape, then semantic checks
(unknown or missing product ids, unknown groups/phases/tasks/systems/steps, bad conditions,
ranges whose low end is above the high end, dependency cycles)."""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import jsonschema

from recommender.conditions import ConditionError, parse
from recommender.conditions.ast import Compare, Contains, Field, In, ListLiteral, Literal, Node
from recommender.conditions.evaluate import walk
from recommender.readout.data import SCHEMA_PATH

Path = tuple[Any, ...]


@dataclass(frozen=True)
class DesignProblem:
    """A problem at `path` (keys and list indexes into the data, as jsonschema's)."""

    path: Path
    message: str

    def __str__(self) -> str:
        where = "/".join(str(p) for p in self.path)
        return f"{where}: {self.message}" if where else self.message


@lru_cache(maxsize=1)
def validator() -> jsonschema.protocols.Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def schema_problems(data: Any) -> list[DesignProblem]:
    errors = sorted(validator().iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
    return [DesignProblem(tuple(e.absolute_path), e.message) for e in errors]


def design_problems(
    data: Any, product_ids: Iterable[str] | None = None, *, schema: bool = True
) -> list[DesignProblem]:
    """Every problem of a parsed design file; product ids are checked when `product_ids`
    (the ruleset's catalogue) is given. `schema=False` skips the JSON Schema (for a caller
    that has validated it already; the semantic checks assume a schema-valid file)."""
    problems = schema_problems(data) if schema else []
    if problems:
        return problems
    return Checker(data, None if product_ids is None else set(product_ids)).run()


def check_design(data: Any, product_ids: Iterable[str] | None, *, schema: bool = True) -> list[str]:
    """Problem messages (`path: message`) for the ruleset loader."""
    return [str(p) for p in design_problems(data, product_ids, schema=schema)]


def _did_you_mean(value: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(value, sorted(known), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _walk(value: Any, path: Path = ()) -> Iterator[tuple[Path, Any]]:
    yield path, value
    if isinstance(value, Mapping):
        for k, v in value.items():
            yield from _walk(v, path + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _walk(v, path + (i,))


class Checker:
    def __init__(self, data: Mapping[str, Any], catalogue: set[str] | None) -> None:
        self.data = data
        self.catalogue = catalogue
        self.problems: list[DesignProblem] = []
        self.product_ids = [p["id"] for p in data["products"]]
        self.task_ids = [t["id"] for t in data.get("tasks", [])]
        self.system_ids = [s["id"] for s in data["systems"]]

    def add(self, path: Path, message: str) -> None:
        self.problems.append(DesignProblem(path, message))

    def run(self) -> list[DesignProblem]:
        self.unique_ids()
        self.products()
        self.references()
        self.flows_and_steps()
        self.ranges()
        self.conditions()
        self.cycles()
        return self.problems

    # -- helpers ------------------------------------------------------------------------------
    def known_products(self) -> set[str]:
        return self.catalogue if self.catalogue is not None else set(self.product_ids)

    def product(self, path: Path, pid: str) -> None:
        known = self.known_products()
        if pid not in known:
            self.add(path, f"unknown product '{pid}'" + _did_you_mean(pid, known))

    def one_of(self, path: Path, value: str, known: Iterable[str], what: str) -> None:
        known = list(known)
        if value not in known:
            self.add(path, f"unknown {what} '{value}'" + _did_you_mean(value, known))

    # -- checks -------------------------------------------------------------------------------
    def unique_ids(self) -> None:
        sections = {
            "phases": "id",
            "groups": "id",
            "products": "id",
            "tasks": "id",
            "ordering": "id",
            "effort_overrides": "id",
            "phase_overrides": "id",
            "surfaces": "channel",
            "systems": "id",
            "kpis": "id",
        }
        for section, key in sections.items():
            seen: dict[str, int] = {}
            for i, row in enumerate(self.data.get(section, [])):
                value = row[key]
                if value in seen:
                    self.add(
                        (section, i, key), f"duplicate {key} '{value}' (also entry {seen[value]})"
                    )
                seen.setdefault(value, i)
        steps: dict[str, int] = {}
        for i, step in enumerate(self.data["migration"]["steps"]):
            if step["id"] in steps:
                self.add(("migration", "steps", i, "id"), f"duplicate step id '{step['id']}'")
            steps.setdefault(step["id"], i)
        products = set(self.product_ids)
        for section, ids in (("tasks", self.task_ids), ("systems", self.system_ids)):
            for i, value in enumerate(ids):
                if value in products:
                    self.add((section, i, "id"), f"'{value}' is a product id; use another id")

    def products(self) -> None:
        phases = [p["id"] for p in self.data["phases"]]
        groups = [g["id"] for g in self.data["groups"]]
        for i, row in enumerate(self.data["products"]):
            self.product(("products", i, "id"), row["id"])
            self.one_of(("products", i, "phase"), row["phase"], phases, "phase")
            self.one_of(("products", i, "group"), row["group"], groups, "group")
            for j, dep in enumerate(row.get("depends_on", [])):
                if dep == row["id"]:
                    self.add(("products", i, "depends_on", j), f"'{dep}' depends on itself")
                else:
                    self.product(("products", i, "depends_on", j), dep)
        if self.catalogue is not None:
            for pid in sorted(self.catalogue - set(self.product_ids)):
                self.add(("products",), f"catalogue product '{pid}' has no entry here")
        fallback = self.data["fallback"]
        self.one_of(("fallback", "phase"), fallback["phase"], phases, "phase")
        self.one_of(("fallback", "group"), fallback["group"], groups, "group")

    def references(self) -> None:
        after_ids = self.known_products() | set(self.task_ids)
        for i, rule in enumerate(self.data.get("ordering", [])):
            for j, a in enumerate(rule["after"]):
                self.one_of(("ordering", i, "after", j), a, after_ids, "product or task")
            for j, t in enumerate(rule["then"]):
                self.product(("ordering", i, "then", j), t)
        for section in ("effort_overrides", "phase_overrides"):
            for i, override in enumerate(self.data.get(section, [])):
                for j, p in enumerate(override["products"]):
                    self.product((section, i, "products", j), p)
        phases = [p["id"] for p in self.data["phases"]]
        for i, override in enumerate(self.data.get("phase_overrides", [])):
            self.one_of(("phase_overrides", i, "phase"), override["phase"], phases, "phase")
        for i, spec in enumerate(self.data["surfaces"]):
            seen: set[str] = set()
            for j, choice in enumerate(spec["choices"]):
                self.product(("surfaces", i, "choices", j, "product"), choice["product"])
                if choice["product"] in seen:
                    self.add(("surfaces", i, "choices", j, "product"), "listed twice")
                seen.add(choice["product"])
        for i, kpi in enumerate(self.data["kpis"]):
            for j, p in enumerate(kpi["moved_by"]):
                self.product(("kpis", i, "moved_by", j), p)

    def flows_and_steps(self) -> None:
        ends = self.known_products() | set(self.system_ids)
        for i, flow in enumerate(self.data["flows"]):
            for key in ("from", "to"):
                self.one_of(("flows", i, key), flow[key], ends, "system or product")
        earlier: list[str] = []
        for i, step in enumerate(self.data["migration"]["steps"]):
            for j, a in enumerate(step.get("after", [])):
                if a not in earlier:
                    self.add(
                        ("migration", "steps", i, "after", j),
                        f"'{a}' is not a step defined above this one" + _did_you_mean(a, earlier),
                    )
            for j, p in enumerate(step.get("ends_with", [])):
                self.product(("migration", "steps", i, "ends_with", j), p)
            earlier.append(step["id"])

    def ranges(self) -> None:
        for path, value in _walk(self.data):
            is_pair = (
                isinstance(value, list)
                and len(value) == 2
                and all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
            )
            if is_pair and value[0] > value[1]:
                self.add(path, f"low end {value[0]} is above the high end {value[1]}")

    def conditions(self) -> None:
        for path, value in _walk(self.data):
            if not path or path[-1] != "when" or not isinstance(value, str):
                continue
            try:
                node = parse(value)
            except ConditionError as exc:
                self.add(path, f"condition: {exc}")
                continue
            for name in self.condition_products(node):
                self.product(path, name)

    @staticmethod
    def condition_products(node: Node) -> list[str]:
        """Product ids a condition names (`products contains x`, `surface_web == x`)."""
        out: list[str] = []
        for n in walk(node):
            if not isinstance(n, Compare | In | Contains) or not isinstance(n.subject, Field):
                continue
            name = n.subject.name
            if name != "products" and not name.startswith("surface_"):
                continue
            values = n.value if isinstance(n, Compare) else n.values
            items = values.items if isinstance(values, ListLiteral) else (values,)
            out += [str(v.value) for v in items if isinstance(v, Literal)]
        return out

    def cycles(self) -> None:
        edges: dict[str, set[str]] = {}
        for row in self.data["products"]:
            edges.setdefault(row["id"], set()).update(row.get("depends_on", []))
        for rule in self.data.get("ordering", []):
            for t in rule["then"]:
                edges.setdefault(t, set()).update(rule["after"])
        state: dict[str, int] = {}  # 1 visiting, 2 done

        def visit(node: str, trail: list[str]) -> list[str] | None:
            state[node] = 1
            for nxt in sorted(edges.get(node, ())):
                if state.get(nxt) == 1:
                    return trail + [node, nxt]
                if nxt not in state:
                    found = visit(nxt, trail + [node])
                    if found:
                        return found
            state[node] = 2
            return None

        for start in sorted(edges):
            if start not in state:
                found = visit(start, [])
                if found:
                    cycle = found[found.index(found[-1]) :]
                    self.add(("ordering",), "dependency cycle: " + " -> ".join(reversed(cycle)))
                    return
