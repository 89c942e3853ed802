"""An index in front of the durable shards: assert a fact only into shards that can match.

Every rule gets, where it has one, an *anchor*: an atom that must hold whenever the rule's
condition holds (a necessary condition), of one of two forms that a dict lookup decides:

- scalar: `x == v`, `x in [v, w]`, a bare boolean `x` (`x == true`): the answer x is a single
  value equal to one of the anchor's constants;
- list: `x contains v`, `x contains_any [v, w]`, one value of `x contains_all [...]`: the
  answer x is a list holding one of the constants.

An `and` has the anchors of all its operands; an `or` has an anchor only when every branch
has one on the same answer and form (their constants united); `not` and the other atoms have
none. Rules are grouped by anchor; small groups of one answer are merged, and rules without
an anchor (or in groups too small to be worth a shard of their own) go to group 0, which is
always asserted. For a fact, `AnchorIndex.active` returns the groups whose anchors hold: a
rule outside them cannot hold, so its shards need not see the fact.

Equality is typed as in `conditions.evaluate.same_value`: a boolean equals only a boolean,
a number only a number (1 == 1.0), a string only a string (`key`).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import Any

from recommender.engine import cond
from recommender.engine.durable import MAX_RULES_PER_SHARD

__all__ = ["Anchor", "AnchorIndex", "anchors_of", "holds", "key", "keys_of", "narrowest"]

# (answer id, is a list anchor, the constants' keys)
Anchor = tuple[str, bool, frozenset[Hashable]]

_BOOL = "\x00bool"  # tags booleans so that True never meets 1 in a dict


def key(value: Any) -> Hashable:
    """The lookup key of a value: equal keys exactly when `same_value` says equal."""
    if value.__class__ is bool:
        return (_BOOL, value)
    return value


def keys_of(values: Any, sets: Mapping[str, Sequence[Any]] | None) -> frozenset[Hashable]:
    """The lookup keys of a literal, a list literal or an `@set`."""
    return frozenset(key(v) for v in cond.resolve_values(values, sets))


_keys = keys_of


def anchors_of(node: Any, sets: Mapping[str, Sequence[Any]] | None) -> list[Anchor]:
    """The anchors of a condition: each holds whenever the condition holds."""
    if isinstance(node, cond.And):
        return [a for o in node.operands for a in anchors_of(o, sets)]
    if isinstance(node, cond.Or):
        per_branch = [anchors_of(o, sets) for o in node.operands]
        common: list[Anchor] = []
        first = per_branch[0]
        for name, is_list in dict.fromkeys((a[0], a[1]) for a in first):
            union: set[Hashable] = set()
            for anchors in per_branch:
                mine = [a[2] for a in anchors if a[0] == name and a[1] == is_list]
                if not mine:
                    break
                union |= min(mine, key=len)  # any one is necessary: take the narrowest
            else:
                common.append((name, is_list, frozenset(union)))
        return common
    if isinstance(node, cond.Truthy):
        return [(node.name, False, frozenset([key(True)]))]
    subject = getattr(node, "subject", None)
    if not isinstance(subject, cond.Field):
        return []  # count(x) == 3, calculations, answered(x) and the like
    if isinstance(node, cond.Compare):
        if node.op == "==":
            return [(subject.name, False, frozenset([key(node.value.value)]))]
        return []
    if isinstance(node, cond.In):
        return [] if node.negated else [(subject.name, False, _keys(node.values, sets))]
    if isinstance(node, cond.Contains):
        if node.mode in ("one", "any"):
            return [(subject.name, True, _keys(node.values, sets))]
        if node.mode == "all":
            # each value is necessary on its own (an empty contains_all holds for any list)
            return [(subject.name, True, frozenset([k])) for k in _keys(node.values, sets)]
    return []


# A group is worth its own shards when its rules cost more in the always-asserted shards
# than asserting it costs: an assert into a shard costs about as much as MIN_GROUP rules
# that do not match (measured: ~4-6 µs against ~0.2 µs), so a group of n rules whose anchor
# holds for a share p of the facts gets its own shards when n * (1 - p) > MIN_GROUP * p.
MIN_GROUP = 15


class AnchorIndex:
    """Rules (by position in `conditions`) grouped by anchor; `groups[0]` has no anchor."""

    def __init__(
        self,
        conditions: Sequence[Any],
        sets: Mapping[str, Sequence[Any]] | None,
        min_group: int | None = None,
    ) -> None:
        if min_group is None:
            min_group = MIN_GROUP
        per_rule = [anchors_of(c, sets) for c in conditions]
        # How many distinct constants the rules compare each answer with: a rough
        # estimate of how often an anchor holds (x == v holds for ~1 in that many facts).
        seen: dict[tuple[str, bool], set[Hashable]] = {}
        for anchors in per_rule:
            for name, is_list, keys in anchors:
                seen.setdefault((name, is_list), set()).update(keys)

        def odds(anchor: Anchor) -> float:
            name, is_list, keys = anchor
            spread = max(len(seen[(name, is_list)]), 2)
            return min(1.0, len(keys) * (2.0 if is_list else 1.0) / spread)

        always: list[int] = []
        buckets: dict[Anchor, list[int]] = {}
        for position, anchors in enumerate(per_rule):
            if not anchors:
                always.append(position)
                continue
            best = min(anchors, key=lambda a: (odds(a), len(a[2]), a[0]))
            buckets.setdefault(best, []).append(position)

        def worth(size: int, share: float) -> bool:
            return size * (1.0 - share) > min_group * share

        self.groups: list[list[int]] = [always]
        self.anchors: list[list[Anchor]] = [[]]
        small: dict[tuple[str, bool], list[Anchor]] = {}
        for anchor in sorted(buckets, key=lambda a: (a[0], a[1], sorted(map(repr, a[2])))):
            if worth(len(buckets[anchor]), odds(anchor)):
                self.groups.append(sorted(buckets[anchor]))
                self.anchors.append([anchor])
            else:
                small.setdefault((anchor[0], anchor[1]), []).append(anchor)
        # The small groups of one answer together: one shard asserted when any holds.
        for (name, is_list), anchors in small.items():
            members = sorted(p for a in anchors for p in buckets[a])
            united: frozenset[Hashable] = frozenset().union(*(a[2] for a in anchors))
            if len(anchors) > 1 and worth(len(members), odds((name, is_list, united))):
                self.groups.append(members)
                self.anchors.append(anchors)
            else:
                always.extend(members)
        always.sort()

        # Worth it at all? The expected cost per fact in units of "one rule that does not
        # match" (an assert ~ MIN_GROUP of them; looking the anchors up ~ two asserts)
        # against asserting every shard: a small ruleset keeps its few shards.
        def cost(size: int) -> float:
            return min_group * -(-size // MAX_RULES_PER_SHARD) + size

        expected = cost(len(always)) + 2 * min_group
        for anchors, members in zip(self.anchors[1:], self.groups[1:], strict=True):
            expected += min(1.0, sum(odds(a) for a in anchors)) * cost(len(members))
        self.useful = len(self.groups) > 1 and expected < cost(len(conditions))
        # answer id -> key -> groups, for single values and for list items
        self.scalar: dict[str, dict[Hashable, list[int]]] = {}
        self.items: dict[str, dict[Hashable, list[int]]] = {}
        for group, anchors in enumerate(self.anchors):
            for name, is_list, keys in anchors:
                table = (self.items if is_list else self.scalar).setdefault(name, {})
                for k in keys:
                    if group not in table.setdefault(k, []):
                        table[k].append(group)

    def active(self, facts: Mapping[str, Any]) -> set[int]:
        """The groups whose anchors hold for the (normalised) facts; 0 always."""
        out = {0}
        for name, table in self.scalar.items():
            value = facts.get(name)
            if value is not None and value.__class__ is not list:
                groups = table.get((_BOOL, value) if value.__class__ is bool else value)
                if groups:
                    out.update(groups)
        for name, table in self.items.items():
            value = facts.get(name)
            if value.__class__ is list:
                for item in value:
                    groups = table.get((_BOOL, item) if item.__class__ is bool else item)
                    if groups:
                        out.update(groups)
        return out


def narrowest(anchors: Sequence[Anchor]) -> Anchor | None:
    """The anchor with the fewest constants (None when there is none)."""
    return min(anchors, key=lambda a: (len(a[2]), a[1], a[0])) if anchors else None


def holds(anchor: Anchor, facts: Mapping[str, Any]) -> bool:
    """Whether the anchor holds for typed facts (as `conditions.evaluate` reads them)."""
    name, is_list, keys = anchor
    value = facts.get(name)
    if value is None:
        return False
    try:
        if is_list:
            return isinstance(value, list) and any(key(item) in keys for item in value)
        return not isinstance(value, list) and key(value) in keys
    except TypeError:  # an unhashable value: let conditions.evaluate decide
        return True
