"""Reading rules/solution_design.yaml: loading, defaults for a product the file does not
describe, and `when:` conditions (the rules' condition language)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from recommender.conditions import Condition, ConditionError, evaluate, parse
from recommender.errors import DefinitionError
from recommender.yamlpos import YamlError, load_yaml

RULES_DIR = Path(__file__).resolve().parents[2] / "rules"
DESIGN_PATH = RULES_DIR / "solution_design.yaml"
SCHEMA_PATH = RULES_DIR / "solution_design.schema.json"
Weeks = tuple[float, float]


@lru_cache(maxsize=1024)
def parsed(condition: str) -> Condition | None:
    """The parsed condition, None when it does not parse (check_design reports it)."""
    try:
        return parse(condition)
    except ConditionError:
        return None


def holds(condition: str | None, facts: Mapping[str, Any]) -> bool:
    """True when `condition` is absent or holds for `facts`; a broken one never holds."""
    if condition is None:
        return True
    node = parsed(condition)
    return node is not None and evaluate(node, facts)


def load_design(path: str | Path | None = None, product_ids: Iterable[str] | None = None) -> dict:
    """Load and check a solution design file (default: rules/solution_design.yaml).

    Raises DefinitionError listing every problem as `path:line:col: message`."""
    from recommender.readout.checks import design_problems

    path = Path(path) if path is not None else DESIGN_PATH
    text = path.read_text(encoding="utf-8")
    try:
        located = load_yaml(text, str(path))
    except YamlError as exc:
        raise DefinitionError([exc.problem]) from None
    problems = design_problems(located.data, product_ids)
    if problems:
        raise DefinitionError([located.problem(p.path, p.message) for p in problems])
    return dict(located.data)


def shipped_design() -> Mapping[str, Any]:
    """rules/solution_design.yaml, loaded once per file version (read-only: do not change it)."""
    return _cached_design(str(DESIGN_PATH), DESIGN_PATH.stat().st_mtime_ns)


@lru_cache(maxsize=2)
def _cached_design(path: str, mtime_ns: int) -> Mapping[str, Any]:
    return load_design(path)


def weeks_of(pair: Any) -> Weeks:
    low, high = pair
    return float(low), float(high)


def pick(weeks: Weeks, plan_with: str) -> float:
    """The point of a [low, high] range the plan is dated with."""
    low, high = weeks
    return {"low": low, "mid": (low + high) / 2}.get(plan_with, high)


class Design:
    """Accessors over the parsed solution design (a plain dict)."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.data = data
        self.products: dict[str, Mapping[str, Any]] = {p["id"]: p for p in data["products"]}
        self.phases: list[Mapping[str, Any]] = list(data["phases"])
        self.phase_rank = {p["id"]: i for i, p in enumerate(self.phases)}
        self.groups: list[Mapping[str, Any]] = list(data["groups"])
        self.scheduling: Mapping[str, Any] = data["scheduling"]
        self.wording: Mapping[str, Any] = data["wording"]
        self.labels: Mapping[str, Mapping[str, str]] = data["labels"]
        self.tasks: dict[str, Mapping[str, Any]] = {t["id"]: t for t in data.get("tasks", [])}
        self.systems: dict[str, Mapping[str, Any]] = {s["id"]: s for s in data["systems"]}

    def entry(self, pid: str) -> Mapping[str, Any]:
        """The product's entry, or the fallback for a product the file does not describe."""
        found = self.products.get(pid)
        if found is not None:
            return found
        return {"id": pid, **self.data["fallback"]}

    def group(self, pid: str) -> str:
        return str(self.entry(pid)["group"])

    def phase_info(self, phase_id: str) -> Mapping[str, Any]:
        for p in self.phases:
            if p["id"] == phase_id:
                return p
        return {"id": phase_id, "title": phase_id.replace("_", " ").capitalize()}

    def label(self, kind: str, value: str) -> str:
        return self.labels.get(kind, {}).get(value, value.replace("_", " "))

    def owner(self, owner: str) -> str:
        return self.label("owners", owner)
