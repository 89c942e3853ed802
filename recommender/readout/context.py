"""What every part of the readout reads: answers, the engine result, the design data, and the
facts `when:` conditions see (answers, derived facts, `products`, `risks`, `surface_<channel>`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Any

from recommender.readout.data import Design, holds
from recommender.readout.text import fill, join, show_value


@dataclass
class Context:
    answers: Mapping[str, Any]
    result: Mapping[str, Any]
    design: Design
    report_date: date
    questionnaire: Any = None
    company: str | None = None
    # Set by the design step: the products of the design and the surface of each channel.
    products: list[str] = field(default_factory=list)
    surfaces: dict[str, str] = field(default_factory=dict)

    @property
    def derived(self) -> dict[str, Any]:
        return {d["fact"]: d["value"] for d in self.result.get("derived", [])}

    @property
    def recommended(self) -> list[str]:
        return [p["id"] for p in self.result.get("products", [])]

    @property
    def dev_capacity(self) -> str:
        value = self.answers.get("dev_capacity")
        if value in ("none", "small", "large"):
            return str(value)
        return str(self.design.scheduling.get("default_dev_capacity", "small"))

    def facts(self, products: list[str] | None = None) -> dict[str, Any]:
        """Facts for `when:` conditions; `products` defaults to the design's products."""
        out: dict[str, Any] = {**self.derived, **self.answers}
        out["products"] = list(self.products if products is None else products)
        out["risks"] = [r["id"] for r in self.result.get("risks", [])]
        for channel, pid in self.surfaces.items():
            out[f"surface_{channel}"] = pid
        return out

    def holds(self, condition: str | None, products: list[str] | None = None) -> bool:
        return holds(condition, self.facts(products))

    def entry(self, pid: str) -> Mapping[str, Any]:
        """The product's design entry with the first `phase_overrides` entry whose `when` holds
        applied (its phase, and its `decide_first`/`note` when it gives them)."""
        entry = self.design.entry(pid)
        for override in self.design.data.get("phase_overrides", []):
            if pid in override["products"] and self.holds(override.get("when")):
                changed = {
                    k: override[k] for k in ("phase", "decide_first", "note") if k in override
                }
                return {**entry, **changed}
        return entry

    def phase(self, pid: str) -> str:
        return str(self.entry(pid)["phase"])

    def name(self, pid: str) -> str:
        """A product's name: the result's, an exclusion's, the design file's, or its id."""
        for p in self.result.get("products", []):
            if p["id"] == pid:
                return str(p["name"])
        for e in self.result.get("exclusions", []):
            if e.get("product") == pid and e.get("name"):
                return str(e["name"])
        entry = self.design.products.get(pid, {})
        return str(entry.get("name") or pid.replace("_", " ").capitalize())

    def values(self) -> dict[str, str]:
        """Answers and derived facts as wording shows them, by id (for `{placeholders}`)."""
        return self._values

    @cached_property
    def _values(self) -> dict[str, str]:
        wording = self.design.wording
        limit = wording.get("max_countries_listed")
        more = wording.get("more_countries", "{listed} and {more} more")
        out: dict[str, str] = {}
        hq = self.answers.get("hq_country")
        for key, value in {**self.derived, **self.answers}.items():
            if value is None or value == []:
                continue
            if isinstance(value, list) and hq in value:
                # The home market first: a shortened list never hides it.
                value = [hq, *(v for v in value if v != hq)]
            labels = self.design.labels.get(key)
            out[key] = show_value(key, value, labels, max_items=limit, more=more)
        out["company_name"] = self.company_name()
        return out

    def company_name(self) -> str:
        return str(
            self.company
            or self.answers.get("company_name")
            or self.design.wording.get("unknown_company", "")
        )

    def fill(self, template: str, **extra: str) -> str:
        """A wording template filled with the answers plus `extra` values."""
        return fill(template, {**self.values(), **extra})

    def names(self, pids: list[str]) -> str:
        return join([self.name(p) for p in pids])
