"""What changed since the last readout: two snapshots of one discovery compared.

`compare_readouts(before, after)` is plain data in, plain data out (no database): products
of the design, risks, roadmap items (phase, start and end month) and the per-market plan
(markets, and payment methods added or removed per market), each as added / removed /
changed. Roadmap dates are compared as calendar months, since two readouts made on
different days count their months from different report dates.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from recommender.errors import InvalidInput, NotFound
from recommender.extensions import db
from recommender.models import Discovery, ReportSnapshot
from recommender.readout.render.fmt import month_date
from recommender.services import discoveries, reports

Change = dict[str, Any]


@dataclass(frozen=True)
class Comparison:
    """Two snapshots of one discovery (`before` older than `after`) and their differences."""

    discovery: Discovery
    before: ReportSnapshot
    after: ReportSnapshot
    changes: dict[str, Any]

    @property
    def unchanged(self) -> bool:
        return not any(
            self.changes[k][kind]
            for k in ("products", "risks", "roadmap", "markets")
            for kind in ("added", "removed", "changed")
        ) and not self.changes.get("go_live")

    def to_dict(self) -> dict[str, Any]:
        return {
            "discovery_id": self.discovery.id,
            "before": _snapshot_ref(self.before),
            "after": _snapshot_ref(self.after),
            "unchanged": self.unchanged,
            **self.changes,
        }


def compare_snapshots(discovery_id: int, a: Any = None, b: Any = None) -> Comparison:
    """Compare two snapshots of a discovery; by default the latest with the one before it.

    `a` and `b` are snapshot ids in any order (the older one is "before"). Both must belong
    to the discovery."""
    discovery = discoveries.get_discovery(discovery_id)
    ids = [_snapshot_id(v, name) for v, name in ((a, "a"), (b, "b"))]
    if ids[0] is None or ids[1] is None:
        latest = list(
            db.session.scalars(
                select(ReportSnapshot)
                .where(ReportSnapshot.discovery_id == discovery_id)
                .order_by(ReportSnapshot.created_at.desc(), ReportSnapshot.id.desc())
                .limit(2)
            )
        )
        if len(latest) < 2:
            raise InvalidInput(
                "There is nothing to compare yet: this discovery needs two readouts. Create "
                "another one after the answers change."
            )
        ids = [ids[0] or latest[1].id, ids[1] or latest[0].id]
        if ids[0] == ids[1]:
            ids = [latest[1].id, latest[0].id]
    found: list[ReportSnapshot] = []
    for sid in ids:
        snap = db.session.get(ReportSnapshot, sid)
        if snap is None or snap.discovery_id != discovery_id:
            raise NotFound(f"There is no report {sid} for this discovery.")
        found.append(snap)
    first, second = sorted(found, key=lambda s: (s.created_at, s.id))
    changes = compare_readouts(reports.readout_of(first), reports.readout_of(second))
    return Comparison(discovery, first, second, changes)


def compare_readouts(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, Any]:
    """The differences between two readouts, section by section."""
    return {
        "products": _diff(_products(before), _products(after), _product_changes),
        "risks": _diff(_risks(before), _risks(after), _risk_changes),
        "roadmap": _diff(_roadmap(before), _roadmap(after), _roadmap_changes),
        "markets": _diff(_markets(before), _markets(after), _market_changes),
        "go_live": _go_live(before, after),
    }


# ---------------------------------------------------------------------------- sections


def _products(readout: Mapping[str, Any]) -> dict[str, Change]:
    phases = {
        p.get("id"): str(p.get("title") or p.get("id"))
        for p in (readout.get("roadmap") or {}).get("phases") or []
    }
    out: dict[str, Change] = {}
    for group in (readout.get("design") or {}).get("groups") or []:
        for p in group.get("products") or []:
            phase = p.get("phase")
            out[str(p.get("id"))] = {
                "id": str(p.get("id")),
                "name": str(p.get("name") or p.get("id")),
                "group": str(group.get("title") or group.get("id") or ""),
                "phase": phases.get(phase, phase),
            }
    return out


def _product_changes(old: Change, new: Change) -> list[Change]:
    return _fields(old, new, ("group", "phase"))


def _risks(readout: Mapping[str, Any]) -> dict[str, Change]:
    return {
        str(r.get("id")): {
            "id": str(r.get("id")),
            "name": str(r.get("title") or r.get("id")),
            "severity": r.get("severity"),
        }
        for r in readout.get("risks") or []
    }


def _risk_changes(old: Change, new: Change) -> list[Change]:
    return _fields(old, new, ("severity",))


def _roadmap(readout: Mapping[str, Any]) -> dict[str, Change]:
    roadmap = readout.get("roadmap") or {}
    start = roadmap.get("start_date")
    out: dict[str, Change] = {}
    for phase in roadmap.get("phases") or []:
        for item in phase.get("items") or []:
            key = str(item.get("product"))
            out[key] = {
                "id": key,
                "name": str(item.get("name") or key),
                "phase": str(phase.get("title") or phase.get("id") or item.get("phase") or ""),
                "start": _month(start, item.get("start_month")),
                "end": _month(start, item.get("end_month")),
            }
    return out


def _roadmap_changes(old: Change, new: Change) -> list[Change]:
    return _fields(old, new, ("phase", "start", "end"))


def _markets(readout: Mapping[str, Any]) -> dict[str, Change]:
    return {
        str(m.get("country")): {
            "id": str(m.get("country")),
            "name": str(m.get("country_name") or m.get("country")),
            "methods": {
                str(x.get("id")): str(x.get("name") or x.get("id")) for x in m.get("methods") or []
            },
        }
        for m in readout.get("markets") or []
    }


def _market_changes(old: Change, new: Change) -> list[Change]:
    before, after = old["methods"], new["methods"]
    added = [after[k] for k in after if k not in before]
    removed = [before[k] for k in before if k not in after]
    out = []
    if added:
        out.append({"field": "methods added", "before": None, "after": added})
    if removed:
        out.append({"field": "methods removed", "before": removed, "after": None})
    return out


def _go_live(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[Change]:
    old = (before.get("summary") or {}).get("go_live") or {}
    new = (after.get("summary") or {}).get("go_live") or {}
    return [
        {"field": label, "before": old.get(key), "after": new.get(key)}
        for key, label in (
            ("target_date", "target go-live"),
            ("plan_date", "planned go-live"),
            ("meets", "meets the target"),
        )
        if old.get(key) != new.get(key)
    ]


# ---------------------------------------------------------------------------- helpers


def _diff(
    before: dict[str, Change],
    after: dict[str, Change],
    changes: Callable[[Change, Change], list[Change]],
) -> dict[str, list[Change]]:
    """Items added (in `after` only), removed (in `before` only) and changed (in both, with
    the fields that differ), each list in the order the readout shows them."""
    return {
        "added": [_public(after[k]) for k in after if k not in before],
        "removed": [_public(before[k]) for k in before if k not in after],
        "changed": [
            {"id": k, "name": after[k]["name"], "changes": diff}
            for k in after
            if k in before and (diff := changes(before[k], after[k]))
        ],
    }


def _public(item: Change) -> Change:
    """An item as the comparison lists it (method maps become lists of names)."""
    return {k: list(v.values()) if isinstance(v, dict) else v for k, v in item.items()}


def _fields(old: Change, new: Change, names: tuple[str, ...]) -> list[Change]:
    return [
        {"field": name, "before": old.get(name), "after": new.get(name)}
        for name in names
        if old.get(name) != new.get(name)
    ]


def _month(start: Any, month: Any) -> str | None:
    """'YYYY-MM' of `month` months after the roadmap's start date."""
    if not isinstance(month, int | float) or isinstance(month, bool):
        return None
    day = month_date(start, float(month))
    return day.strftime("%Y-%m") if day else None


def _snapshot_id(value: Any, name: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(str(value))
    except ValueError:
        number = -1
    if number < 1:
        message = f"'{name}' must be a report number."
        raise InvalidInput(message, {name: message})
    return number


def _snapshot_ref(snapshot: ReportSnapshot) -> dict[str, Any]:
    return {
        "id": snapshot.id,
        "created_at": snapshot.created_at.isoformat() if snapshot.created_at else None,
        "ruleset": {"name": snapshot.ruleset_name, "version": snapshot.ruleset_version},
    }
