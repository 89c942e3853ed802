"""The one wrapper around durable_rules 2.0.28 (the only module that imports it).

durable_rules is a Rete engine with a C core and sharp edges (docs/engine.md lists what was
measured and the workaround for each). This module hides every one of them behind `RuleShards`:

- no timer thread: the engine is driven synchronously through the low-level
  `durable_rules_engine` functions (no `Host` at all on the fast path; `QuietHost`, a `Host`
  whose `_run` does nothing, is kept for the callback path used in benchmarks);
- one process-wide lock around every engine call (the C core is not thread safe);
- a unique, versioned ruleset name per compilation, freed with `delete_ruleset` when the
  compilation is closed or garbage collected (no "already registered", no leak on reloads);
- shards of at most 50 rules (more alpha branches corrupt the heap, ~700 rules never compile);
- `{"$nex": {"$s": 1}}` in every rule, so the session-state object never matches a rule;
- a warm-up sentinel rule fired once per shard (`delete_state` on a never-acted ruleset
  corrupts the heap), a fresh sid per evaluation and `delete_state` in `finally`;
- facts normalised before asserting: typed values only, `x__count` for list answers, no
  number its JSON reader would misread (a float of 1e16 or more is written `1e+16`, which
  fails the engine with error 309);
- `assert_fact` (not `post`), so every matching rule fires; "not handled" means no rule fired.
"""

from __future__ import annotations

import itertools
import json
import math
import re
import threading
import weakref
from collections.abc import Callable, Container, Iterable, Mapping, Sequence
from typing import Any

import durable_rules_engine as _dre
from durable.engine import Host

__all__ = [
    "ENGINE_LOCK",
    "MAX_FIELDS",
    "MAX_RULES_PER_SHARD",
    "EngineError",
    "FactError",
    "QuietHost",
    "RuleShards",
    "live_ruleset_count",
    "normalise_facts",
    "with_state_guard",
]

MAX_RULES_PER_SHARD = 50
# durable expands every rule to disjunctive normal form; a negated disjunction over many
# fields explodes (error 113, or a compile that never ends). Such rules are not compiled.
MAX_BRANCHES = 64
MAX_FIELDS = 200
MAX_STRING = 10_000
MAX_LIST = 1_000
# Integers beyond this lose precision in the engine's doubles.
MAX_SAFE_INT = 2**53

STATE_GUARD: dict[str, Any] = {"$nex": {"$s": 1}}
_WARMUP_FIELD = "Warmup"  # capitalised: can never be an answer id ([a-z][a-z0-9_]*)
_WARMUP_RULE = "w"
_ACTION_LIMIT = 100_000  # actions per fact and shard: far above any real ruleset, never hang
_FIELD_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_RESERVED = frozenset({"sid", "id"})
_valid_keys: set[str] = set()  # ids that passed the checks below

ENGINE_LOCK = threading.RLock()
"""Held around every call into the C core: the engine is not thread safe."""

_names = itertools.count(1)
_sids = itertools.count(1)
_live: set[int] = set()


class EngineError(RuntimeError):
    """The rules engine refused a ruleset or failed while evaluating."""


class FactError(ValueError):
    """An answer set the engine must not see (wrong type, reserved key, too many fields)."""


class QuietHost(Host):
    """A durable `Host` without the timer thread that calls into the engine every 0.2 s."""

    def _run(self) -> None:  # noqa: D401 - overriding the timer start-up on purpose
        return None


def with_state_guard(expr: Mapping[str, Any]) -> dict[str, Any]:
    """`expr` and "not the session-state object" (the state has `$s`; facts never do)."""
    return {"$and": [dict(expr), STATE_GUARD]}


def _check_scalar(key: str, value: Any) -> None:
    kind = type(value)
    if kind is bool or (kind is str and len(value) <= MAX_STRING):
        return
    if isinstance(value, bool) or value is None:
        if value is None:
            raise FactError(f"{key}: null is not a value (leave the answer out instead)")
        return
    if isinstance(value, int):
        if abs(value) > MAX_SAFE_INT:
            raise FactError(f"{key}: integer {value} is too large")
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise FactError(f"{key}: {value} is not a finite number")
        if abs(value) >= MAX_SAFE_INT:
            raise FactError(f"{key}: {value} is too large")
        return
    if isinstance(value, str):
        if len(value) > MAX_STRING:
            raise FactError(f"{key}: text longer than {MAX_STRING} characters")
        return
    raise FactError(f"{key}: values of type {type(value).__name__} are not supported")


def normalise_facts(facts: Mapping[str, Any]) -> dict[str, Any]:
    """Validate typed answers for the engine and add `x__count` for every list answer.

    Only str, bool, int, finite float and lists of those are accepted; `Decimal`, dates,
    NaN/inf, None, nested objects, reserved keys (`sid`, `id`, `$...`) and more than
    MAX_FIELDS fields raise FactError (the engine would fail or corrupt itself on them).
    """
    if len(facts) > MAX_FIELDS:
        raise FactError(f"too many fields: {len(facts)} (at most {MAX_FIELDS})")
    out: dict[str, Any] = {}
    valid = _valid_keys
    for key, value in facts.items():
        if key not in valid:
            if not isinstance(key, str) or key in _RESERVED or not _FIELD_RE.match(key):
                raise FactError(f"{key!r}: not a valid answer id")
            if len(valid) < 10_000:  # answer ids repeat: check each once per process
                valid.add(key)
        if isinstance(value, list | tuple):
            if len(value) > MAX_LIST:
                raise FactError(f"{key}: more than {MAX_LIST} items")
            for item in value:
                _check_scalar(key, item)
            out[key] = list(value)
            count_key = f"{key}__count"
            if count_key in facts:
                raise FactError(f"{count_key!r}: reserved for the length of {key}")
            out[count_key] = len(value)
        else:
            _check_scalar(key, value)
            out[key] = value
    return out


def fact_body(clean: Mapping[str, Any]) -> str:
    """The JSON members of a normalised fact, as `RuleShards.fired_body` takes them."""
    text = json.dumps(clean, ensure_ascii=True, allow_nan=False, separators=(",", ":"))
    return text[1:-1]


def branch_count(expr: Any) -> int:
    """Number of DNF branches durable will build for an expression ($and multiplies, $or adds)."""
    if isinstance(expr, Mapping):
        if "$and" in expr:
            total = 1
            for item in expr["$and"]:
                total *= branch_count(item)
                if total > 10**9:
                    return total
            return total
        if "$or" in expr:
            return sum(branch_count(item) for item in expr["$or"])
        if "$iany" in expr or "$iall" in expr:
            return 1  # one alpha node over the list, whatever its inner expression
        total = 1
        for value in expr.values():
            total *= branch_count(value) if isinstance(value, Mapping) else 1
        return total
    return 1


def _engine_error(exc: BaseException, what: str) -> EngineError:
    return EngineError(f"rules engine error while {what}: {exc}")


def _delete_ruleset(handle: int) -> None:
    with ENGINE_LOCK:
        if handle in _live:
            _live.discard(handle)
            _dre.delete_ruleset(handle)


def live_ruleset_count() -> int:
    """How many compiled durable rulesets exist in this process (for leak tests)."""
    with ENGINE_LOCK:
        return len(_live)


class RuleShards:
    """Named rules compiled into durable rulesets of at most MAX_RULES_PER_SHARD rules.

    `rules` is a sequence of `(name, durable expression)`; `fired(facts)` returns the indexes
    (positions in `rules`) of every compiled rule whose expression holds for `facts`,
    ascending. Rules listed in `unsupported` are not compiled: the caller decides them.
    """

    def __init__(
        self,
        rules: Sequence[tuple[str, Mapping[str, Any]]],
        label: str = "rules",
        shard_size: int = MAX_RULES_PER_SHARD,
        *,
        state_guard: bool = True,
        groups: Sequence[Sequence[int]] | None = None,
    ) -> None:
        if not 1 <= shard_size <= MAX_RULES_PER_SHARD:
            raise ValueError(f"shard_size must be within 1..{MAX_RULES_PER_SHARD}")
        self.label = re.sub(r"[^A-Za-z0-9_]", "_", label)[:60] or "rules"
        self.names = [name for name, _ in rules]
        self.size = len(rules)
        # Indexes of rules the engine cannot take (too many DNF branches, or refused by
        # create_ruleset): the caller evaluates those itself.
        self.unsupported: list[int] = []
        self._index_maps: list[list[int]] = []
        if groups is None:
            groups = [range(len(rules))]
        elif sorted(i for g in groups for i in g) != list(range(len(rules))):
            raise ValueError("groups must hold every rule exactly once")
        chunks: list[tuple[int, list[int]]] = []
        for group_no, group in enumerate(groups):
            accepted = []
            for i in group:
                if branch_count(rules[i][1]) > MAX_BRANCHES:
                    self.unsupported.append(i)
                else:
                    accepted.append(i)
            # as many shards as needed, of even sizes
            count, size = -(-len(accepted) // shard_size), len(accepted)
            for k in range(count):
                chunks.append((group_no, accepted[k * size // count : (k + 1) * size // count]))
        self._handles: list[int] = []
        self._limits: list[int] = []
        # the group (of `groups`) each shard's rules belong to
        self.shard_groups: list[int] = []
        self._closed = False
        serial = next(_names)
        try:
            shard_no = 0
            while chunks:
                group_no, chunk = chunks.pop(0)
                shard_no += 1
                handle = self._create(
                    f"{self.label}__c{serial}__s{shard_no}", rules, chunk, state_guard
                )
                if handle is None:
                    if len(chunk) == 1:
                        self.unsupported.append(chunk[0])
                    else:  # find the rule the engine refuses: split the shard and retry
                        half = len(chunk) // 2
                        chunks[:0] = [(group_no, chunk[:half]), (group_no, chunk[half:])]
                    continue
                self._handles.append(handle)
                self.shard_groups.append(group_no)
                self._index_maps.append(chunk)
                self._limits.append(_ACTION_LIMIT)
                with ENGINE_LOCK:
                    fired = self._run_shard(handle, f'"{_WARMUP_FIELD}":1', _ACTION_LIMIT)
                if _WARMUP_RULE not in fired:
                    raise EngineError(f"warm-up of shard {shard_no} fired {fired!r}")
            self.unsupported.sort()
        except BaseException:
            self._free(self._handles)
            self._handles = []
            raise
        # Runs at most once: on close() or when the object is garbage collected. Handles are
        # reused by the engine after delete_ruleset, so they must never be freed twice.
        self._finalizer = weakref.finalize(self, RuleShards._free, list(self._handles))
        self._finalizer.atexit = False

    @staticmethod
    def _create(
        name: str,
        rules: Sequence[tuple[str, Mapping[str, Any]]],
        chunk: list[int],
        state_guard: bool,
    ) -> int | None:
        """Compile one shard; None when the engine refuses it."""
        definition: dict[str, Any] = {
            _WARMUP_RULE: {"all": [{"m": with_state_guard({_WARMUP_FIELD: 1})}]}
        }
        for local, index in enumerate(chunk):
            expr = rules[index][1]
            # state_guard=False exists only so a test can show the pitfall is real.
            m = with_state_guard(expr) if state_guard else dict(expr)
            definition[f"r{local}"] = {"all": [{"m": m}]}
        text = json.dumps(definition, ensure_ascii=True, allow_nan=False)
        with ENGINE_LOCK:
            try:
                handle: int = _dre.create_ruleset(name, text)
            except _dre.error:
                return None
            _live.add(handle)
        return handle

    @staticmethod
    def _free(handles: Iterable[int]) -> None:
        for handle in handles:
            _delete_ruleset(handle)

    def close(self) -> None:
        """Free the compiled durable rulesets now (also done when garbage collected)."""
        with ENGINE_LOCK:
            self._closed = True
            self._handles = []
            self._finalizer()

    @property
    def closed(self) -> bool:
        return self._closed

    @staticmethod
    def _run_shard(handle: int, body: str, limit: int) -> list[str]:
        """Assert one fact (JSON members `body`) in a fresh session; names of fired rules.

        Caller holds ENGINE_LOCK. Actions are started and completed straight away: no
        Python callback and no state update per action, the rule name is sliced from the
        message (`{"r12":{"m":...}}`). A rule fires once per matching `$or` branch, so names
        can repeat. A message carrying the state object (`$s`), or more than `limit`
        actions, means a rule matches the session state: fail instead of looping.
        """
        sid = str(next(_sids))
        text = '{"sid":"' + sid + '","id":"f"' + ("," + body if body else "") + "}"
        fired: list[str] = []
        try:
            status, state_handle = _dre.assert_fact(handle, text)
            if status == 0:
                result = _dre.start_action_for_state(handle, state_handle)
                message = result[1] if result else None
                try:
                    while message:
                        if '"$s"' in message or len(fired) >= limit:
                            raise EngineError("a rule keeps firing (it matches the session state)")
                        fired.append(message[2 : message.index('"', 2)])
                        message = _dre.complete_and_start_action(handle, state_handle)
                except BaseException:
                    _dre.abandon_action(handle, state_handle)
                    raise
            elif status == 2:
                # MessageObserved: impossible with a fresh sid; never ignore it silently.
                raise EngineError("the engine saw the same fact twice in a fresh session")
            # status 1 (MessageNotHandled) and 3: no rule matched.
        except EngineError:
            raise
        except Exception as exc:
            raise _engine_error(exc, "evaluating") from exc
        finally:
            _dre.delete_state(handle, sid)
        return fired

    def fired(self, facts: Mapping[str, Any], *, normalised: bool = False) -> list[int]:
        """Indexes of the rules that hold for `facts` (validated unless `normalised`)."""
        clean = facts if normalised else normalise_facts(facts)
        return self.fired_body(fact_body(clean))

    def fired_body(self, body: str, groups: Container[int] | None = None) -> list[int]:
        """`fired` for an already normalised fact encoded by `fact_body` (one encoding can
        serve several RuleShards). With `groups`, only the shards of those groups see the
        fact: the caller knows that no rule of the other groups can hold."""
        out: set[int] = set()
        with ENGINE_LOCK:
            if self._closed:
                raise EngineError("this compiled ruleset was closed")
            for handle, index_map, limit, group in zip(
                self._handles, self._index_maps, self._limits, self.shard_groups, strict=True
            ):
                if groups is not None and group not in groups:
                    continue
                for name in self._run_shard(handle, body, limit):
                    if name != _WARMUP_RULE:
                        out.add(index_map[int(name[1:])])
        return sorted(out)


class CallbackShards:
    """The same contract as RuleShards, driven through `QuietHost` with a Python action per
    fired rule. Kept only to measure against the low-level path (bench/engine.py)."""

    def __init__(self, rules: Sequence[tuple[str, Mapping[str, Any]]], label: str = "cb") -> None:
        self._host = QuietHost()
        self._names: list[str] = []
        self._offsets: list[int] = []
        self._sink: list[int] = []
        serial = next(_names)
        for shard_no, start in enumerate(range(0, len(rules), MAX_RULES_PER_SHARD)):
            definition: dict[str, Any] = {
                _WARMUP_RULE: {
                    "all": [{"m": with_state_guard({_WARMUP_FIELD: 1})}],
                    "run": lambda c: None,
                }
            }
            for i, (_, expr) in enumerate(rules[start : start + MAX_RULES_PER_SHARD]):
                definition[f"r{i}"] = {
                    "all": [{"m": with_state_guard(expr)}],
                    "run": self._action(start + i),
                }
            name = f"{label}__cb{serial}__s{shard_no}"
            with ENGINE_LOCK:
                self._host.register_rulesets({name: definition})
                self._host.assert_fact(name, {"sid": "warmup", "id": "f", _WARMUP_FIELD: 1})
                self._host.delete_state(name, "warmup")
            self._names.append(name)
            self._offsets.append(start)

    def _action(self, index: int) -> Callable[[Any], None]:
        def run(c: Any) -> None:
            self._sink.append(index)

        return run

    def fired(self, facts: Mapping[str, Any]) -> list[int]:
        from durable.engine import MessageNotHandledException

        clean = normalise_facts(facts)
        with ENGINE_LOCK:
            self._sink = []
            for name in self._names:
                sid = str(next(_sids))
                try:
                    self._host.assert_fact(name, dict(clean, sid=sid, id="f"))
                except MessageNotHandledException:
                    pass
                finally:
                    self._host.delete_state(name, sid)
            return sorted(self._sink)

    def close(self) -> None:
        with ENGINE_LOCK:
            for ruleset in self._host._ruleset_list:
                _dre.delete_ruleset(ruleset._handle)
            self._host._ruleset_list.clear()
            self._host._ruleset_directory.clear()
